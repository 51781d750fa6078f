package keeper

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/integration"
	"github.com/pagekeeper/pagekeeper/store"
)

var (
	msgDisconnectWarning = msg("disconnect.warn",
		"{{.Name}} will stop receiving Messenger messages in your integration, and its bot stops answering. Pagekeeper removes its webhook subscription on Facebook and deletes its saved token.")
	msgEventDisconnected        = msg("event.page_disconnected", "Disconnected: webhook subscription removal queued, token deleted.")
	msgEventDisconnectedNoToken = msg("event.page_disconnected_no_token",
		"Disconnected: token deleted. Pagekeeper had no readable token to remove the webhook subscription on Facebook; remove the app in the Page's settings if it still receives messages.")
)

// DisconnectWarning is the consequence the owner confirms before Disconnect.
func (k *Keeper) DisconnectWarning(ctx context.Context, pageID string) (Warning, error) {
	p, err := k.store.Page(ctx, pageID)
	if err != nil {
		return Warning{}, err
	}
	return Warning{PageID: p.ID, PageName: p.Name, Text: msgDisconnectWarning.with("Name", p.Name)}, nil
}

// ErrAlreadyDisconnected: the Page is not connected.
var ErrAlreadyDisconnected = errors.New("this Page is already disconnected")

// Disconnect disconnects a Page the owner confirmed (see DisconnectWarning).
// The local part (token deleted, Page marked disconnected, event) completes
// at once even when Facebook is unreachable or the token is dead; removing
// the webhook subscription on Facebook goes through the outbox, tried at
// once and retried with back-off. It reports whether that clean-up is still
// pending.
func (k *Keeper) Disconnect(ctx context.Context, pageID string, actor Actor) (cleanupPending bool, err error) {
	if err := k.requireManager(); err != nil {
		return false, err
	}
	pending, err := k.disconnect(ctx, pageID, actor)
	if err != nil {
		return false, err
	}
	if pending {
		k.DrainOutbox(ctx)
		p, err := k.store.Page(ctx, pageID)
		if err == nil {
			pending = p.CleanupPending
		}
	}
	return pending, nil
}

const outboxUnsubscribe = "unsubscribe"

// disconnect does the local part in one transaction and queues the remote
// clean-up (with the sealed token it needs) when there is a token to do it with.
func (k *Keeper) disconnect(ctx context.Context, pageID string, actor Actor) (cleanupPending bool, err error) {
	page, err := k.store.Page(ctx, pageID)
	if err != nil {
		return false, err
	}
	if page.Status == store.StatusDisconnected {
		return page.CleanupPending, ErrAlreadyDisconnected
	}
	tok, terr := k.store.Token(ctx, pageID)
	hasToken := terr == nil && !tok.IsZero()
	now := k.now()
	detail := msgEventDisconnected.with()
	if !hasToken {
		detail = msgEventDisconnectedNoToken.with()
	}
	err = k.store.Update(ctx, func(tx *store.Tx) error {
		if hasToken {
			if _, err := tx.Enqueue(outboxUnsubscribe, pageID, nil, tok); err != nil {
				return err
			}
		}
		if err := tx.DeleteToken(pageID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		page.Status, page.Reason, page.StatusSince = store.StatusDisconnected, "", now
		page.DisconnectedAt, page.CleanupPending = now, hasToken
		if err := tx.UpsertPage(page); err != nil {
			return err
		}
		if _, err := tx.AppendEvent(actor.event(pageID, "page_disconnected", detail, now)); err != nil {
			return err
		}
		if page.Integration == "" {
			return nil
		}
		// Its integration forgets the token; the Page keeps the name, so
		// that connecting it again sends it there again.
		return k.queueDisconnect(tx, page.Integration, page,
			integration.Reason{Code: integration.DisconnectByOwner, Message: msgDisconnectedBy.with().String()}, eventActor(actor), now)
	})
	if err == nil {
		k.wakeDeliveries()
	}
	return hasToken, err
}

// outboxBackoff is the wait before retry n (1-based): 1 min doubling to 6 h.
func outboxBackoff(attempts int) time.Duration {
	d := time.Minute
	for i := 1; i < attempts && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

// facebookSaysGone: Facebook will never need (or allow) the clean-up.
func facebookSaysGone(err error) bool {
	switch fb.ReasonOf(err) {
	case fb.ReasonObjectMissing, fb.ReasonAppRemoved, fb.ReasonRoleLost:
		return true
	}
	return false
}

// DrainOutbox runs the remote clean-ups that are due. It returns how many
// are still pending. Safe to call often; a failure is recorded on the item
// and retried later with back-off (one that cannot be recorded is reported,
// Logf, and tried again at the next drain).
func (k *Keeper) DrainOutbox(ctx context.Context) (pending int) {
	if k.readOnly() {
		return 0
	}
	items, err := k.store.DueOutbox(ctx, k.now(), 100)
	if err != nil {
		k.logf("the queued Facebook clean-ups could not be read: %v", err)
		return 0
	}
	for _, it := range items {
		if it.Kind != outboxUnsubscribe {
			continue
		}
		if !k.runUnsubscribe(ctx, it) {
			pending++
		}
	}
	return pending
}

var (
	msgCleanupDone = msg("disconnect.cleanup_done", "Facebook clean-up done: the app no longer receives this Page's webhooks.")
	msgCleanupGone = msg("disconnect.cleanup_gone", "Facebook clean-up not needed: {{.Why}}")
)

func (k *Keeper) runUnsubscribe(ctx context.Context, it store.OutboxItem) (done bool) {
	tok, err := k.store.OutboxToken(it)
	var remoteErr error
	if err != nil {
		remoteErr = err
	} else {
		remoteErr = k.unsubscribe(ctx, it.PageID, tok)
	}
	now := k.now()
	var detail Text
	switch {
	case remoteErr == nil:
		detail = msgCleanupDone.with()
	case facebookSaysGone(remoteErr):
		why, _ := Explain(remoteErr)
		detail = msgCleanupGone.with("Why", why)
	default:
		why, _ := Explain(remoteErr)
		if err := k.store.FailOutbox(ctx, it.ID, why.String(), now.Add(outboxBackoff(it.Attempts+1))); err != nil {
			k.logf("a failed Facebook clean-up could not be recorded: %v", err)
		}
		return false
	}
	return k.recordJob(ctx, "a Facebook clean-up", func(tx *store.Tx) error {
		if err := tx.CompleteOutbox(it.ID, now); err != nil {
			return err
		}
		page, err := tx.Page(it.PageID)
		if err != nil {
			return err
		}
		page.CleanupPending = false
		if err := tx.UpsertPage(page); err != nil {
			return err
		}
		_, err = tx.AppendEvent(newEvent(now, it.PageID, "facebook_cleanup_done", detail))
		return err
	})
}

func (k *Keeper) unsubscribe(ctx context.Context, pageID string, tok token.Token) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := k.facebook().Unsubscribe(ctx, pageID, tok); err != nil {
		return fmt.Errorf("removing the webhook subscription: %w", err)
	}
	return nil
}
