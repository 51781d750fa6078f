// Command adversarial is Pagekeeper's adversarial suite (`make adversarial`,
// part of `make test`): it drives the built program from outside, as the
// adversarial run of issue 16 did, and fails when any finding comes back.
//
//   - bad command lines: a table of argv → exit code and message;
//   - data folders: /tmp, /, a mistyped name, a foreign folder, damaged files
//     of every kind, a schema version that lies, a read-only folder, a full
//     disk (also in the middle of a round), a folder held by another process;
//   - forged and malformed login callbacks while a login waits, and a flood;
//   - SIGKILL at random moments while Pages are saved and while a round
//     records, with the database's integrity and the counts compared;
//   - odd, malformed, oversized and failing answers from Facebook through a
//     proxy between the program (--facebook-url) and the pretend Facebook;
//   - the export's targets and formula guard, the sandbox's state and admin
//     routes, the Windows installer's check;
//   - a scan of every file and output the program produced for the tokens and
//     codes the pretend Facebook issued, the App Secret and the admin token.
//
// The figures (inputs tried, kills survived, files scanned, time) are
// printed at the end; docs/RELIABILITY.md records a run.
//
// Usage: go run -tags migrated_fynedo ./internal/adversarial -bin build/pagekeeper
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"
)

// A case is one family of checks; it records failures on the suite and may
// stop early with s.fatalf.
type testCase struct {
	name string
	// mounts: the case mounts file systems (a small tmpfs, a read-only
	// bind), which needs root, or a user namespace (then it runs in a child
	// under unshare).
	mounts bool
	run    func(s *suite)
}

var cases = []testCase{
	{"command-line", false, caseCommandLine},
	{"data-folders", false, caseDataFolders},
	{"held-folder", false, caseHeldFolder},
	{"damaged-files", false, caseDamagedFiles},
	{"callback-ports", false, caseCallbackPorts},
	{"forged-callbacks", false, caseForgedCallbacks},
	{"odd-answers", false, caseOddAnswers},
	{"kills-during-apply", false, caseKillsDuringApply},
	{"kills-during-rounds", false, caseKillsDuringRounds},
	{"integration-outbox", false, caseIntegrationOutbox},
	{"export", false, caseExport},
	{"sandbox-admin-routes", false, caseSandboxAdmin},
	{"sandbox-state", false, caseSandboxState},
	{"windows-installer-check", false, caseWindowsInstallerCheck},
	{"read-only-folder", true, caseReadOnlyFolder},
	{"full-disk", true, caseFullDisk},
}

// figures are what a run reports (and docs/RELIABILITY.md records).
type figures struct {
	Inputs  int   `json:"inputs"`
	Kills   int   `json:"kills"`      // SIGKILLs that hit the running program, each survived
	Sent    int   `json:"kills_sent"` // SIGKILLs sent (some come after the program finished)
	Files   int   `json:"files"`
	Bytes   int64 `json:"bytes"`
	Secrets int   `json:"secrets"`
	// BotSecretFiles: Sandbox Bot's key and secret files found (their
	// secrets are looked for everywhere else).
	BotSecretFiles int      `json:"bot_secret_files"`
	Failures       []string `json:"failures"`
	Skipped        []string `json:"skipped"`
}

func main() {
	bin := flag.String("bin", "build/pagekeeper", "the Pagekeeper program to drive")
	work := flag.String("work", "", "folder for the data folders and outputs (default: a new temporary one, removed afterwards unless -keep)")
	keep := flag.Bool("keep", false, "keep the work folder")
	only := flag.String("only", "", "run only these cases (comma-separated)")
	seed := flag.Uint64("seed", uint64(time.Now().UnixNano()), "seed of the random moments (printed, to repeat a run)")
	result := flag.String("result", "", "write the figures as JSON to this file (a child run under unshare)")
	flag.Parse()
	debug.SetTraceback("all")

	abs, err := filepath.Abs(*bin)
	if err == nil {
		_, err = os.Stat(abs)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "adversarial: the program %s is missing (make build): %v\n", *bin, err)
		os.Exit(2)
	}
	dir := *work
	if dir == "" {
		if dir, err = os.MkdirTemp("", "pagekeeper-adversarial-*"); err != nil {
			fmt.Fprintln(os.Stderr, "adversarial:", err)
			os.Exit(2)
		}
		if !*keep {
			defer os.RemoveAll(dir)
		}
	}
	s := newSuite(abs, dir, *seed)
	started := time.Now()
	fmt.Printf("adversarial: %s, seed %d, work folder %s\n", abs, *seed, dir)
	var want []string
	if *only != "" {
		want = strings.Split(*only, ",")
	}
	for _, c := range cases {
		if want != nil && !slices.Contains(want, c.name) {
			continue
		}
		if c.mounts && !canMount() {
			s.runInNamespace(c, *seed)
			continue
		}
		s.runCase(c)
	}
	if want == nil {
		s.scanEverything()
	}
	f := s.figures()
	if *result != "" {
		b, _ := json.Marshal(f)
		if err := os.WriteFile(*result, b, 0o600); err != nil {
			fmt.Fprintln(os.Stderr, "adversarial:", err)
			os.Exit(2)
		}
	}
	fmt.Printf("\nadversarial: %d inputs tried, %d kills survived (of %d sent), %d files (%.1f MB) scanned for %d secrets, %s\n",
		f.Inputs, f.Kills, f.Sent, f.Files, float64(f.Bytes)/(1<<20), f.Secrets, time.Since(started).Round(time.Second))
	for _, sk := range f.Skipped {
		fmt.Printf("adversarial: SKIPPED %s\n", sk)
	}
	if len(f.Failures) > 0 {
		fmt.Printf("adversarial: %d FAILURES\n", len(f.Failures))
		for _, msg := range f.Failures {
			fmt.Println("  - " + strings.ReplaceAll(msg, "\n", "\n    "))
		}
		if *keep || *work != "" {
			fmt.Printf("adversarial: the work folder %s is kept\n", dir)
		}
		os.Exit(1)
	}
	fmt.Println("adversarial: all checks passed")
}

// suite is one run: the program, the work folder, the figures and failures.
type suite struct {
	bin, work string
	rng       *rand.Rand
	secrets   *secretSet
	fig       figures
	current   string
	seq       int // numbers the outputs and folders
}

func newSuite(bin, work string, seed uint64) *suite {
	return &suite{bin: bin, work: work, rng: rand.New(rand.NewPCG(seed, 0x5eed)), secrets: newSecretSet()}
}

// stop ends the current case (s.fatalf).
type stop struct{}

func (s *suite) runCase(c testCase) {
	s.current = c.name
	before := len(s.fig.Failures)
	t := time.Now()
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(stop); !ok {
					s.errorf("panic: %v\n%s", r, debug.Stack())
				}
			}
		}()
		c.run(s)
	}()
	status := "ok"
	if n := len(s.fig.Failures) - before; n > 0 {
		status = fmt.Sprintf("FAIL (%d)", n)
	}
	fmt.Printf("adversarial: %-24s %-9s %s\n", c.name, status, time.Since(t).Round(100*time.Millisecond))
}

func (s *suite) errorf(format string, args ...any) {
	s.fig.Failures = append(s.fig.Failures, s.current+": "+fmt.Sprintf(format, args...))
}

func (s *suite) fatalf(format string, args ...any) {
	s.errorf(format, args...)
	panic(stop{})
}

func (s *suite) skipf(format string, args ...any) {
	s.fig.Skipped = append(s.fig.Skipped, s.current+": "+fmt.Sprintf(format, args...))
}

// expect records a failure unless ok.
func (s *suite) expect(ok bool, format string, args ...any) bool {
	if !ok {
		s.errorf(format, args...)
	}
	return ok
}

// newDir is a new empty folder in the work folder.
func (s *suite) newDir(name string) string {
	s.seq++
	d := filepath.Join(s.work, fmt.Sprintf("%03d-%s", s.seq, name))
	if err := os.MkdirAll(d, 0o700); err != nil {
		s.fatalf("%v", err)
	}
	return d
}

// path is a name in the work folder that does not exist yet.
func (s *suite) path(name string) string {
	s.seq++
	return filepath.Join(s.work, fmt.Sprintf("%03d-%s", s.seq, name))
}

func (s *suite) figures() figures {
	f := s.fig
	f.Secrets = max(f.Secrets, s.secrets.len())
	return f
}
