package keeper

import (
	"bufio"
	"context"
	"io"
	"strconv"
	"strings"
	"time"
)

// exportHeader is the one header of the export: Pages and events share it
// so a spreadsheet can filter on the first column.
// count is how many times an event happened (repeats within a minute, such
// as forged login callbacks, are one event); 1 for most, empty for a Page.
// integration and integration_state say where a Page's messages go and
// what that integration has of it; empty for an event.
var exportHeader = []string{"record", "page_id", "page_name", "status", "reason", "time", "actor_facebook", "actor_os_user", "kind", "detail", "count",
	"integration", "integration_state"}

// ExportCSV writes every Page (with its status) and then every event to w
// as CSV (RFC 4180, every cell quoted, formulas defused: see csvRow), and
// returns the number of data rows. Tokens are never part of either. The
// header and the codes (record, status, kind) are the same in every
// language; the reason and the detail are in the person's (Lang).
func (k *Keeper) ExportCSV(ctx context.Context, w io.Writer) (int, error) {
	lang := k.Lang()
	k.flushRejected()
	sum, err := k.Pages(ctx)
	if err != nil {
		return 0, err
	}
	sum = sum.ByName()
	evs, err := k.store.Events(ctx, "", 0)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriter(w)
	names := map[string]string{}
	if err := csvRow(bw, exportHeader...); err != nil {
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
		reason := joined(" ", p.Explanation, p.Action).In(lang)
		if err := csvRow(bw, "page", p.ID, p.Name, string(p.Status), reason, stamp(p.CheckedAt), "", "", "", "", "",
			p.Integration.Name, p.Integration.Text().In(lang)); err != nil {
			return rows, err
		}
		rows++
	}
	for _, e := range evs {
		if err := csvRow(bw, "event", e.PageID, names[e.PageID], "", "", stamp(e.At), e.ActorFBName, e.ActorOSUser, e.Kind, storedText(e).In(lang),
			strconv.Itoa(max(e.Count, 1)), "", ""); err != nil {
			return rows, err
		}
		rows++
	}
	return rows, bw.Flush()
}

// csvRow writes one row with every cell quoted and defused. A Page's name
// and much of the history are chosen by whoever runs the Page, and a
// spreadsheet may read them as formulas (CWE-1236). encoding/csv quotes only
// the cells that hold its own separator, so "Cafe;=1+1" went out bare and a
// spreadsheet splitting on ";" (the default where the decimal mark is a
// comma) ran =1+1. Quoting every cell keeps it whole whatever the separator
// (OWASP's CSV injection advice); defuse covers readers that split anyway.
func csvRow(w *bufio.Writer, cells ...string) error {
	for i, c := range cells {
		if i > 0 {
			w.WriteByte(',')
		}
		w.WriteByte('"')
		w.WriteString(strings.ReplaceAll(defuse(c), `"`, `""`))
		w.WriteByte('"')
	}
	// bufio.Writer keeps its first error and returns it from every later call.
	return w.WriteByte('\n')
}

// formulaStart are the characters a spreadsheet takes as the start of a
// formula (OWASP "CSV Injection"; ASVS 5.0 1.2.10), and separators those it
// may split a cell on: comma, semicolon, tab and line breaks.
const (
	formulaStart = "=+-@\t\r\x00"
	separators   = ",;\t\r\n"
)

// defuse puts an apostrophe (which makes a spreadsheet cell text) before
// every place in cell where a formula could start: its beginning and just
// after every separator, spaces skipped. The text stays readable:
// "Cafe;=1+1" becomes "Cafe;'=1+1".
func defuse(cell string) string {
	if !strings.ContainsAny(cell, formulaStart) {
		return cell
	}
	var b strings.Builder
	start := true // at a place where a spreadsheet cell could begin
	for _, r := range cell {
		if start && r != ' ' {
			if strings.ContainsRune(formulaStart, r) {
				b.WriteByte('\'')
			}
			start = false
		}
		b.WriteRune(r)
		if strings.ContainsRune(separators, r) {
			start = true
		}
	}
	return b.String()
}
