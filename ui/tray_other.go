//go:build !linux

package ui

// trayAvailable: Windows and macOS always show tray (menu bar) icons.
func trayAvailable() bool { return true }
