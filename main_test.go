package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestVersionComesFromFyneAppToml(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"--version"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	toml, err := os.ReadFile("FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`(?m)^\s*Version\s*=\s*"([^"]+)"`).FindSubmatch(toml)
	if want == nil {
		t.Fatal("FyneApp.toml has no Version")
	}
	if !strings.HasPrefix(out.String(), "Pagekeeper "+string(want[1])+" ") {
		t.Fatalf("--version printed %q", out.String())
	}
}

func TestUnknownCommandFailsWithAHint(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"frobnicate"}, &out, &errOut); code != 64 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(errOut.String(), "unknown command") || !strings.Contains(errOut.String(), "--help") {
		t.Fatalf("stderr = %q", errOut.String())
	}
}
