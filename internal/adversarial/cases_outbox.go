package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/pagekeeper/pagekeeper/integration"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

// outboxKills is how many SIGKILLs the integration outbox case sends.
const outboxKills = 20

// outboxIntegration is the integration IT's preset sets up in the outbox
// case. Its address is never reached: a preset integration arrives without
// its signing secret (and the suite's program has no keyring to keep one),
// so every event for it waits in the outbox, the case this checks.
const outboxIntegration = "Support Bot"

// caseIntegrationOutbox: Pagekeeper hands each Page's token to the
// business's Messenger integration through an outbox in its database
// (issue 14). The outbox holds every token only sealed to the
// integration's age key; it is written in the same transaction as the Page,
// so a SIGKILL at any moment leaves no connected Page without its
// delivery and no delivery of a Page that was not saved; a delivered or
// replaced event's body is wiped. The final secret scan reads the database
// for tokens in clear, and for the integration's private key, which only
// the integration holds (here: the suite).
func caseIntegrationOutbox(s *suite) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		s.fatalf("%v", err)
	}
	s.secrets.add(id.String())
	w := s.newWorld(30)
	defer w.close()
	preset := standardPreset()
	preset["integrations"] = []map[string]string{{"name": outboxIntegration,
		"url": "https://support-bot.invalid/pagekeeper", "recipient": id.Recipient().String()}}
	w.exe = s.presetProgram(preset)
	dir := s.path("outbox")
	p := w.program(dir)

	// A whole connect: every Page goes to the integration, which needs its
	// signing secret before anything is delivered (exit 1, said per Page).
	t := time.Now()
	s.expectRun(w.connectAll(dir), exitFailed, outboxIntegration+" needs its signing secret")
	saving := time.Since(t)
	f, err := inspect(dir)
	if err != nil {
		s.fatalf("%v", err)
	}
	s.expect(f.connected() > 30, "only %d Pages connected", f.connected())
	s.checkOutbox("after connect", dir, f)

	// Connect again (every token renewed, each older event replaced) and
	// kill it at random moments.
	for i := range outboxKills {
		pr := p.start("connect", "--no-browser", "--ports", "0", "--yes", "--business")
		if _, err := w.login(pr, sandbox.Consent{}); err != nil {
			pr.kill()
			s.fatalf("login: %v\n%s", err, pr.wait())
		}
		running, _ := s.killWithin(pr, saving)
		f, sound, ok := s.inspectAfterKill(dir, i)
		if !sound {
			continue
		}
		ok = s.checkOutbox(fmt.Sprintf("kill %d", i), dir, f) && ok
		if ok && running {
			s.fig.Kills++
		}
	}
	s.expectRun(w.connectAll(dir), exitFailed, outboxIntegration+" needs its signing secret")
	f, err = inspect(dir)
	if err != nil {
		s.fatalf("%v", err)
	}
	s.checkOutbox("at the end", dir, f)

	// Each token waiting for the integration opens with its key and is the
	// current token of that Page on the pretend Facebook.
	rows, err := outbox(dir)
	if err != nil {
		s.fatalf("%v", err)
	}
	pageOf := w.pageTokens()
	opened := 0
	for _, d := range rows {
		if d.state != "pending" || d.sealed == "" {
			continue
		}
		tok, err := integration.Open(d.sealed, id)
		if !s.expect(err == nil, "delivery %d (%s of %s): the sealed token does not open with the integration's key: %v", d.id, d.typ, d.page, err) {
			continue
		}
		s.expect(pageOf[tok.Reveal()] == d.page, "delivery %d hands Page %s a token the pretend Facebook issued for %q", d.id, d.page, pageOf[tok.Reveal()])
		opened++
	}
	s.expect(opened >= f.connected(), "%d sealed tokens wait for %d connected Pages", opened, f.connected())

	// The commands say the same: every Page waits for the secret.
	r := p.run("integration", "list", "--json")
	var list struct {
		Integrations []struct {
			Name      string   `json:"name"`
			HasSecret bool     `json:"has_secret"`
			Pages     []string `json:"pages"`
			Pending   int      `json:"pending"`
		} `json:"integrations"`
	}
	if s.expectRun(r, exitOK) && s.expect(json.Unmarshal([]byte(r.stdout), &list) == nil && len(list.Integrations) == 1, "integration list --json: %s", r) {
		in := list.Integrations[0]
		s.expect(in.Name == outboxIntegration && !in.HasSecret && len(in.Pages) == f.connected() && in.Pending >= f.connected(),
			"integration list --json: %+v, want %d Pages waiting", in, f.connected())
	}
}

// outboxRow is one row of the deliveries table, read from outside.
type outboxRow struct {
	id                      int64
	integration, page, typ  string
	state                   string
	body, sealed            string // sealed: the token the body carries, sealed ("" none)
	bodyWiped, bodyReadable bool
}

// outbox reads the deliveries of dir's data file.
func outbox(dir string) ([]outboxRow, error) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "pagekeeper.db")+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.Query("SELECT id, integration, page_id, type, state, body FROM deliveries ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []outboxRow
	for rows.Next() {
		var d outboxRow
		if err := rows.Scan(&d.id, &d.integration, &d.page, &d.typ, &d.state, &d.body); err != nil {
			return nil, err
		}
		d.bodyWiped = d.body == ""
		var ev struct {
			Data struct {
				Token *struct {
					Sealed string `json:"sealed"`
				} `json:"token"`
			} `json:"data"`
		}
		if !d.bodyWiped && json.NewDecoder(bytes.NewReader([]byte(d.body))).Decode(&ev) == nil {
			d.bodyReadable = true
			if ev.Data.Token != nil {
				d.sealed = ev.Data.Token.Sealed
			}
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// checkOutbox checks the outbox against the Pages: every connected Page
// has an event carrying its token waiting for the integration, every
// waiting token belongs to a connected Page (a Page whose save was undone
// left no event), and only waiting events keep their body.
func (s *suite) checkOutbox(when, dir string, f dbFacts) bool {
	rows, err := outbox(dir)
	if !s.expect(err == nil, "%s: the outbox: %v", when, err) {
		return false
	}
	var bad []string
	waiting := map[string]bool{}
	for _, d := range rows {
		switch {
		case d.state != "pending" && !d.bodyWiped:
			bad = append(bad, fmt.Sprintf("delivery %d is %s but keeps its body", d.id, d.state))
		case d.state != "pending":
		case d.integration != outboxIntegration:
			bad = append(bad, fmt.Sprintf("delivery %d goes to %q", d.id, d.integration))
		case !d.bodyReadable:
			bad = append(bad, fmt.Sprintf("delivery %d waits with an unreadable body", d.id))
		case d.sealed != "":
			waiting[d.page] = true
			if st, ok := f.status[d.page]; !ok || st == "disconnected" {
				bad = append(bad, fmt.Sprintf("delivery %d hands over the token of Page %s, which is not connected", d.id, d.page))
			}
		}
	}
	for id, st := range f.status {
		if st != "disconnected" && !waiting[id] {
			bad = append(bad, "Page "+id+" is connected but no token waits for its integration")
		}
	}
	if len(bad) > 5 {
		bad = append(bad[:5], fmt.Sprintf("and %d more", len(bad)-5))
	}
	return s.expect(len(bad) == 0, "%s: the outbox: %s", when, strings.Join(bad, "; "))
}
