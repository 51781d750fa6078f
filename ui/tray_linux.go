package ui

import (
	"context"
	"os"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

// trayAvailable reports whether this Linux desktop shows tray icons: a
// StatusNotifierWatcher (the tray's host, which Fyne's tray talks to)
// owns its name on the session bus. Without a session bus or a host —
// a bare window manager, a headless box — there is no tray to come back
// through, so closing the window must quit.
var trayAvailable = sync.OnceValue(func() bool {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		return false // no session bus (and no autolaunch of one)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	conn, err := dbus.ConnectSessionBus(dbus.WithContext(ctx))
	if err != nil {
		return false
	}
	defer conn.Close()
	var owned bool
	err = conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, "org.kde.StatusNotifierWatcher").Store(&owned)
	return err == nil && owned
})
