package keeper

import (
	"context"
	"time"

	"github.com/pagekeeper/pagekeeper/store"
)

// BackupInfo describes one verified backup.
type BackupInfo struct {
	Path   string
	Time   time.Time
	Size   int64
	Pages  int64
	Events int64
}

// Backup takes a verified backup now and returns its path.
func (k *Keeper) Backup(ctx context.Context) (string, error) {
	if err := k.requireManager(); err != nil {
		return "", err
	}
	return k.store.Backup(ctx)
}

// Backups lists the backups that verify, newest first, each with how many
// Pages and events it holds (the restore list shows them). Each is opened
// and checked: call it off the UI goroutine.
func (k *Keeper) Backups(ctx context.Context) ([]BackupInfo, error) {
	bs, err := k.store.Backups()
	out := make([]BackupInfo, 0, len(bs))
	for _, b := range bs {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		v, verr := store.VerifyBackup(ctx, b.Path)
		if verr != nil {
			continue // a backup that does not verify cannot be restored
		}
		v.Time = b.Time
		out = append(out, BackupInfo(v))
	}
	return out, err
}

// Restore replaces the open data with a verified backup (the current data is
// backed up first); the backup's settings take effect at once.
func (k *Keeper) Restore(ctx context.Context, path string) error {
	if err := k.requireManager(); err != nil {
		return err
	}
	// Not while a settings or integration change is under way: it reads
	// secrets from the store inside its transaction, which the restore's
	// exclusive lock would deadlock.
	k.settingsMu.Lock()
	err := k.store.Restore(ctx, path)
	k.settingsMu.Unlock()
	if err != nil {
		return err
	}
	return k.reloadSettings(ctx)
}
