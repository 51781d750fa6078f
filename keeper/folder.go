package keeper

import (
	"context"
	"errors"
	"fmt"

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
// pretend Facebook's state, the copies set aside) and, in the default
// folder, the sandbox's subfolder: they belong to Pagekeeper.
var sandboxNames = []string{sandboxStateFile + "*", "sandbox"}

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
