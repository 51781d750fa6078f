package keeper

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/pagekeeper/pagekeeper/store"
)

// Use says what a process does with the data folder, which decides what
// Open may do there (issue 16 items 1, 6 and 11; the folder rules are
// store/folder.go's).
type Use int

const (
	// UseWindow is the window: it creates a missing folder, and views the
	// folder when another process manages it.
	UseWindow Use = iota
	// UseChange is a command that keeps new data (connect, sandbox-demo):
	// it creates a missing folder, and is refused (*LockHeldError) when
	// another process manages the folder, before anything is asked of the
	// person.
	UseChange
	// UseChangeExisting is a command that changes data already there
	// (renew, disconnect, acknowledge-reset): no Pagekeeper data is an
	// error, never a new folder; refused when another process manages it.
	UseChangeExisting
	// UseRead is a command that reads or checks (status, check, log,
	// export): no Pagekeeper data is an error, nothing is created and no
	// permission changed. It views the folder (records nothing) when
	// another process manages it, or when the folder cannot be written (a
	// full disk, a read-only folder).
	UseRead
)

// changes reports whether u is refused, rather than viewing, when another
// process manages the folder.
func (u Use) changes() bool { return u == UseChange || u == UseChangeExisting }

// sandboxNames are the sandbox's own files in its data folder (the
// pretend Facebook's state, the copies set aside, Sandbox Bot's folder)
// and, in the default folder, the sandbox's subfolder: they belong to
// Pagekeeper.
var sandboxNames = []string{sandboxStateFile + "*", "sandbox", sandboxBotDir}

// storeOptions are what o asks of the store.
func (o Options) storeOptions(dir string, keyring store.Keyring) store.Options {
	return store.Options{Dir: dir, Keyring: keyring, AllowKeyFile: o.AllowKeyFile, Now: o.Now,
		NeedData:        o.Use == UseChangeExisting || o.Use == UseRead,
		KeepPermissions: o.Use == UseRead,
		OtherNames:      sandboxNames}
}

// openStore applies the folder rules, takes the manager lock and opens the
// store. When another live process holds the lock, a window or a reading
// command opens the store read-only as a viewer, and a changing command is
// refused. A reading command also views a folder it cannot write to.
func (k *Keeper) openStore(ctx context.Context, so store.Options) error {
	if err := store.PrepareFolder(so.Dir, so.Folder()); err != nil {
		return err
	}
	lock, err := store.AcquireLockFor(so.Dir, k.opts.Command)
	var (
		held *store.LockHeldError
		we   *store.WriteError
	)
	switch {
	case errors.As(err, &held) && k.opts.Use.changes():
		return fromStore(err)
	case errors.As(err, &held):
		so.ReadOnly = true
		s, rerr := store.Open(ctx, so)
		if rerr != nil {
			// The real reason the viewer could not open comes first: the
			// manager's name alone would hide a keyring or disk problem.
			return fmt.Errorf("%w (%s manages these Pages)", fromStore(rerr), held.Holder)
		}
		holder := held.Holder
		k.store, k.viewer = s, &holder
		return nil
	case errors.As(err, &we) && k.opts.Use == UseRead:
		// Not even the lock file can be written: nobody can change the
		// data now, so it is read as it is.
		return k.openUnwritable(ctx, so, we)
	case err != nil:
		return fromStore(err)
	}
	s, err := store.Open(ctx, so)
	if errors.As(err, &we) && k.opts.Use == UseRead {
		// The lock could be written but the data cannot (a nearly full
		// disk): read it as it is, and leave the lock to whoever can write.
		return errors.Join(lock.Release(), k.openUnwritable(ctx, so, we))
	}
	if err != nil {
		return errors.Join(fromStore(err), lock.Release())
	}
	if k.opts.Use.changes() {
		// Before anyone is asked to log in: can anything be saved at all?
		if err := s.CheckWritable(ctx); err != nil {
			return errors.Join(fromStore(err), s.Close(), lock.Release())
		}
	}
	k.store, k.lock = s, lock
	return nil
}

// openUnwritable opens the store read-only for a reading command on a
// folder that cannot be written (we says why).
func (k *Keeper) openUnwritable(ctx context.Context, so store.Options, we *store.WriteError) error {
	so.ReadOnly = true
	s, err := store.Open(ctx, so)
	if err != nil {
		return fromStore(err)
	}
	k.store, k.unwritable = s, we
	return nil
}

// Unwritable is why this process only reads the folder although nobody
// else manages it (a full disk, a read-only folder); nil when it is not so.
func (k *Keeper) Unwritable() error {
	if k.unwritable == nil {
		return nil
	}
	return k.unwritable
}

// The folder rules and the folder's state in words (store holds the
// reasons as codes).
var (
	msgNoData = msg("folder.no_data",
		"There is no Pagekeeper data in {{.Dir}}. Check the folder name (--data-dir), or connect Pages first (pagekeeper connect, or the window).")
	msgFolderIsFile = msg("folder.is_file",
		"Pagekeeper will not use {{.Dir}} as its data folder: it is a file, not a folder. Give the name of a folder (a new name creates one).")
	msgFolderShared = msg("folder.shared",
		"Pagekeeper will not use {{.Dir}} as its data folder: it is a shared folder (like /tmp) in which every user may create files. "+
			"Give a folder of your own, for example a new name inside it: Pagekeeper creates it readable only by you.")
	msgFolderForeign = msg("folder.foreign",
		"Pagekeeper will not use {{.Dir}} as its data folder: it already holds other files ({{.Files}}) and no Pagekeeper data. "+
			"Give a new folder name (Pagekeeper creates it, readable only by you), an empty folder, or the folder that holds pagekeeper.db.")
	msgFilesAndMore = msg("folder.files_and_more", "{{.Files}} and {{.N}} more")
	msgResetPending = msg("folder.reset_pending",
		"Pagekeeper's data file was damaged and moved aside to {{.MovedTo}} on {{.When}}. Only a Pagekeeper that manages the folder "+
			"(the window, or a command that changes Pages) can start afresh or restore a backup: open the window, or restore a backup.")
	msgHeldByWindow = msg("folder.held_by_window",
		"Pagekeeper is already managing these Pages: {{.Holder}}. Use that window, or close it and try again.")
	msgHeldByCommand = msg("folder.held_by_command",
		"Another Pagekeeper command is using these Pages: {{.Holder}}. Wait until it ends (or stop it), then try again.")
	msgDiskFull = msg("folder.disk_full",
		"Pagekeeper could not save: the disk is full. Free some space; nothing was changed.")
	msgFolderReadOnly = msg("folder.read_only",
		"Pagekeeper could not save: the data folder is read-only. Make it writable or choose another data folder; nothing was changed.")
	msgFolderNotAllowed = msg("folder.not_allowed",
		"Pagekeeper could not save: it is not allowed to write to the data folder. Check the folder's permissions; nothing was changed.")
)

// explainFolder words the store's errors about the data folder; ok is
// false for any other error.
func explainFolder(err error) (t Text, ok bool) {
	var (
		nd *store.NoDataError
		fe *store.FolderError
		rp *store.ResetPendingError
		we *store.WriteError
	)
	switch {
	case errors.As(err, &nd):
		return msgNoData.with("Dir", nd.Dir), true
	case errors.As(err, &fe):
		switch fe.Reason {
		case store.FolderIsFile:
			return msgFolderIsFile.with("Dir", fe.Dir), true
		case store.FolderShared:
			return msgFolderShared.with("Dir", fe.Dir), true
		}
		files := plain(`"` + strings.Join(fe.Others, `", "`) + `"`)
		if fe.More > 0 {
			files = msgFilesAndMore.with("Files", files, "N", fe.More)
		}
		return msgFolderForeign.with("Dir", fe.Dir, "Files", files), true
	case errors.As(err, &rp):
		return msgResetPending.with("MovedTo", rp.Notice.MovedTo, "When", rp.Notice.At.Local()), true
	case errors.As(err, &we):
		return writeErrorText(we), true
	}
	return Text{}, false
}

// writeErrorText says why nothing could be saved.
func writeErrorText(we *store.WriteError) Text {
	switch we.Reason {
	case store.WriteDiskFull:
		return msgDiskFull.with()
	case store.WriteReadOnly:
		return msgFolderReadOnly.with()
	}
	return msgFolderNotAllowed.with()
}

// explain says who holds the folder and what to do.
func (e *LockHeldError) explain() (what, todo Text) {
	if e.Manager.Command != "" {
		return msgHeldByCommand.with("Holder", e.Manager.Text()), Text{}
	}
	return msgHeldByWindow.with("Holder", e.Manager.Text()), Text{}
}
