package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"github.com/BurntSushi/toml"
)

// fyneApp is the part of FyneApp.toml the running program needs.
type fyneApp struct {
	Details struct {
		Name, ID, Version string
		Build             int
	}
	Migrations map[string]bool
}

// ParseMetadata reads the [Details] and [Migrations] of FyneApp.toml (embedded
// by main) so that the binary carries its own name, ID, version and the fyneDo
// migration wherever it is moved: the one place the version is written is
// FyneApp.toml. The file is compiled into the program, so one that does not
// parse is a broken build (TestParseMetadataReadsTheProjectsFyneAppToml
// catches it first): ParseMetadata panics then, like regexp.MustCompile.
func ParseMetadata(data []byte, icon []byte) fyne.AppMetadata {
	var f fyneApp
	if err := toml.Unmarshal(data, &f); err != nil {
		panic(fmt.Sprintf("FyneApp.toml in this build does not parse: %v", err))
	}
	m := fyne.AppMetadata{Name: f.Details.Name, ID: f.Details.ID, Version: f.Details.Version, Build: f.Details.Build,
		Custom: map[string]string{}, Migrations: f.Migrations, Release: true}
	if m.Migrations == nil {
		m.Migrations = map[string]bool{}
	}
	if len(icon) > 0 {
		m.Icon = fyne.NewStaticResource("icon.png", icon)
	}
	return m
}
