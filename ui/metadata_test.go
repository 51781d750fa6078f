package ui

import (
	"os"
	"testing"
)

func TestParseMetadataReadsTheProjectsFyneAppToml(t *testing.T) {
	data, err := os.ReadFile("../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	m := ParseMetadata(data, []byte{1})
	if m.Name != "Pagekeeper" || m.ID != "com.pagekeeper.app" {
		t.Fatalf("name/id = %q/%q", m.Name, m.ID)
	}
	if m.Version == "" || m.Build < 1 {
		t.Fatalf("version %q build %d", m.Version, m.Build)
	}
	if !m.Migrations["fyneDo"] {
		t.Fatal("FyneApp.toml must declare [Migrations] fyneDo = true")
	}
	if m.Icon == nil {
		t.Fatal("icon not set")
	}
}
