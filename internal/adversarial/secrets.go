package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// secretSet is every secret the suite knows: the tokens and codes the
// pretend Facebooks issued (each knows its own: its state lists them), the
// App Secret, the admin tokens. None may appear in anything the program
// wrote or printed.
type secretSet struct {
	mu    sync.Mutex
	all   map[string]bool
	index map[string][]string // by their first window bytes
	short []string            // shorter than window
	first [256]bool           // bytes a secret starts with
}

// window is how many bytes of a secret index it: a file is looked up at
// each position where a secret could start, never once per secret.
const window = 12

func newSecretSet() *secretSet {
	return &secretSet{all: map[string]bool{}, index: map[string][]string{}}
}

func (ss *secretSet) add(secrets ...string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for _, s := range secrets {
		if len(s) < 8 || ss.all[s] { // nothing shorter is a credential here
			continue
		}
		ss.all[s] = true
		ss.first[s[0]] = true
		if len(s) < window {
			ss.short = append(ss.short, s)
			continue
		}
		ss.index[s[:window]] = append(ss.index[s[:window]], s)
	}
}

func (ss *secretSet) len() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return len(ss.all)
}

// addFromState adds the tokens and codes a pretend Facebook's saved state
// lists (sandbox.Fake.SaveState, the sandbox's sandbox-facebook.json).
func (ss *secretSet) addFromState(b []byte) {
	var st struct {
		Tokens []struct {
			Value string `json:"value"`
		} `json:"tokens"`
		Codes []struct {
			Code string `json:"code"`
		} `json:"codes"`
	}
	if json.Unmarshal(b, &st) != nil {
		return
	}
	for _, t := range st.Tokens {
		ss.add(t.Value)
	}
	for _, c := range st.Codes {
		ss.add(c.Code)
	}
}

// find returns the secrets b holds.
func (ss *secretSet) find(b []byte) []string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	var found []string
	for i := 0; i+window <= len(b); i++ {
		if !ss.first[b[i]] {
			continue
		}
		for _, s := range ss.index[string(b[i:i+window])] {
			if bytes.HasPrefix(b[i:], []byte(s)) {
				found = append(found, s)
			}
		}
	}
	for _, s := range ss.short {
		if bytes.Contains(b, []byte(s)) {
			found = append(found, s)
		}
	}
	return found
}

// isPretendFacebookState: the pretend Facebook's own state file in a
// sandbox folder holds its tokens by design (it is Facebook's side, not
// Pagekeeper's); it is read for secrets, never scanned.
func isPretendFacebookState(name string) bool {
	return strings.HasPrefix(name, "sandbox-facebook.json")
}

// The sandbox runs its own integration, Sandbox Bot, whose folder
// (sandbox-bot/ in the sandbox's data folder) holds the integration's two
// secrets, each in its own file as any integration keeps them: key.txt,
// the age identity that opens the Page tokens Pagekeeper seals to it, and
// secret.txt, the signing secret it shares with Pagekeeper. Those two files
// are where these secrets belong (they must be readable only by their
// owner); anywhere else — Pagekeeper's database and its outbox, Sandbox
// Bot's own database, an export, any output — either one is a leak, as is
// any Page token in clear in any file, Sandbox Bot's database included.
const sandboxBotDir = "sandbox-bot"

// sandboxBotSecretFile: p is one of Sandbox Bot's two secret files.
func sandboxBotSecretFile(p string) bool {
	name := filepath.Base(p)
	return filepath.Base(filepath.Dir(p)) == sandboxBotDir && (name == "key.txt" || name == "secret.txt")
}

// addSandboxBotSecrets adds the secret a Sandbox Bot secret file holds,
// after checking that only its owner may read it.
func (s *suite) addSandboxBotSecrets(p string) {
	if fi, err := os.Stat(p); err != nil {
		s.errorf("%v", err)
	} else if fi.Mode().Perm()&0o077 != 0 {
		s.errorf("%s, a secret of Sandbox Bot, is readable by others (%v)", p, fi.Mode())
	}
	b, err := os.ReadFile(p)
	if err != nil {
		s.errorf("%v", err)
		return
	}
	if filepath.Base(p) == "secret.txt" {
		s.secrets.add(strings.TrimSpace(string(b)))
		return
	}
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); strings.HasPrefix(line, "AGE-SECRET-KEY-") {
			s.secrets.add(line)
		}
	}
}

// scanDir scans every file under dir (the pretend Facebook's state, Sandbox
// Bot's secret files and the suite's own programs aside) and reports each
// secret found.
func (s *suite) scanDir(dir string) {
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil || d.IsDir():
		case isPretendFacebookState(d.Name()):
			if b, err := os.ReadFile(p); err == nil {
				s.secrets.addFromState(b)
			}
		case sandboxBotSecretFile(p):
			s.addSandboxBotSecrets(p)
			s.fig.BotSecretFiles++
		}
		return nil
	})
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if d.Name() == "programs" || d.Name() == "fixtures" {
				return filepath.SkipDir // the program itself, and the suite's own files
			}
			return nil
		}
		if !d.Type().IsRegular() || isPretendFacebookState(d.Name()) || sandboxBotSecretFile(p) || strings.Contains(d.Name(), "-sandbox-server") {
			// sandbox-server prints its admin token: that is its job.
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		s.fig.Files++
		s.fig.Bytes += int64(len(b))
		if found := s.secrets.find(b); len(found) > 0 {
			s.errorf("%s holds %d secret(s), e.g. %.12s…", p, len(found), found[0])
		}
		return nil
	})
}

// scanEverything is the last case: every file the run left, every output.
func (s *suite) scanEverything() {
	s.runCase(testCase{name: "secret-scan", run: func(s *suite) {
		if s.secrets.len() < 10 {
			s.errorf("only %d secrets are known: the pretend Facebooks' tokens were not collected", s.secrets.len())
		}
		s.scanDir(s.work)
		// The sandbox folders ran Sandbox Bot: its secrets were looked for.
		s.expect(s.fig.BotSecretFiles >= 2, "no secret file of Sandbox Bot was found (%d): the sandbox ran without it", s.fig.BotSecretFiles)
	}})
}
