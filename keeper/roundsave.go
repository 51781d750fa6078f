package keeper

import (
	"errors"
	"fmt"

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

func (e *RoundSaveError) Error() string {
	why, todo := "it could not write to the data folder", "Fix that"
	var we *store.WriteError
	if errors.As(e.Err, &we) {
		switch we.Reason {
		case store.WriteDiskFull:
			why, todo = "the disk is full", "Free some space"
		case store.WriteReadOnly:
			why, todo = "the data folder became read-only", "Make it writable"
		}
	}
	return fmt.Sprintf("The check stopped because %s: the results of %d of %d Pages were saved, the others were not. %s, then check again.",
		why, e.Saved, e.Total, todo)
}

func (e *RoundSaveError) Unwrap() error { return e.Err }
