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

	"github.com/pagekeeper/pagekeeper/fb/login"
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
	// loginBase is the Facebook Login set-up (see UseFacebook).
	loginBase *login.Config
	// hstate: health rounds, the scheduler and alert channels (health.go, alerts.go).
	hstate healthState
	// rejected: counts of refused login callbacks not yet written (rejected.go).
	rejected rejectedCallbacks
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
	k.closeRejected()
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

// PageRecord is everything Pagekeeper knows about a Page (never its token).
type PageRecord = store.Page

// Event is one entry of a Page's history.
type Event = store.Event

// Pages lists every Page in the folder.
func (k *Keeper) Pages(ctx context.Context) ([]PageRecord, error) { return k.store.Pages(ctx) }

// PageLog returns a Page's record and its newest events (history first is newest).
func (k *Keeper) PageLog(ctx context.Context, pageID string, limit int) (PageRecord, []Event, error) {
	p, err := k.store.Page(ctx, pageID)
	if err != nil {
		return p, nil, err
	}
	evs, err := k.store.Events(ctx, pageID, limit)
	return p, evs, err
}
