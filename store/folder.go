package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The data folder rules (issue 16 items 1 and 6). A data folder is whatever
// --data-dir names, so it may be a typo, /tmp, a home folder or /. Pagekeeper
// keeps credentials there and changes files in it, so:
//
//   - it creates a missing folder, readable only by its user (0700), but only
//     for a command that is about to keep data there (FolderOptions.Create);
//     the commands that only read or check (status, check, log, export)
//     never create one: a mistyped folder is "no Pagekeeper data in …";
//   - it uses a folder that holds nothing but Pagekeeper's files (one it
//     created, or an empty one it was given), and makes it private when it
//     is not (FolderOptions.Tighten, never for the commands that only read);
//   - it uses a folder that holds Pagekeeper's database among other files
//     (an older Pagekeeper put it there) but never changes its permissions;
//   - it refuses a folder that holds other files and no Pagekeeper data, and
//     a shared folder every user may write to (the sticky bit, like /tmp),
//     saying why: its data would sit among someone else's files.

// pagekeeperNames are the names Pagekeeper writes in a data folder (glob
// patterns). pagekeeper.db* covers the WAL and shared-memory files and the
// copies moved aside (.corrupt-…, .replaced-…, .new).
var pagekeeperNames = []string{
	dbFileName, dbFileName + "*", keyFileName, ".pagekeeper.key-*", lockFileName,
	pendingFileName, pendingFileName + ".tmp", backupDirName,
}

// ignoredNames are files a desktop leaves in any folder a person opened:
// they do not make a folder someone else's.
var ignoredNames = []string{".DS_Store", "desktop.ini", "Thumbs.db", ".directory"}

// FolderOptions say what PrepareFolder may do.
type FolderOptions struct {
	// Create a missing folder (0700). Without it, a missing folder is a
	// *NoDataError.
	Create bool
	// Tighten makes a folder that holds only Pagekeeper's files private
	// (0700) when others may read or enter it.
	Tighten bool
	// NeedData: the folder must already hold Pagekeeper's database, or the
	// note that a damaged one was moved aside (the next open starts afresh
	// and says so); otherwise *NoDataError.
	NeedData bool
	// OtherNames are more names (glob patterns) that belong to Pagekeeper
	// in this folder: the sandbox's state file, the sandbox subfolder.
	OtherNames []string
}

// NoDataError: the folder holds no Pagekeeper data, and the command does
// not create any (status, check, log, export, renew, disconnect).
type NoDataError struct{ Dir string }

func (e *NoDataError) Error() string {
	return fmt.Sprintf("There is no Pagekeeper data in %s. Check the folder name (--data-dir), "+
		"or connect Pages first (pagekeeper connect, or the window)", e.Dir)
}

// FolderError: Pagekeeper will not keep its data in this folder; Reason
// says why (keeper words it for a person).
type FolderError struct {
	Dir    string
	Reason FolderReason
	// Others are the first few names of the other files (FolderForeign),
	// More how many more there are.
	Others []string
	More   int
}

// FolderReason is why a folder is refused.
type FolderReason int

const (
	FolderIsFile  FolderReason = iota + 1 // a file, not a folder
	FolderShared                          // every user may create files in it (the sticky bit, like /tmp)
	FolderForeign                         // other files and no Pagekeeper data
)

// Error is the refusal in English, for logs (keeper words it for a person).
func (e *FolderError) Error() string {
	var why string
	switch e.Reason {
	case FolderIsFile:
		why = "it is a file, not a folder. Give the name of a folder (a new name creates one)"
	case FolderShared:
		why = "it is a shared folder (like /tmp) in which every user may create files. " +
			"Give a folder of your own, for example a new name inside it: Pagekeeper creates it readable only by you"
	default:
		names := `"` + strings.Join(e.Others, `", "`) + `"`
		if e.More > 0 {
			names += fmt.Sprintf(" and %d more", e.More)
		}
		why = fmt.Sprintf("it already holds other files (%s) and no Pagekeeper data. "+
			"Give a new folder name (Pagekeeper creates it, readable only by you), an empty folder, "+
			"or the folder that holds pagekeeper.db", names)
	}
	return fmt.Sprintf("Pagekeeper will not use %s as its data folder: %s", e.Dir, why)
}

// shownOthers is how many of the other files a FolderError names.
const shownOthers = 3

// PrepareFolder applies the folder rules to dir (an absolute path) before
// anything is written there.
func PrepareFolder(dir string, o FolderOptions) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if !o.Create {
			return &NoDataError{Dir: dir}
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return asWriteError(fmt.Errorf("cannot create the data folder %s: %w", dir, err))
		}
		return nil
	case err != nil:
		return asWriteError(err)
	case !fi.IsDir():
		return &FolderError{Dir: dir, Reason: FolderIsFile}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return asWriteError(fmt.Errorf("cannot read the data folder %s: %w", dir, err))
	}
	ours := append(slices.Clone(pagekeeperNames), o.OtherNames...)
	var others []string
	hasDB := false
	for _, e := range entries {
		name := e.Name()
		switch {
		case name == dbFileName:
			hasDB = true
		case matchesAny(name, ignoredNames), matchesAny(name, ours):
		default:
			others = append(others, name)
		}
	}
	if o.NeedData && !hasDB && !hasDamageNote(dir) {
		return &NoDataError{Dir: dir}
	}
	if fi.Mode()&fs.ModeSticky != 0 {
		return &FolderError{Dir: dir, Reason: FolderShared}
	}
	if len(others) > 0 {
		if hasDB {
			return nil // an older Pagekeeper's data among other files: used, never changed
		}
		fe := &FolderError{Dir: dir, Reason: FolderForeign, Others: others}
		if len(others) > shownOthers {
			fe.Others, fe.More = others[:shownOthers], len(others)-shownOthers
		}
		return fe
	}
	if o.Tighten && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return asWriteError(fmt.Errorf("cannot make the data folder %s private: %w", dir, err))
		}
	}
	return nil
}

func matchesAny(name string, patterns []string) bool {
	for _, p := range patterns {
		if ok, _ := filepath.Match(p, name); ok {
			return true
		}
	}
	return false
}
