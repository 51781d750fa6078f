package store

import (
	"context"
	"strings"
	"testing"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

func TestConnectedPagesOpensTokensAndLeavesOutDisconnectedPages(t *testing.T) {
	e := newEnv(t)
	s := e.open(t)
	ctx := context.Background()
	for _, p := range []struct{ id, name string }{{"2", "Bravo"}, {"1", "Alpha"}, {"3", "Charlie"}, {"4", "delta"}} {
		addPage(t, s, p.id, p.name)
		if err := s.SaveToken(ctx, p.id, token.New("EAAG-"+p.id)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteToken(ctx, "2"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetPageStatus(ctx, "3", StatusDisconnected, "", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	got, err := s.ConnectedPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range got {
		ids = append(ids, c.ID)
		want := "EAAG-" + c.ID
		if c.ID == "2" {
			want = ""
		}
		if p, _ := s.Page(ctx, c.ID); c.Token.Reveal() != want || c.Revision != p.Revision {
			t.Errorf("Page %s: token %q revision %d, want %q and %d", c.ID, c.Token.Reveal(), c.Revision, want, p.Revision)
		}
	}
	if strings.Join(ids, ",") != "1,2,4" {
		t.Fatalf("connected Pages in name order: %v", ids)
	}
}
