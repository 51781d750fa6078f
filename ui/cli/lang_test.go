package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

// Once a person chooses Spanish, the terminal speaks it: the tables, the
// reasons, the history and the messages of the main commands and of the
// integration commands (the JSON and the CSV header keep their stable
// English keys).
func TestTheCommandsSpeakTheChosenLanguage(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if code := Run("sandbox-demo", []string{"--break"}, Env{Stdout: &out, Stderr: &errOut, Context: context.Background(),
		Keeper: keeper.Options{Dir: dir}}); code != ExitOK {
		t.Fatalf("sandbox-demo: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "Harbor Books: Invalid") {
		t.Fatalf("before choosing, the system's language (English):\n%s", out.String())
	}
	code, said, errSaid := runCmd(t, dir, "settings", "set", "language", "es")
	if code != ExitOK || said != "language ahora es «es» y se aplica de inmediato.\n" {
		t.Fatalf("set language: exit %d: %q %q", code, said, errSaid)
	}

	for _, c := range []struct {
		args             []string
		code             int
		spanish, english []string
	}{
		{[]string{"status"}, ExitFailed,
			[]string{"PÁGINA", "ÚLTIMA COMPROBACIÓN", "No válida", "Harbor Books", "Válida", "INTEGRACIÓN",
				"Ninguna integración recibe los mensajes de estas Páginas", "Ninguna integración recibe los mensajes de esta Página."},
			[]string{"LAST CHECKED", "Invalid", "Valid", "Page role lost", "No integration receives"}},
		{[]string{"integration", "list"}, ExitOK,
			[]string{"No hay ninguna integración configurada"},
			[]string{"No integration is set up"}},
		{[]string{"integration", "test", "Nadie"}, ExitFailed,
			[]string{"No hay ninguna integración llamada «Nadie».", "Aún no hay ninguna integración"},
			[]string{"There is no integration", "No integration is set up yet"}},
		{[]string{"check"}, ExitFailed,
			[]string{"QUÉ HACER", "No válida", "válidas", "no se pudieron comprobar"},
			[]string{"WHAT TO DO", "Invalid", "need attention", "Press Renew"}},
		{[]string{"log", sandbox.PageHarborBooks}, ExitOK,
			[]string{"Historial (lo más reciente primero):", "De Válida a No válida", "Conectada con los campos de webhook", "Estado: invalid"},
			[]string{"History (newest first)", "Valid to Invalid", "Connected with webhook fields", "Permissions granted"}},
		{[]string{"disconnect", sandbox.PageHarborBooks}, ExitFailed,
			[]string{"No se desconectó.", "dejará de recibir mensajes de Messenger", "--yes"},
			[]string{"Not disconnected", "will stop receiving"}},
		{[]string{"export", "--csv", "-"}, ExitOK,
			[]string{`"record","page_id","page_name","status"`, "Se escribieron", "De Válida a No válida"},
			[]string{"Wrote", "Valid to Invalid"}},
		{[]string{"log", "404"}, ExitUsage,
			[]string{"aquí no hay ninguna Página con el ID 404"},
			[]string{"no Page with ID"}},
	} {
		name, args := c.args[0], c.args[1:]
		if name == "integration" { // its subcommand comes before runCmd's --sandbox
			name, args = name+" "+args[0], args[1:]
		}
		code, out, errOut := runCmd(t, dir, name, args...)
		all := out + errOut
		if code != c.code {
			t.Errorf("%v: exit %d, want %d\n%s", c.args, code, c.code, all)
		}
		for _, s := range c.spanish {
			if !strings.Contains(all, s) {
				t.Errorf("%v lacks %q:\n%s", c.args, s, all)
			}
		}
		for _, e := range c.english {
			if strings.Contains(all, e) {
				t.Errorf("%v still says %q in English:\n%s", c.args, e, all)
			}
		}
	}
	// The machine output keeps its English keys and codes.
	if _, out, _ := runCmd(t, dir, "status", "--json"); !strings.Contains(out, `"status": "invalid"`) || !strings.Contains(out, `"needs_attention"`) {
		t.Errorf("status --json:\n%s", out)
	}
}
