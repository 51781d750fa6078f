package ui

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
)

// ParseMetadata reads the [Details] and [Migrations] of FyneApp.toml (embedded
// by main) so that the binary carries its own name, ID, version and the fyneDo
// migration wherever it is moved: the one place the version is written is
// FyneApp.toml. It understands only the flat key = value lines that file uses.
func ParseMetadata(toml []byte, icon []byte) fyne.AppMetadata {
	m := fyne.AppMetadata{Custom: map[string]string{}, Migrations: map[string]bool{}, Release: true}
	if len(icon) > 0 {
		m.Icon = fyne.NewStaticResource("icon.png", icon)
	}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(toml))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = strings.Trim(line, "[] ")
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		str := strings.Trim(val, `"`)
		switch section {
		case "Details":
			switch key {
			case "Name":
				m.Name = str
			case "ID":
				m.ID = str
			case "Version":
				m.Version = str
			case "Build":
				m.Build, _ = strconv.Atoi(val)
			}
		case "Migrations":
			m.Migrations[key] = val == "true"
		}
	}
	return m
}
