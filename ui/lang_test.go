package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/store"
)

// In Spanish, a Page's history reads in Spanish, whatever language it was
// written in: the window renders each event from its message when it shows it.
func TestThePageLogSpeaksTheChosenLanguage(t *testing.T) {
	t.Cleanup(func() { SetLanguage("en") })
	o := folder(t, store.Page{ID: "1002", Name: "Harbor Books", Status: store.StatusInvalid, Reason: "role_lost"})
	ctx := context.Background()
	k, err := keeper.Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	set := k.Settings()
	set.Language = "es"
	if err := k.UpdateSettings(ctx, set, keeper.Secrets{}); err != nil {
		t.Fatal(err)
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, store.Options{Dir: o.Dir, Keyring: o.Keyring})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.AppendEvent(ctx, store.Event{PageID: "1002", Kind: "status_changed", Detail: "Valid to Invalid: Page role lost",
		TextKey: "event.status_changed_reason", TextData: `{"From":{"key":"status.valid"},"To":{"key":"status.invalid"},"Reason":{"key":"reason.role_lost.words"}}`})
	if cerr := s.Close(); err != nil || cerr != nil {
		t.Fatal(err, cerr)
	}

	m := openWindow(t, Config{NoSchedule: true, Keeper: o})
	onMain(func() { m.showLog("1002") })
	eventually(t, "the Page's log", func() bool { return m.Window.Canvas().Overlays().Top() != nil })
	onMain(func() { m.pageLog.Tabs.SelectIndex(2) }) // History
	got := dialogText(m.Window)
	if !strings.Contains(got, "De Válida a No válida: sin acceso a la Página") || !strings.Contains(got, "Selecciona una línea para leerla completa.") ||
		strings.Contains(got, "Valid to Invalid") {
		t.Errorf("the log is not in Spanish:\n%s", got)
	}
}
