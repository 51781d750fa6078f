package main

import (
	"regexp"
	"strings"
	"time"

	"github.com/pagekeeper/pagekeeper/sandbox"
)

// How many SIGKILLs each phase takes, at random moments.
const (
	applyKills = 60
	roundKills = 40
)

var (
	savedRe      = regexp.MustCompile(`^(.*): token stored; connected$`)
	subscribedRe = regexp.MustCompile(`: webhooks subscribed$`)
)

// caseKillsDuringApply: connect (and renew) Pages and SIGKILL the program at
// a random moment while it saves them. Afterwards the data file is sound
// and every Page is as it was or wholly saved (token, facts and event
// together); a Page the program said it saved is saved.
func caseKillsDuringApply(s *suite) {
	w := s.newWorld(60)
	defer w.close()
	dir := s.path("apply-kills")
	p := w.program(dir)
	// One whole connect first: how long saving takes here.
	connect := func() *proc {
		pr := p.start("connect", "--no-browser", "--ports", "0", "--yes", "--business")
		if _, err := w.login(pr, sandbox.Consent{}); err != nil {
			pr.kill()
			s.fatalf("login: %v\n%s", err, pr.wait())
		}
		if pr.waitLine(subscribedRe, 30*time.Second) == "" {
			pr.kill()
			s.fatalf("connect saved nothing: %s", pr.wait())
		}
		return pr
	}
	pr := connect()
	t := time.Now()
	s.expectRun(pr.wait(), exitOK)
	saving := time.Since(t)
	prev, midway := 0, 0
	for i := range applyKills {
		pr := connect()
		// Every moment of the save must be survivable.
		running, r := s.killWithin(pr, saving)
		saidSaved := map[string]bool{}
		for _, l := range strings.Split(r.stdout, "\n") {
			if m := savedRe.FindStringSubmatch(l); m != nil {
				saidSaved[m[1]] = true
			}
		}
		f, sound, ok := s.inspectAfterKill(dir, i)
		if !sound {
			continue
		}
		ok = s.expect(f.connected() >= prev, "kill %d: %d Pages connected, %d before", i, f.connected(), prev) && ok
		prev = f.connected()
		for name := range saidSaved {
			found := false
			for id, st := range f.status {
				if st != "disconnected" && f.names[id] == name {
					found = true
				}
			}
			ok = s.expect(found, "kill %d: %s was said to be saved but is not", i, name) && ok
		}
		if running && len(saidSaved) > 0 && !strings.Contains(r.stdout, "Pages could not be saved") {
			midway++
		}
		if ok && running {
			s.fig.Kills++
		}
	}
	// Most kills must land while Pages are being saved, or the case proves little.
	s.expect(midway >= applyKills/2, "only %d of %d kills landed while Pages were being saved", midway, applyKills)
	// The program works on, and everything is connected once more.
	s.expectRun(w.connectAll(dir), exitOK)
	f, err := inspect(dir)
	s.expect(err == nil && f.integrity == "ok" && f.wholePages() == nil, "after the kills: %v %q %v", err, f.integrity, f.wholePages())
	s.expectRun(w.program(dir).run("status"), exitFailed) // secretless tokens expire within the hour: "needs attention"
}

// caseKillsDuringRounds: SIGKILL a health round at random moments while it
// records the verdicts of 1,000 Pages whose state keeps changing; the data
// file stays sound, no Page is lost or half-written, and the next round
// finds what Facebook says.
func caseKillsDuringRounds(s *suite) {
	w := s.newWorld(1000)
	defer w.close()
	dir := s.path("round-kills")
	r := w.connectAll(dir)
	s.expectRun(r, exitOK)
	before, err := inspect(dir)
	if err != nil {
		s.fatalf("%v", err)
	}
	n := before.connected()
	s.expect(n > 1000, "only %d Pages connected", n)
	p := w.program(dir)
	// A whole round that writes every Page first: how long it takes here.
	s.checkJSON(p)
	w.fault(sandbox.FaultRequest{Kind: "app_removed"})
	t := time.Now()
	s.checkJSON(p)
	whole := time.Since(t)
	w.fault(sandbox.FaultRequest{Kind: "reset"})
	midway := 0
	for i := range roundKills {
		// Facebook's answers change between rounds, so rounds write.
		if i%2 == 0 {
			w.fault(sandbox.FaultRequest{Kind: "app_removed"})
		} else {
			w.fault(sandbox.FaultRequest{Kind: "reset"})
		}
		pr := p.start("check")
		running, _ := s.killWithin(pr, whole)
		f, sound, ok := s.inspectAfterKill(dir, i)
		if !sound {
			continue
		}
		ok = s.expect(f.connected() == n, "kill %d: %d Pages connected, want %d", i, f.connected(), n) && ok
		for id, st := range f.status {
			if (st == "invalid" || st == "needs_attention" || st == "could_not_check") && f.reason[id] == "" {
				ok = s.expect(false, "kill %d: Page %s is %s without a reason", i, id, st) && ok
				break
			}
		}
		if running {
			midway++
			if ok {
				s.fig.Kills++
			}
		}
	}
	s.expect(midway >= roundKills/2, "only %d of %d kills landed during a round", midway, roundKills)
	// The next rounds find what Facebook says: every token void, then all back.
	w.fault(sandbox.FaultRequest{Kind: "app_removed"})
	j := s.checkJSON(p)
	s.expect(j.Totals.Invalid == n, "after the kills, app removed: %+v, want %d invalid", j.Totals, n)
	w.fault(sandbox.FaultRequest{Kind: "reset"})
	j = s.checkJSON(p)
	s.expect(j.Totals.Invalid == 0 && j.Totals.CouldNotCheck == 0, "after the kills, app back: %+v", j.Totals)
}

// killWithin kills pr at a random moment within d (the moment is the
// scenario, not a wait for work) and says whether it was still running
// then, and what it printed.
func (s *suite) killWithin(pr *proc, d time.Duration) (running bool, r result) {
	time.Sleep(time.Duration(s.rng.Int64N(int64(d))))
	running = !pr.exited()
	pr.kill()
	s.fig.Sent++
	return running, pr.wait()
}

// inspectAfterKill reads the data file after kill i and records what is
// wrong: sound is false when SQLite's check fails (nothing more is worth
// comparing), whole is false when a Page is half-written.
func (s *suite) inspectAfterKill(dir string, i int) (f dbFacts, sound, whole bool) {
	f, err := inspect(dir)
	if !s.expect(err == nil && f.integrity == "ok", "kill %d: the data file: %v %q", i, err, f.integrity) {
		return f, false, false
	}
	return f, true, s.expect(f.wholePages() == nil, "kill %d: %v", i, f.wholePages())
}
