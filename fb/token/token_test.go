package token

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const sentinel = "EAAG_SENTINEL_123"

func TestTokenNeverPrintsItsValue(t *testing.T) {
	tok := New(sentinel)
	type wrapper struct {
		Tok  Token
		Name string
	}
	w := wrapper{Tok: tok, Name: "x"}
	var outputs []string
	for _, verb := range []string{"%s", "%v", "%+v", "%#v", "%q", "%x", "%X", "%d", "%10s", "%-20v"} {
		outputs = append(outputs, fmt.Sprintf(verb, tok), fmt.Sprintf(verb, w), fmt.Sprintf(verb, &w))
	}
	outputs = append(outputs, fmt.Sprint(tok), fmt.Sprintln(tok, w), tok.String(), tok.GoString())
	j, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, string(j))
	var logBuf strings.Builder
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("x", "token", tok, "w", w)
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("x", "token", tok)
	outputs = append(outputs, logBuf.String())
	for _, o := range outputs {
		if strings.Contains(o, sentinel) || strings.Contains(o, fmt.Sprintf("%x", sentinel)) {
			t.Fatalf("token value leaked in %q", o)
		}
	}
	if !strings.Contains(fmt.Sprint(tok), "redacted") {
		t.Fatalf("a present token should print as redacted, got %q", fmt.Sprint(tok))
	}
	if tok.Reveal() != sentinel {
		t.Fatal("Reveal must return the value")
	}
}

func TestZeroAndEqual(t *testing.T) {
	var z Token
	if !z.IsZero() || New("a").IsZero() {
		t.Fatal("IsZero wrong")
	}
	if !New("a").Equal(New("a")) || New("a").Equal(New("b")) {
		t.Fatal("Equal wrong")
	}
	if fmt.Sprint(z) != "(no token)" {
		t.Fatalf("zero token prints %q", fmt.Sprint(z))
	}
}
