// Package keeper is Pagekeeper's domain: it opens a data folder as its
// manager (or as a read-only viewer when another process manages it) and,
// as the product grows, connects, checks, renews and disconnects Pages.
// The window and the headless commands share it. It never imports Fyne and
// never lets a token out of a token.Token.
package keeper

import (
	"context"
	"errors"
	"time"

	"github.com/pagekeeper/pagekeeper/store"
)

// The store's errors a caller must tell apart, re-exported so that the ui
// does not reach past keeper.
type (
	KeyringError  = store.KeyringError
	CorruptError  = store.CorruptError
	LockHeldError = store.LockHeldError
	WriteError    = store.WriteError
	LockInfo      = store.LockInfo
)

// ErrNewerVersion: the data was written by a newer Pagekeeper.
var ErrNewerVersion = store.ErrNewerVersion

// Options say where the data lives and how its key is protected.
type Options struct {
	Dir          string        // data folder; "" = store.DefaultDir()
	Keyring      store.Keyring // nil = the OS keyring
	AllowKeyFile bool          // the owner agreed to a key file when no keyring works
	Now          func() time.Time
}

// Keeper is an open data folder.
type Keeper struct {
	store *store.Store
	lock  *store.Lock
	// viewer is set when another process manages the folder: this one only reads.
	viewer *store.LockInfo
	now    func() time.Time
	graph  Graph
}

// Open takes the manager lock of the folder and opens its store. When
// another live process holds the lock, it opens the store read-only and
// Manager tells who manages; if even that is impossible, the
// *LockHeldError is returned.
func Open(ctx context.Context, o Options) (*Keeper, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Dir == "" {
		d, err := store.DefaultDir()
		if err != nil {
			return nil, err
		}
		o.Dir = d
	}
	k := &Keeper{now: o.Now}
	so := store.Options{Dir: o.Dir, Keyring: o.Keyring, AllowKeyFile: o.AllowKeyFile, Now: o.Now}
	lock, err := store.AcquireLock(o.Dir)
	var held *store.LockHeldError
	switch {
	case errors.As(err, &held):
		so.ReadOnly = true
		s, rerr := store.Open(ctx, so)
		if rerr != nil {
			return nil, err
		}
		holder := held.Holder
		k.store, k.viewer = s, &holder
		return k, nil
	case err != nil:
		return nil, err
	}
	s, err := store.Open(ctx, so)
	if err != nil {
		_ = lock.Release()
		return nil, err
	}
	k.store, k.lock = s, lock
	return k, nil
}

// RestoreBackup replaces the data file of dir (which must not be open) with
// a verified backup; the file it replaces is kept beside it.
func RestoreBackup(dir, backupPath string) error { return store.RestoreFrom(dir, backupPath) }

// Close closes the store and releases the manager lock.
func (k *Keeper) Close() error {
	err := k.store.Close()
	if k.lock != nil {
		err = errors.Join(err, k.lock.Release())
	}
	return err
}

// ReadOnly reports who manages the folder when this process only views it.
func (k *Keeper) ReadOnly() (holder LockInfo, readOnly bool) {
	if k.viewer == nil {
		return LockInfo{}, false
	}
	return *k.viewer, true
}

// Dir is the data folder.
func (k *Keeper) Dir() string { return k.store.Dir() }

// Page is one Page as the owner sees it.
type Page struct {
	ID, Name   string
	Status     string // store.Status values: valid, needs_attention, …
	Reason     string // machine reason code
	ReasonText string // the reason in plain words; empty when there is none
	Updated    time.Time
}

// Pages lists the Pages in the folder, connected ones first.
func (k *Keeper) Pages(ctx context.Context) ([]Page, error) {
	ps, err := k.store.Pages(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Page, 0, len(ps))
	for _, p := range ps {
		out = append(out, Page{ID: p.ID, Name: p.Name, Status: string(p.Status), Reason: p.Reason, Updated: p.UpdatedAt})
	}
	return out, nil
}
