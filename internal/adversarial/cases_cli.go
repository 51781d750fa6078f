package main

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pagekeeper/pagekeeper/sandbox"
)

// testRecipient is an integration's age public key (its identity is
// nobody's: nothing is ever delivered to it).
const testRecipient = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"

// Exit codes (docs/COMMANDS.md).
const (
	exitOK          = 0
	exitFailed      = 1
	exitCouldNotRun = 2
	exitUsage       = 64
)

// demoFolder is a sandbox data folder with the demo Pages connected.
func (s *suite) demoFolder(name string) string {
	dir := s.path(name)
	if r := s.program().inSandbox(dir).run("sandbox-demo"); r.code != exitOK {
		s.fatalf("sandbox-demo: %s", r)
	}
	return dir
}

// expectRun checks a run's exit code and that its output holds every
// fragment; a raw error of SQLite or Go's context is never a message.
func (s *suite) expectRun(r result, code int, fragments ...string) bool {
	ok := s.expect(r.code == code, "want exit %d: %s", code, r)
	for _, f := range fragments {
		ok = s.expect(strings.Contains(r.out(), f), "the output lacks %q: %s", f, r) && ok
	}
	for _, raw := range []string{"SQL logic error", "disk I/O error", "context deadline exceeded", "unable to open database file", "panic:", "goroutine "} {
		ok = s.expect(!strings.Contains(r.out(), raw), "a raw error (%q) reached the person: %s", raw, r) && ok
	}
	return ok
}

// caseCommandLine: a table of command lines, each with the exit code and
// the words it must give (issue 16 item 11 and the commands' contract).
func caseCommandLine(s *suite) {
	dir := s.demoFolder("demo")
	p := s.program().inSandbox(dir)
	page := sandbox.PageSunriseCafe
	csvOut := filepath.Join(s.newDir("csv"), "out.csv")
	for _, c := range []struct {
		args      []string
		code      int
		fragments []string
	}{
		{[]string{"status", "extra"}, exitUsage, []string{`unexpected argument "extra"`}},
		{[]string{"check", "extra"}, exitUsage, []string{`unexpected argument "extra"`}},
		{[]string{"check", "--json", "extra"}, exitUsage, []string{`unexpected argument "extra"`}},
		{[]string{"sandbox-demo", "extra"}, exitUsage, []string{`unexpected argument "extra"`}},
		{[]string{"acknowledge-reset", "extra"}, exitUsage, []string{`unexpected argument "extra"`}},
		{[]string{"connect", "extra"}, exitUsage, []string{`unexpected argument "extra"`}},
		{[]string{"log"}, exitUsage, []string{"exactly one Page ID"}},
		{[]string{"log", "1", "2"}, exitUsage, []string{"exactly one Page ID"}},
		{[]string{"log", "999"}, exitUsage, []string{"no Page with ID 999"}},
		{[]string{"disconnect"}, exitUsage, []string{"exactly one Page ID"}},
		{[]string{"disconnect", page, "--yes", "extra"}, exitUsage, []string{"exactly one Page ID"}},
		{[]string{"disconnect", "999", "--yes"}, exitUsage, []string{"no Page with ID 999"}},
		{[]string{"disconnect", page}, exitFailed, []string{"Not disconnected", "--yes"}},
		{[]string{"renew"}, exitUsage, []string{"name the Page IDs"}},
		{[]string{"renew", "abc"}, exitUsage, []string{"no Page with ID abc"}},
		{[]string{"renew", page, "abc", "--no-browser"}, exitUsage, []string{"no Page with ID abc"}},
		{[]string{"connect", "--timeout", "0s"}, exitUsage, []string{"--timeout 0s"}},
		{[]string{"connect", "--timeout", "-5m"}, exitUsage, []string{"--timeout -5m0s"}},
		{[]string{"connect", "--timeout", "2562047h"}, exitUsage, []string{"at most 24h"}},
		{[]string{"renew", "--all", "--timeout", "25h"}, exitUsage, []string{"at most 24h"}},
		{[]string{"check", "--timeout", "0s"}, exitUsage, []string{"--timeout 0s"}},
		{[]string{"check", "--timeout", "2562047h47m16s"}, exitUsage, []string{"at most 24h"}},
		{[]string{"check", "--timeout", "9999999999h"}, exitUsage, []string{"invalid value"}},
		{[]string{"check", "--timeout", "1ns"}, exitCouldNotRun, []string{"did not finish within --timeout 1ns"}},
		{[]string{"connect", "--ports", "x"}, exitUsage, []string{"not a port number"}},
		{[]string{"connect", "--ports", "70000"}, exitUsage, []string{"not a port number"}},
		{[]string{"export"}, exitUsage, []string{"--csv FILE"}},
		{[]string{"export", "--csv", csvOut, "extra"}, exitUsage, []string{"--csv FILE"}},
		{[]string{"export", "--csv", dir}, exitFailed, []string{"is a folder"}},
		{[]string{"nope"}, exitUsage, []string{"unknown command"}},
		{[]string{"--bogus"}, exitUsage, nil},
		{[]string{"status", "--bogus"}, exitUsage, nil},
		{[]string{"check", "--json=maybe"}, exitUsage, nil},
		{[]string{"status", "--help"}, exitOK, []string{"Usage: pagekeeper status"}},
		{[]string{"status", "--json"}, exitOK, []string{`"totals"`}},
		{[]string{"log", page, "--json"}, exitOK, []string{`"events"`}},
		{[]string{"export", "--csv", "-"}, exitOK, []string{`"record","page_id"`}},
		{[]string{"export", "--csv", csvOut}, exitOK, []string{"Wrote"}},
		{[]string{"acknowledge-reset"}, exitOK, []string{"no data reset"}},
		{[]string{"sandbox-server", "--addr", "0.0.0.0:1"}, exitUsage, []string{"loopback"}},
		{[]string{"sandbox-server", "extra"}, exitUsage, []string{"unexpected argument"}},
		{[]string{"integration-example", "--bogus"}, exitUsage, nil},
		// The integrations and the settings: the same rules.
		{[]string{"integration"}, exitUsage, []string{"Usage: pagekeeper integration"}},
		{[]string{"integration", "frobnicate"}, exitUsage, []string{"unknown command"}},
		{[]string{"integration", "list", "extra"}, exitUsage, []string{`unexpected argument "extra"`}},
		{[]string{"integration", "test"}, exitUsage, []string{"name exactly one integration"}},
		{[]string{"integration", "test", "a", "b"}, exitUsage, []string{"name exactly one integration"}},
		{[]string{"integration", "change", "Sandbox Bot"}, exitUsage, []string{"give --url or --recipient"}},
		{[]string{"integration", "remove", "Sandbox Bot", "--move-pages-to", "X", "--unlink-pages"}, exitUsage, []string{"exclude each other"}},
		{[]string{"integration", "add", "X", "--url", "https://x.example.com/pk", "--recipient", testRecipient}, exitUsage,
			[]string{"no signing secret on standard input"}},
		{[]string{"integration", "add", "X", "--url", "http://x.example.com/pk", "--recipient", testRecipient, "--new-secret"}, exitFailed,
			[]string{"plain http to another computer"}},
		{[]string{"integration", "add", "X", "--url", "https://x.example.com/pk", "--recipient", "age1nope", "--new-secret"}, exitFailed, nil},
		{[]string{"integration", "test", "Nope"}, exitFailed, []string{"There is no integration named"}},
		{[]string{"integration", "list"}, exitOK, []string{"Sandbox Bot (default)"}},
		{[]string{"integration", "list", "--json"}, exitOK, []string{`"name": "Sandbox Bot"`}},
		{[]string{"integration", "test", "Sandbox Bot"}, exitOK, []string{"Sandbox Bot received the test event"}},
		{[]string{"settings", "get", "nope"}, exitUsage, nil},
		{[]string{"settings", "get"}, exitUsage, nil},
		{[]string{"settings", "set", "app_secret", "s3cret-on-the-command-line"}, exitUsage, []string{"never taken from the command line"}},
		{[]string{"settings", "set", "check_interval", "forever"}, exitFailed, nil},
		{[]string{"settings", "get", "ports"}, exitOK, []string{"27182, 27183, 27184"}},
	} {
		r := p.run(c.args...)
		s.expectRun(r, c.code, c.fragments...)
		if c.args[0] == "renew" {
			s.expect(!strings.Contains(r.out(), "Open this link"), "renew asked for a login before checking its Pages: %s", r)
		}
	}
	// --facebook-url reaches only https or this computer, and never the sandbox's own Facebook.
	s.expectRun(s.program().in(s.path("real")).run("--facebook-url", "http://example.com", "status"), exitCouldNotRun, "https")
	s.expectRun(p.run("--facebook-url", "https://example.com", "status"), exitCouldNotRun, "one or the other")
}

// caseDataFolders: --data-dir takes anything a person types (issue 16
// items 1 and 6). The folders here are the suite's own stand-ins for /tmp
// and /: a regression must not change the machine the suite runs on.
func caseDataFolders(s *suite) {
	base := s.newDir("folders")
	all := [][]string{
		{"connect", "--no-browser", "--timeout", "1s"}, {"sandbox-demo"}, {"status"}, {"check"}, {"log", "1"},
		{"export", "--csv", filepath.Join(base, "x.csv")}, {"disconnect", "1", "--yes"}, {"renew", "1"}, {"acknowledge-reset"},
		{"integration", "list"}, {"integration", "add", "X", "--url", "https://x.example.com/pk", "--recipient", testRecipient, "--new-secret"},
		{"integration", "remove", "X"}, {"settings", "list"}, {"settings", "set", "check_interval", "2h"},
	}
	// A shared folder every user may write to (the sticky bit, like /tmp),
	// holding someone else's file.
	tmp := filepath.Join(base, "tmp")
	mkdirMode(s, tmp, 0o777|os.ModeSticky)
	writeFile(s, filepath.Join(tmp, "someone-elses.txt"), "x")
	// A folder full of someone's files, like / or a home folder.
	home := filepath.Join(base, "home")
	mkdirMode(s, home, 0o755)
	writeFile(s, filepath.Join(home, ".bashrc"), "x")
	mkdirMode(s, filepath.Join(home, "Documents"), 0o755)
	for _, dir := range []string{tmp, home} {
		before := snapshot(s, dir)
		for _, args := range all {
			r := s.program().inSandbox(dir).run(args...)
			want := exitCouldNotRun
			s.expectRun(r, want)
			s.expect(strings.Contains(r.out(), "will not use "+dir) || strings.Contains(r.out(), "no Pagekeeper data in "+dir),
				"%s refused without saying why: %s", dir, r)
		}
		s.expect(snapshot(s, dir) == before, "%s changed (mode or contents):\nbefore %s\nafter  %s", dir, before, snapshot(s, dir))
	}
	// A mistyped folder: the commands that read never create it.
	typo := filepath.Join(base, "Pagekeper")
	for _, args := range [][]string{{"status"}, {"check"}, {"check", "--json"}, {"log", "1"}, {"export", "--csv", "-"}, {"renew", "1"},
		{"disconnect", "1", "--yes"}, {"acknowledge-reset"}, {"integration", "list"}, {"integration", "test", "X"},
		{"integration", "change", "X", "--url", "https://x.example.com/pk"}, {"integration", "set-secret", "X"}, {"integration", "remove", "X"},
		{"settings", "list"}, {"settings", "get", "ports"}} {
		r := s.program().in(typo).run(args...)
		s.expectRun(r, exitCouldNotRun, "There is no Pagekeeper data in "+typo)
		_, err := os.Stat(typo)
		s.expect(os.IsNotExist(err), "%v created the mistyped folder", args)
	}
	// A file given as the folder.
	file := filepath.Join(base, "a-file")
	writeFile(s, file, "x")
	s.expectRun(s.program().inSandbox(file).run("sandbox-demo"), exitCouldNotRun, "is a file")
	// A new folder is created private; an empty one given is used and made private.
	fresh := filepath.Join(base, "new", "pagekeeper")
	s.expectRun(s.program().inSandbox(fresh).run("sandbox-demo"), exitOK)
	s.expect(modeOf(s, fresh) == 0o700, "a new data folder is %o, want 700", modeOf(s, fresh))
	empty := filepath.Join(base, "empty")
	mkdirMode(s, empty, 0o755)
	s.expectRun(s.program().inSandbox(empty).run("sandbox-demo"), exitOK)
	s.expect(modeOf(s, empty) == 0o700, "an empty folder given is %o after use, want 700", modeOf(s, empty))
	// Pagekeeper's own folder, loosened: the reading commands leave it, a changing one tightens it.
	chmod(s, fresh, 0o755)
	for _, args := range [][]string{{"status"}, {"check"}, {"log", sandbox.PageSunriseCafe}, {"export", "--csv", "-"},
		{"integration", "list"}, {"settings", "list"}} {
		r := s.program().inSandbox(fresh).run(args...)
		s.expect(r.code == exitOK || r.code == exitFailed, "%s", r)
		s.expect(modeOf(s, fresh) == 0o755, "`%s` changed the folder's permissions to %o", args[0], modeOf(s, fresh))
	}
	s.expectRun(s.program().inSandbox(fresh).run("sandbox-demo"), exitOK)
	s.expect(modeOf(s, fresh) == 0o700, "sandbox-demo left Pagekeeper's folder %o", modeOf(s, fresh))
	// Pagekeeper's data among a person's own files (an older Pagekeeper
	// put it there): used, and its permissions never changed.
	writeFile(s, filepath.Join(fresh, "notes.txt"), "mine")
	chmod(s, fresh, 0o755)
	s.expectRun(s.program().inSandbox(fresh).run("sandbox-demo"), exitOK)
	s.expect(modeOf(s, fresh) == 0o755, "a folder with other files was changed to %o", modeOf(s, fresh))
}

// caseHeldFolder: while one command holds the folder, every changing
// command gives the same exit code (2), names the holder, and asks nobody
// to log in; a check names it too (issue 16 item 11).
func caseHeldFolder(s *suite) {
	dir := s.demoFolder("held")
	p := s.program().inSandbox(dir)
	holder := p.start("connect", "--no-browser", "--timeout", "2m")
	defer func() {
		holder.signal(syscall.SIGTERM)
		holder.wait()
	}()
	if holder.waitLine(linkRe, 30*time.Second) == "" {
		s.fatalf("the holder did not start its login")
	}
	for _, args := range [][]string{{"disconnect", sandbox.PageSunriseCafe, "--yes"}, {"connect", "--no-browser"},
		{"renew", sandbox.PageSunriseCafe, "--no-browser"}, {"renew", "--all"}, {"sandbox-demo"}, {"acknowledge-reset"},
		{"integration", "add", "X", "--url", "https://x.example.com/pk", "--recipient", testRecipient},
		{"integration", "change", "Sandbox Bot", "--url", "https://x.example.com/pk"}, {"integration", "set-secret", "Sandbox Bot"},
		{"integration", "remove", "Sandbox Bot", "--unlink-pages"}, {"settings", "set", "check_interval", "2h"}} {
		r := p.run(args...)
		s.expectRun(r, exitCouldNotRun, "`pagekeeper connect` run by", "Wait until it ends")
		s.expect(!strings.Contains(r.out(), "Open this link"), "%v asked for a login although the folder is held: %s", args, r)
	}
	r := p.run("check")
	s.expectRun(r, exitOK, "not recorded: `pagekeeper connect` run by")
	s.expect(!strings.Contains(r.out(), "window"), "the check says a window holds the folder: %s", r)
	for _, args := range [][]string{{"status"}, {"log", sandbox.PageSunriseCafe}, {"export", "--csv", "-"}, {"settings", "list"}} {
		s.expectRun(p.run(args...), exitOK)
	}
	s.expectRun(p.run("integration", "list"), exitOK, "Sandbox Bot")
}

// caseCallbackPorts: the login's default callback ports lie outside every
// platform's ephemeral range, and settings still holding the old defaults
// (47321–47323) move to the new ones; a port someone chose is kept
// (issue 16 item 10).
func caseCallbackPorts(s *suite) {
	w := s.newWorld(0)
	defer w.close()
	old := standardPreset()
	old["ports"] = []int{47321, 47322, 47323}
	chosen := standardPreset()
	mine := freePortBelowEphemeral(s)
	chosen["ports"] = []int{mine}
	for _, c := range []struct {
		name   string
		exe    string
		wanted func(int) bool
	}{
		{"defaults", w.exe, newDefaultPort},
		{"old defaults", s.presetProgram(old), newDefaultPort},
		{"a chosen port", s.presetProgram(chosen), func(p int) bool { return p == mine }},
	} {
		p := w.program(s.path("ports"))
		p.exe = c.exe
		pr := p.start("connect", "--no-browser", "--timeout", "1m")
		link := pr.waitLine(linkRe, 30*time.Second)
		pr.signal(syscall.SIGTERM)
		r := pr.wait()
		port, _ := strconv.Atoi(portOf(link))
		s.expect(c.wanted(port), "%s: the login listens on port %d: %s", c.name, port, r)
	}
}

// freePortBelowEphemeral is a port nobody listens on, below every
// platform's ephemeral range (so no outgoing connection takes it meanwhile).
func freePortBelowEphemeral(s *suite) int {
	for range 100 {
		p := 20000 + s.rng.IntN(10000)
		if ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p)); err == nil {
			ln.Close()
			return p
		}
	}
	s.fatalf("no free port between 20000 and 30000")
	return 0
}

func newDefaultPort(p int) bool {
	ephemeral := (p >= 32768 && p <= 60999) || p >= 49152
	return !ephemeral && slices.Contains([]int{27182, 27183, 27184}, p)
}

func mkdirMode(s *suite, dir string, mode os.FileMode) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		s.fatalf("%v", err)
	}
	chmod(s, dir, mode)
}

func chmod(s *suite, path string, mode os.FileMode) {
	if err := os.Chmod(path, mode); err != nil {
		s.fatalf("%v", err)
	}
}

func writeFile(s *suite, path, text string) {
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		s.fatalf("%v", err)
	}
}

func modeOf(s *suite, path string) os.FileMode {
	fi, err := os.Stat(path)
	if err != nil {
		s.fatalf("%v", err)
	}
	return fi.Mode().Perm() | fi.Mode()&os.ModeSticky
}

// snapshot describes a folder's mode and entries (names, sizes, times).
func snapshot(s *suite, dir string) string {
	var b strings.Builder
	b.WriteString(strconv.FormatUint(uint64(modeOf(s, dir)), 8))
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			continue
		}
		b.WriteString(" " + e.Name() + ":" + strconv.FormatInt(fi.Size(), 10) + ":" + fi.ModTime().String())
	}
	return b.String()
}
