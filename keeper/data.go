package keeper

import (
	"context"
	"errors"

	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/store"
)

// BackupInfo describes one verified backup.
type BackupInfo = store.BackupInfo

// Backup takes a verified backup now and returns its path.
func (k *Keeper) Backup(ctx context.Context) (string, error) {
	if err := k.requireManager(); err != nil {
		return "", err
	}
	return k.store.Backup(ctx)
}

// Backups lists the verified backups, newest first.
func (k *Keeper) Backups() ([]BackupInfo, error) { return k.store.Backups() }

// Restore replaces the open data with a verified backup (the current data is
// backed up first).
func (k *Keeper) Restore(ctx context.Context, path string) error {
	if err := k.requireManager(); err != nil {
		return err
	}
	return k.store.Restore(ctx, path)
}

// appSecretUser is where the optional App Secret lives in the keyring.
func appSecretUser(appID string) string { return "app-secret:" + appID }

// SetAppSecret keeps the optional App Secret in the system keyring (never in
// the database or a file); an empty secret removes it.
func (k *Keeper) SetAppSecret(ctx context.Context, secret token.Token) error {
	if err := k.requireManager(); err != nil {
		return err
	}
	set, err := k.Settings(ctx)
	if err != nil {
		return err
	}
	if set.AppID == "" {
		return errors.New("enter the App ID first: the App Secret belongs to it")
	}
	kr := k.secretsKeyring()
	if secret.IsZero() {
		if err := kr.Delete(SMTPKeyringService, appSecretUser(set.AppID)); err != nil && !errors.Is(err, store.ErrKeyNotFound) {
			return err
		}
		return nil
	}
	return kr.Set(SMTPKeyringService, appSecretUser(set.AppID), secret.Reveal())
}

// AppSecret returns the saved App Secret for appID, or the zero Token.
func (k *Keeper) AppSecret(appID string) token.Token {
	if appID == "" {
		return token.Token{}
	}
	v, err := k.secretsKeyring().Get(SMTPKeyringService, appSecretUser(appID))
	if err != nil {
		return token.Token{}
	}
	return token.New(v)
}
