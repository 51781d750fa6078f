package keeper

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/sandbox"
)

// What Pagekeeper says about the integrations — the history of adding one,
// handing it the Pages, a failing delivery and a move, the Page's state and
// its diagnostics — is said in the language chosen in Settings, including
// the history written while another language was chosen.
func TestTheIntegrationsSpeakTheChosenLanguage(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, sandbox.Options{})
	bot := newTestBot(t, e.clock.Now)
	e.addBot(bot, "Support Bot")
	ids := e.connectDemo(false)
	e.deliver()
	bot.setDown(503)
	e.clock.Advance(time.Minute)
	e.connectDemo(true)
	e.deliver()
	if err := e.k.SetPageIntegration(ctx, ids[0], NoIntegration, Actor{OSUser: "tester"}); err != nil {
		t.Fatal(err)
	}
	if err := e.k.SetPageIntegration(ctx, ids[0], "Support Bot", Actor{OSUser: "tester"}); err != nil {
		t.Fatal(err)
	}

	update(t, e.k, Secrets{}, func(s *Settings) { s.Language = "es" })
	evs, err := e.k.store.Events(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var said []string
	for _, ev := range evs {
		said = append(said, storedText(ev).In(e.k.Lang()))
	}
	history := strings.Join(said, "\n")
	for _, want := range []string{
		"Integración Support Bot añadida",
		"Support Bot recibió la nueva conexión y ya tiene el token actual.",
		"Support Bot aún no ha recibido la conexión renovada (HTTP 503); se volverá a intentar a las ",
		"Los mensajes van ahora a ninguna integración (antes: Support Bot).",
		"Los mensajes van ahora a Support Bot (antes: ninguna integración).",
	} {
		if !strings.Contains(history, want) {
			t.Errorf("the history lacks %q:\n%s", want, history)
		}
	}
	for _, english := range []string{"received", "not received", "page.connected", "page.token_renewed", "Messages now go to", "no integration", "added ("} {
		if strings.Contains(history, english) {
			t.Errorf("English %q in the Spanish history:\n%s", english, history)
		}
	}

	state := e.integrationOf(ids[1]).Text().In(e.k.Lang())
	if !strings.HasPrefix(state, "La entrega a Support Bot falla desde las ") || !strings.Contains(state, "nuevo intento a las") {
		t.Errorf("the Page's integration state in Spanish: %q", state)
	}
	diag, err := e.k.Diagnostics(ctx, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(diag, "Integración: Support Bot; failing;") || strings.Contains(diag, "Integration:") {
		t.Errorf("the diagnostics in Spanish:\n%s", diag)
	}
}
