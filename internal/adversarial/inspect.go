package main

import (
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // reads the program's data file from outside
)

// dbFacts is what the data file says, read from outside after the program
// ended (or was killed).
type dbFacts struct {
	integrity string
	// status, reason and name of each Page by ID.
	status, reason, names map[string]string
	// tokens: Pages with a sealed token.
	tokens map[string]bool
	// connectedEvents: Pages with a page_connected (or renewed) event.
	connectedEvents map[string]bool
	events          int
}

func (f dbFacts) connected() int {
	n := 0
	for _, st := range f.status {
		if st != "disconnected" {
			n++
		}
	}
	return n
}

// inspect reads the data file of dir read-only, as SQLite's own checks and
// plain queries see it.
func inspect(dir string) (dbFacts, error) {
	f := dbFacts{status: map[string]string{}, reason: map[string]string{}, names: map[string]string{}, tokens: map[string]bool{},
		connectedEvents: map[string]bool{}}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "pagekeeper.db")+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return f, err
	}
	defer db.Close()
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&f.integrity); err != nil {
		return f, fmt.Errorf("integrity_check: %w", err)
	}
	rows, err := db.Query("SELECT id, status, reason, name FROM pages")
	if err != nil {
		return f, err
	}
	for rows.Next() {
		var id, st, reason, name string
		if err := rows.Scan(&id, &st, &reason, &name); err != nil {
			rows.Close()
			return f, err
		}
		f.status[id], f.reason[id], f.names[id] = st, reason, name
	}
	rows.Close()
	if f.tokens, err = pageIDs(db, "SELECT page_id FROM tokens"); err != nil {
		return f, err
	}
	if f.connectedEvents, err = pageIDs(db, "SELECT DISTINCT page_id FROM events WHERE kind IN ('page_connected', 'token_renewed') AND page_id IS NOT NULL"); err != nil {
		return f, err
	}
	err = db.QueryRow("SELECT count(*) FROM events").Scan(&f.events)
	return f, err
}

// wholePages checks that every Page is either absent or wholly saved:
// connected with its sealed token and its event, or disconnected without a
// token.
func (f dbFacts) wholePages() error {
	var bad []string
	for id, st := range f.status {
		switch {
		case st != "disconnected" && !f.tokens[id]:
			bad = append(bad, id+" connected without a token")
		case st != "disconnected" && !f.connectedEvents[id]:
			bad = append(bad, id+" connected without its event")
		case st == "disconnected" && f.tokens[id]:
			bad = append(bad, id+" disconnected but its token kept")
		}
	}
	for id := range f.tokens {
		if _, ok := f.status[id]; !ok {
			bad = append(bad, id+" has a token but no Page")
		}
	}
	if len(bad) > 0 {
		if len(bad) > 5 {
			bad = append(bad[:5], fmt.Sprintf("and %d more", len(bad)-5))
		}
		return fmt.Errorf("half-saved Pages: %s", strings.Join(bad, "; "))
	}
	return nil
}

// checkJSON is the part of `check --json` the suite reads.
type checkJSON struct {
	ExitCode int `json:"exit_code"`
	Totals   struct {
		Valid          int `json:"valid"`
		NeedsAttention int `json:"needs_attention"`
		Invalid        int `json:"invalid"`
		CouldNotCheck  int `json:"could_not_check"`
	} `json:"totals"`
	Pages []struct {
		ID             string `json:"id"`
		Name           string `json:"name"`
		Status         string `json:"status"`
		Reason         string `json:"reason"`
		NotReconfirmed string `json:"not_reconfirmed"`
	} `json:"pages"`
	DataReset *struct {
		PagesLost int    `json:"pages_lost"`
		Message   string `json:"message"`
	} `json:"data_reset"`
	Error string `json:"error"`
}

func parseCheck(r result) (checkJSON, error) {
	var j checkJSON
	err := json.Unmarshal([]byte(r.stdout), &j)
	return j, err
}

// exportRow is one row of an export, by column name.
type exportRow map[string]string

// exportRows reads an export by its header's column names.
func exportRows(text string) ([]exportRow, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	all, err := r.ReadAll()
	if err != nil || len(all) == 0 {
		return nil, err
	}
	var rows []exportRow
	for _, rec := range all[1:] {
		row := exportRow{}
		for i, name := range all[0] {
			if i < len(rec) {
				row[name] = rec[i]
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// pageIDs is the set of Page IDs a query's single column lists.
func pageIDs(db *sql.DB, query string) (map[string]bool, error) {
	rows, err := db.Query(query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids[id] = true
	}
	return ids, rows.Err()
}
