// Package assets holds the files Pagekeeper embeds in its binary: the icon,
// the translation bundles and the HTTPS relay page. It has no logic.
package assets

import "embed"

// Icon is the 512×512 application icon.
//
//go:embed icon.png
var Icon []byte

// Logo is the icon at 64×64 for the window's title bar: Fyne decodes and
// scales an image's file on every refresh of its layout, which for the
// 512×512 icon cost milliseconds each time (made from icon.png with
// ImageMagick: convert icon.png -resize 64x64 -strip logo.png).
//
//go:embed logo.png
var Logo []byte

// Translations holds one go-i18n JSON bundle per language (en.json, es.json),
// rendered by keeper (Text.In) for every front end.
//
//go:embed translations/*.json
var Translations embed.FS

// RelayPage is the self-contained HTTPS relay page a business hosts for a
// Live-mode Facebook app with "Enforce HTTPS": it forwards Facebook's answer
// to the loopback callback on the user's computer (see docs/LOGIN.md).
//
//go:embed relay.html
var RelayPage []byte

// Tray icons: the system-tray icon shows the worst status at a glance
// (a badge, not colour alone: the menu names the Pages that need the owner).
var (
	//go:embed tray-ok.png
	TrayOK []byte
	//go:embed tray-warning.png
	TrayWarning []byte
	//go:embed tray-error.png
	TrayError []byte
)
