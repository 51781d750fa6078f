package keeper

import (
	"context"
	"encoding/csv"
	"strings"
	"time"
)

// exportHeader is the one header of the export: Pages and events share it
// so a spreadsheet can filter on the first column.
var exportHeader = []string{"record", "page_id", "page_name", "status", "reason", "time", "actor_facebook", "actor_os_user", "kind", "detail"}

// ExportCSV writes every Page (with its status) and then every event to w,
// and returns the number of data rows. Tokens are never part of either.
func (k *Keeper) ExportCSV(ctx context.Context, w *csv.Writer) (int, error) {
	sum, err := k.Pages(ctx)
	if err != nil {
		return 0, err
	}
	evs, err := k.store.Events(ctx, "", 0)
	if err != nil {
		return 0, err
	}
	names := map[string]string{}
	if err := w.Write(exportHeader); err != nil {
		return 0, err
	}
	rows := 0
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, p := range sum.Pages {
		names[p.ID] = p.Name
		reason := ""
		if p.Reason != "" {
			reason = strings.TrimSpace(p.Explanation.String() + " " + p.Action.String())
		}
		if err := w.Write(safeRow("page", p.ID, p.Name, string(p.Status), reason, stamp(p.CheckedAt), "", "", "", "")); err != nil {
			return rows, err
		}
		rows++
	}
	for _, e := range evs {
		if err := w.Write(safeRow("event", e.PageID, names[e.PageID], "", "", stamp(e.At), e.ActorFBName, e.ActorOSUser, e.Kind, e.Detail)); err != nil {
			return rows, err
		}
		rows++
	}
	return rows, nil
}

// safeRow defuses spreadsheet formulas: a cell starting with = + - @ (a Page
// name is chosen by whoever runs the Page) is prefixed with an apostrophe.
func safeRow(cells ...string) []string {
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			cells[i] = "'" + c
		}
	}
	return cells
}
