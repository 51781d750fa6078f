package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// A store that started afresh after its damaged file was moved aside has
// lost every Page it held. It says so until a person acknowledges it
// (issue 16 item 6): an empty store alone would make `check` report "all
// valid" for ever after, so monitoring would go green on a wiped list.

// resetKey is the setting that holds the unacknowledged ResetNotice.
const resetKey = "storage_reset"

// ResetNotice says that the data was reset: the damaged file was moved
// aside and the store started empty.
type ResetNotice struct {
	// At is when the damaged file was moved aside.
	At time.Time `json:"at"`
	// MovedTo is the damaged file's name now, in the data folder.
	MovedTo string `json:"moved_to"`
	// PagesLost is how many connected Pages the damaged file held, read
	// from it or else from the newest verified backup; -1: unknown.
	PagesLost int `json:"pages_lost"`
}

// ResetNotice is the reset not yet acknowledged, if any.
func (s *Store) ResetNotice(ctx context.Context) (ResetNotice, bool, error) {
	var n ResetNotice
	found, err := s.GetSetting(ctx, resetKey, &n)
	return n, found, err
}

// AcknowledgeReset records that a person saw the reset: the notice ends
// and the history keeps e (who acknowledged it, in words). Acknowledging
// nothing is no error and records nothing.
func (s *Store) AcknowledgeReset(ctx context.Context, e Event) error {
	_, found, err := s.ResetNotice(ctx)
	if err != nil || !found {
		return err
	}
	return s.Update(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`DELETE FROM settings WHERE key = ?`, resetKey); err != nil {
			return err
		}
		_, err := tx.AppendEvent(e)
		return err
	})
}

// ResetPendingError: the damaged file was moved aside and no fresh store
// exists yet, and this process only reads the folder, so it can neither
// start afresh nor restore a backup (the window or a changing command can).
type ResetPendingError struct{ Notice ResetNotice }

func (e *ResetPendingError) Error() string {
	return fmt.Sprintf("Pagekeeper's data file was damaged and moved aside to %s on %s; "+
		"only a Pagekeeper that manages the folder (the window, or a command that changes Pages) "+
		"can start afresh or restore a backup", e.Notice.MovedTo, e.Notice.At.Local().Format("2 January 2006 15:04"))
}

// PendingReset is the reset noted in dir while no database exists yet (the
// damaged file was moved aside and the next open has not started afresh).
func PendingReset(dir string) (ResetNotice, bool) {
	list := readPending(dir)
	for i := len(list) - 1; i >= 0; i-- {
		if e := list[i]; e.Kind == kindDamaged {
			return e.notice(), true
		}
	}
	return ResetNotice{}, false
}

func hasDamageNote(dir string) bool {
	_, ok := PendingReset(dir)
	return ok
}

const kindDamaged = "storage_damaged"

func (e pendingEvent) notice() ResetNotice {
	n := ResetNotice{At: e.At, MovedTo: e.MovedTo, PagesLost: -1}
	if e.PagesLost != nil {
		n.PagesLost = *e.PagesLost
	}
	return n
}

func readPending(dir string) []pendingEvent {
	var list []pendingEvent
	if b, err := os.ReadFile(filepath.Join(dir, pendingFileName)); err == nil {
		_ = json.Unmarshal(b, &list) // a damaged note is replaced, not fatal
	}
	return list
}

// pagesLost counts the connected Pages of the damaged file, or else of the
// newest verified backup (-1 when neither can be read). The engine may
// panic on a damaged file, hence the recover.
func pagesLost(ctx context.Context, damaged, backup string) int {
	for _, path := range []string{damaged, backup} {
		if path == "" {
			continue
		}
		if n, err := connectedPagesIn(ctx, path); err == nil {
			return n
		}
	}
	return -1
}

func connectedPagesIn(ctx context.Context, path string) (n int, err error) {
	db, err := sql.Open("sqlite", fileURI(path)+"?mode=ro&immutable=1")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the database engine failed while reading it: %v", r)
		}
	}()
	err = db.QueryRowContext(ctx, `SELECT count(*) FROM pages WHERE status <> 'disconnected'`).Scan(&n)
	return n, err
}
