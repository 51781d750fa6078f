package store

import (
	"context"
	"testing"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

func TestTokensOpensEveryTokenInOneRead(t *testing.T) {
	e := newEnv(t)
	s := e.open(t)
	ctx := context.Background()
	for _, id := range []string{"1", "2", "3"} {
		addPage(t, s, id, "Page "+id)
		if err := s.SaveToken(ctx, id, token.New("EAAG-"+id)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteToken(ctx, "2"); err != nil {
		t.Fatal(err)
	}
	toks, err := s.Tokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(toks) != 2 || toks["1"].Reveal() != "EAAG-1" || toks["3"].Reveal() != "EAAG-3" {
		t.Fatalf("tokens: %d", len(toks))
	}
}

func TestConnectedIDsLeavesOutDisconnectedPages(t *testing.T) {
	e := newEnv(t)
	s := e.open(t)
	ctx := context.Background()
	addPage(t, s, "2", "Bravo")
	addPage(t, s, "1", "Alpha")
	addPage(t, s, "3", "Charlie")
	if _, err := s.SetPageStatus(ctx, "3", StatusDisconnected, "", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	ids, err := s.ConnectedIDs(ctx)
	if err != nil || len(ids) != 2 || ids[0] != "1" || ids[1] != "2" {
		t.Fatalf("ids = %v %v", ids, err)
	}
}
