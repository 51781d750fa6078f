package keeper

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/pagekeeper/pagekeeper/store"
)

// Cells a Page's owner (or a forged event) could use to run a formula in the
// spreadsheet that opens the export, whatever it splits cells on.
var adversarialCells = []string{
	"=1+1", "+1+1", "-1+1", "@SUM(A1:A2)", "\t=1+1", "\r=1+1", "\x00=1",
	"Cafe;=1+1", "Cafe,=1+1", "Cafe\t=1+1", "Cafe\n=1+1", "Cafe\r\n+1", "Cafe; =1+1", "Cafe;;-1",
	`Cafe";=HYPERLINK("http://evil.example")`, `=cmd|' /C calc'!A0`, "a;b,c\td\n@e",
}

func TestExportDefusesFormulasAfterEverySeparator(t *testing.T) {
	k, err := Open(context.Background(), Options{Dir: t.TempDir(), Keyring: store.NewMemoryKeyring()})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	ctx := context.Background()
	safe := []string{"Sunrise Café", "Night Owl Bakery - Downtown", "Café, Bar", "Harbor Books; since 1990", "2 + 2 = 4", "ana@example.com"}
	names := append(append([]string(nil), adversarialCells...), safe...)
	err = k.store.Update(ctx, func(tx *store.Tx) error {
		for i, name := range names {
			id := fmt.Sprintf("1%014d", i)
			if err := tx.UpsertPage(store.Page{ID: id, Name: name, Status: store.StatusValid}); err != nil {
				return err
			}
			if _, err := tx.AppendEvent(store.Event{PageID: id, Kind: "login_rejected", Detail: name, ActorFBName: name}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	n, err := k.ExportCSV(ctx, &out)
	if err != nil || n != 2*len(names) {
		t.Fatalf("%d rows, %v", n, err)
	}

	// A spreadsheet that honours quotes reads every row whole, ten columns,
	// with each cell's text and an apostrophe before each formula start.
	recs, err := csv.NewReader(bytes.NewReader(out.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, r := range recs[1:] {
		if len(r) != len(exportHeader) {
			t.Fatalf("a row split into %d cells: %q", len(r), r)
		}
		got[r[2]] = true // page_name
	}
	want := map[string]string{
		"=1+1": "'=1+1", "@SUM(A1:A2)": "'@SUM(A1:A2)", "Cafe;=1+1": "Cafe;'=1+1", "Cafe,=1+1": "Cafe,'=1+1",
		"Cafe\t=1+1": "Cafe\t'=1+1", "Cafe\n=1+1": "Cafe\n'=1+1", "Cafe; =1+1": "Cafe; '=1+1", "Cafe;;-1": "Cafe;;'-1",
		"\t=1+1": "'\t'=1+1", "-1+1": "'-1+1",
	}
	for in, w := range want {
		if !got[w] {
			t.Errorf("%q should read %q", in, w)
		}
	}
	for _, s := range safe {
		if !got[s] {
			t.Errorf("%q must stay as it is", s)
		}
	}

	// A reader that splits on , ; tab or a line break and ignores quotes
	// never sees a cell that starts a formula.
	for _, cell := range strings.FieldsFunc(out.String(), func(r rune) bool { return strings.ContainsRune(",;\t\r\n", r) }) {
		cell = strings.TrimLeft(cell, ` "`)
		if cell != "" && strings.ContainsRune("=+-@\x00", rune(cell[0])) {
			t.Errorf("a cell starts a formula: %q", cell)
		}
	}
}

func TestDefuse(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "Sunrise Café": "Sunrise Café", "=1": "'=1", " =1": " '=1", "a;=1": "a;'=1", "a;\t=1": "a;'\t'=1",
		"a - b": "a - b", "a, -b": "a, '-b", "a\r\n=1": "a\r\n'=1", "x@y.example": "x@y.example",
	} {
		if got := defuse(in); got != want {
			t.Errorf("defuse(%q) = %q, want %q", in, got, want)
		}
	}
}
