//go:build !unix && !windows

package store

import "os"

// No advisory locks on this platform: the lock file only names the holder
// and a second process is not stopped. Pagekeeper ships for unix and Windows.
func lockFile(*os.File) error         { return nil }
func unlockFile(*os.File)             {}
func lockHeld(*os.File) (bool, error) { return false, nil }
