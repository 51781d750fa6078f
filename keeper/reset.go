package keeper

import (
	"context"
	"time"
)

// DataReset says Pagekeeper's data was reset: its data file was damaged and
// moved aside, and the store started empty, so every Page it held is no
// longer connected here. It is reported (the window, `status`, `check`,
// which then exits 1) until a person acknowledges it (issue 16 item 6):
// otherwise monitoring would see "no Pages, all valid" for ever after.
type DataReset struct {
	// At is when the damaged file was moved aside.
	At time.Time
	// MovedTo is the damaged file's name, in the data folder.
	MovedTo string
	// PagesLost is how many connected Pages it held (-1: unknown).
	PagesLost int
	// NewestBackup is the newest verified backup ("" if none).
	NewestBackup string
}

var (
	msgDataReset = msg("storage.reset",
		"Pagekeeper's data was reset on {{.When}}: the data file was damaged and was moved aside as {{.MovedTo}}, and {{.Lost}}. "+
			"Restore a backup{{.Backup}}, or connect the Pages again; then acknowledge the reset "+
			"(pagekeeper acknowledge-reset, or in the window).")
	msgPagesLostN       = msg("storage.reset.pages_lost", "the {{.N}} Pages connected then are no longer connected here")
	msgPagesLostOne     = msg("storage.reset.page_lost", "the Page connected then is no longer connected here")
	msgPagesLostUnknown = msg("storage.reset.pages_lost_unknown", "the Pages connected then are no longer connected here")
	msgNoPagesLost      = msg("storage.reset.no_pages_lost", "it held no connected Page")
	msgNewestBackup     = msg("storage.reset.newest_backup", " (the newest is {{.Path}})")
)

// Text says what happened and what to do.
func (r DataReset) Text() Text {
	var lost Text
	switch r.PagesLost {
	case -1:
		lost = msgPagesLostUnknown.with()
	case 0:
		lost = msgNoPagesLost.with()
	case 1:
		lost = msgPagesLostOne.with()
	default:
		lost = msgPagesLostN.with("N", r.PagesLost)
	}
	backup := Text{}
	if r.NewestBackup != "" {
		backup = msgNewestBackup.with("Path", r.NewestBackup)
	}
	return msgDataReset.with("When", r.At.Local(), "MovedTo", r.MovedTo, "Lost", lost, "Backup", backup)
}

// DataReset is the reset not yet acknowledged, if any.
func (k *Keeper) DataReset(ctx context.Context) (DataReset, bool, error) {
	n, found, err := k.store.ResetNotice(ctx)
	if err != nil || !found {
		return DataReset{}, false, err
	}
	r := DataReset{At: n.At, MovedTo: n.MovedTo, PagesLost: n.PagesLost}
	if bs, err := k.store.Backups(); err == nil && len(bs) > 0 {
		r.NewestBackup = bs[0].Path
	}
	return r, true, nil
}

var msgResetAcknowledged = msg("event.storage_reset_acknowledged",
	"Acknowledged that the data was reset on {{.When}} (the damaged file is kept as {{.MovedTo}}).")

// AcknowledgeReset ends the reset's notice; the history records who
// acknowledged it. Without a reset it does nothing.
func (k *Keeper) AcknowledgeReset(ctx context.Context, actor Actor) error {
	if err := k.requireManager(); err != nil {
		return err
	}
	n, found, err := k.store.ResetNotice(ctx)
	if err != nil || !found {
		return err
	}
	return k.store.AcknowledgeReset(ctx, actor.event("", "storage_reset_acknowledged",
		msgResetAcknowledged.with("When", n.At.Local(), "MovedTo", n.MovedTo), k.now()))
}
