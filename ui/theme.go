package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// pagekeeperTheme is Fyne's theme with two changes a keyboard user and a
// first-time user need:
//   - the focus mark is a neutral tint, not the primary blue, so it shows on
//     the blue (primary) buttons too — Fyne blends the focus colour over
//     the button's own;
//   - placeholders are dimmer, so "for example 587" does not read as a value
//     already filled in.
type pagekeeperTheme struct{ fyne.Theme }

// Theme is Pagekeeper's theme (main and the tests set it on the app).
func Theme() fyne.Theme { return pagekeeperTheme{theme.DefaultTheme()} }

func (t pagekeeperTheme) Color(name fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	switch name {
	case theme.ColorNameFocus:
		if v == theme.VariantLight {
			return color.NRGBA{A: 0x40}
		}
		return color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0x50}
	case theme.ColorNamePlaceHolder:
		if v == theme.VariantLight {
			return color.NRGBA{R: 0x9a, G: 0x9a, B: 0x9a, A: 0xff}
		}
		return color.NRGBA{R: 0x7a, G: 0x7a, B: 0x7a, A: 0xff}
	}
	return t.Theme.Color(name, v)
}
