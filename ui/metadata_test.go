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

func TestParseMetadataReadsTOMLAsTOML(t *testing.T) {
	// Quoting, comments, inline tables and a missing [Migrations]: what a
	// line-by-line reader got wrong.
	m := ParseMetadata([]byte(`
# comment = "not a key"
[Details]
  Name = "Page \"keeper\" = 1" # trailing comment
  ID = 'com.example.x'
  Version = "1.2.3"
  Build = 7
[LinuxAndBSD]
  Name = "not the app's name"
`), nil)
	if m.Name != `Page "keeper" = 1` || m.ID != "com.example.x" || m.Version != "1.2.3" || m.Build != 7 {
		t.Fatalf("%+v", m)
	}
	if m.Migrations == nil || m.Migrations["fyneDo"] {
		t.Fatalf("migrations %v", m.Migrations)
	}
}

func TestParseMetadataPanicsOnABrokenBuild(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("a FyneApp.toml that does not parse must stop the program")
		}
	}()
	ParseMetadata([]byte("[Details\nName = "), nil)
}
