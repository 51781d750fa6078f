package keeper

import (
	"errors"

	"github.com/pagekeeper/pagekeeper/store"
)

// RoundSaveError: a health round could record only some of its results
// (the disk filled up half-way). Each group of Pages is recorded in one
// transaction, so the Saved ones are recorded whole and the others are as
// they were before the round; "nothing was changed" would be untrue.
type RoundSaveError struct {
	Saved, Total int
	Err          error
}

var (
	msgRoundStoppedDiskFull = msg("round.save_stopped.disk_full",
		"The check stopped because the disk is full: the results of {{.Saved}} of {{.Total}} Pages were saved, the others were not. Free some space, then check again.")
	msgRoundStoppedReadOnly = msg("round.save_stopped.read_only",
		"The check stopped because the data folder became read-only: the results of {{.Saved}} of {{.Total}} Pages were saved, the others were not. Make it writable, then check again.")
	msgRoundStopped = msg("round.save_stopped",
		"The check stopped because it could not write to the data folder: the results of {{.Saved}} of {{.Total}} Pages were saved, the others were not. Fix that, then check again.")
)

// text says how far the round got, why it stopped and what to do.
func (e *RoundSaveError) text() Text {
	m := msgRoundStopped
	var we *store.WriteError
	if errors.As(e.Err, &we) {
		switch we.Reason {
		case store.WriteDiskFull:
			m = msgRoundStoppedDiskFull
		case store.WriteReadOnly:
			m = msgRoundStoppedReadOnly
		}
	}
	return m.with("Saved", e.Saved, "Total", e.Total)
}

func (e *RoundSaveError) Error() string              { return e.text().String() }
func (e *RoundSaveError) Unwrap() error              { return e.Err }
func (e *RoundSaveError) explain() (what, todo Text) { return e.text(), Text{} }
