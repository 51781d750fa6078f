// Package fakeproc runs the fake Facebook (package sandbox) in a child
// process for benchmarks, so that their CPU and memory figures are
// Pagekeeper's alone, as at a customer's, where Facebook is not on the same
// computer; the fake's own CPU is measured in the child and reported apart.
//
// The child is the test binary itself. A package whose benchmarks call Start
// declares the child's entry point:
//
//	func TestFakeProcess(t *testing.T) { fakeproc.Serve(t) }
//
// which is skipped in a normal test run.
package fakeproc

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/sandbox"
)

// envOptions carries the Options to the child (and tells it is one).
const envOptions = "PAGEKEEPER_FAKEPROC"

// Options say which fake to run.
type Options struct {
	Seed                  int64
	ExtraPages            int
	AppSecret             string // "" is sandbox.DefaultAppSecret
	RequireAppSecretProof bool
	// UserScopes are the scopes of UserToken, a long-lived token of
	// sandbox.DemoUserID, the full admin of every generated Page.
	UserScopes []string
}

// Fake is a fake Facebook running in a child process.
type Fake struct {
	URL       string
	AppID     string
	AppSecret string
	UserToken string

	mu    sync.Mutex
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Scanner
	errs  strings.Builder
	close sync.Once
}

type ready struct {
	URL, AppID, AppSecret, UserToken string
}

// Start runs the fake in a child process and stops it when tb ends.
func Start(tb testing.TB, o Options) *Fake {
	tb.Helper()
	opts, _ := json.Marshal(o)
	cmd := exec.Command(os.Args[0], "-test.run=^TestFakeProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), envOptions+"="+string(opts))
	f := &Fake{cmd: cmd}
	cmd.Stderr = &f.errs
	var err error
	if f.in, err = cmd.StdinPipe(); err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	f.out = bufio.NewScanner(stdout)
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(f.stop)
	line, err := f.reply("ready")
	if err != nil {
		tb.Fatalf("the fake's process did not start: %v", err)
	}
	var r ready
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		tb.Fatal(err)
	}
	f.URL, f.AppID, f.AppSecret, f.UserToken = r.URL, r.AppID, r.AppSecret, r.UserToken
	return f
}

func (f *Fake) stop() {
	f.close.Do(func() {
		_ = f.in.Close() // the child stops at the end of its input
		_ = f.cmd.Wait()
	})
}

// reply reads the child's next answer to kind ("fakeproc <kind> <value>"),
// skipping anything else it prints.
func (f *Fake) reply(kind string) (string, error) {
	for f.out.Scan() {
		if v, ok := strings.CutPrefix(f.out.Text(), "fakeproc "+kind+" "); ok {
			return v, nil
		}
	}
	return "", fmt.Errorf("the fake's process ended (%v): %s", f.out.Err(), f.errs.String())
}

func (f *Fake) ask(command, kind string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := io.WriteString(f.in, command+"\n"); err != nil {
		return "", err
	}
	return f.reply(kind)
}

// SetLatency adds d to every Graph request (Fake.SetLatency).
func (f *Fake) SetLatency(d time.Duration) error {
	_, err := f.ask("latency "+d.String(), "ok")
	return err
}

// ResetStats zeroes the request counters.
func (f *Fake) ResetStats() error {
	_, err := f.ask("reset", "ok")
	return err
}

// Requests is the number of Graph HTTP requests since the last ResetStats.
func (f *Fake) Requests() (int, error) {
	v, err := f.ask("requests", "requests")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(v)
}

// CPU is the CPU time (user + system) the fake's process has used.
func (f *Fake) CPU() (time.Duration, error) {
	v, err := f.ask("cpu", "cpu")
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return time.Duration(n), err
}

// Serve is the child's side: run from a test named TestFakeProcess, it
// serves the fake until its input ends. In a normal test run it skips.
func Serve(t *testing.T) {
	raw := os.Getenv(envOptions)
	if raw == "" {
		t.Skip("the fake's process for benchmarks (internal/fakeproc)")
	}
	var o Options
	if err := json.Unmarshal([]byte(raw), &o); err != nil {
		t.Fatal(err)
	}
	// A running clock from now: the benchmark's Pagekeeper uses the real
	// clock, and the two must agree about expiry dates.
	srv, err := sandbox.Start(sandbox.Options{Seed: o.Seed, ExtraPages: o.ExtraPages, AppSecret: o.AppSecret,
		RequireAppSecretProof: o.RequireAppSecretProof, Clock: sandbox.NewRunningClock(time.Now())})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	opts := srv.Fake.Options()
	r, _ := json.Marshal(ready{URL: srv.URL, AppID: opts.AppID, AppSecret: opts.AppSecret,
		UserToken: srv.Fake.IssueUserToken(sandbox.DemoUserID, true, o.UserScopes)})
	fmt.Printf("fakeproc ready %s\n", r)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		cmd, arg, _ := strings.Cut(in.Text(), " ")
		switch cmd {
		case "latency":
			d, err := time.ParseDuration(arg)
			if err != nil {
				t.Fatal(err)
			}
			srv.Fake.SetLatency(d)
			fmt.Println("fakeproc ok latency")
		case "reset":
			srv.Fake.ResetStats()
			fmt.Println("fakeproc ok reset")
		case "requests":
			fmt.Printf("fakeproc requests %d\n", srv.Fake.Stats().Requests)
		case "cpu":
			fmt.Printf("fakeproc cpu %d\n", ProcessCPU())
		default:
			t.Fatal(errors.New("fakeproc: unknown command " + cmd))
		}
	}
}
