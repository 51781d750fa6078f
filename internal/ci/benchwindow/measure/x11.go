package main

/*
#cgo LDFLAGS: -lX11
#include <stdlib.h>
#include <string.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>

// viewable says whether a top-level window titled title is mapped (and all
// its ancestors): what `xdotool search --onlyvisible --name` finds.
static int viewable(Display *d, const char *title) {
	Window root = DefaultRootWindow(d), parent, *kids = NULL;
	unsigned int n = 0;
	int found = 0;
	if (!XQueryTree(d, root, &root, &parent, &kids, &n)) return 0;
	for (unsigned int i = 0; i < n && !found; i++) {
		char *name = NULL;
		if (XFetchName(d, kids[i], &name) && name) {
			if (strcmp(name, title) == 0) {
				XWindowAttributes a;
				if (XGetWindowAttributes(d, kids[i], &a) && a.map_state == IsViewable) found = 1;
			}
			XFree(name);
		}
	}
	if (kids) XFree(kids);
	return found;
}
*/
import "C"

import (
	"errors"
	"unsafe"
)

// display is a connection to the X server the programs run on.
type display struct{ d *C.Display }

func openDisplay() (*display, error) {
	d := C.XOpenDisplay(nil)
	if d == nil {
		return nil, errors.New("cannot open the X display (DISPLAY unset or Xvfb not running)")
	}
	return &display{d}, nil
}

// viewable says whether a window with this exact title is mapped.
func (x *display) viewable(title string) bool {
	t := C.CString(title)
	defer C.free(unsafe.Pointer(t))
	return C.viewable(x.d, t) != 0
}

func (x *display) close() { C.XCloseDisplay(x.d) }
