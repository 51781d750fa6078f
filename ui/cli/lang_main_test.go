package cli

import (
	"os"
	"testing"
)

// The tests that read English must not depend on this machine's language:
// they run as on a system without one (English); the tests about Spanish
// choose it in Settings, as a person does.
func TestMain(m *testing.M) {
	os.Setenv("LC_ALL", "C")
	os.Unsetenv("LANGUAGE")
	os.Exit(m.Run())
}
