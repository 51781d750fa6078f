package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// runTimeout bounds every run of the program: none should take longer,
// and a hang is a finding of its own.
const runTimeout = 2 * time.Minute

// result is one run of the program.
type result struct {
	args           []string
	code           int
	stdout, stderr string
	maxRSS         int64 // KiB, the most memory the process held
	took           time.Duration
}

func (r result) out() string { return r.stdout + r.stderr }

func (r result) String() string {
	return fmt.Sprintf("pagekeeper %s: exit %d\n%s", strings.Join(r.args, " "), r.code, strings.TrimSpace(r.out()))
}

// pk runs the program with a set of global flags.
type pk struct {
	s *suite
	// exe is the program: the built one, or a copy beside an IT preset.
	exe         string
	dataDir     string
	sandbox     bool
	facebookURL string
}

func (s *suite) program() pk { return pk{s: s, exe: s.bin} }

func (p pk) in(dir string) pk        { p.dataDir = dir; return p }
func (p pk) inSandbox(dir string) pk { p.dataDir, p.sandbox = dir, true; return p }

func (p pk) argv(args []string) []string {
	var g []string
	if p.dataDir != "" {
		g = append(g, "--data-dir", p.dataDir)
	}
	if p.sandbox {
		g = append(g, "--sandbox")
	}
	if p.facebookURL != "" {
		g = append(g, "--facebook-url", p.facebookURL)
	}
	// No system keyring is asked (a developer's would fill up with the
	// suite's keys): the data key lives in a key file, as on a headless box.
	return append(append(g, "--allow-key-file"), args...)
}

// environ is the program's environment: English messages, and no session
// bus, so that no system keyring is found.
func environ() []string {
	var env []string
	for _, e := range os.Environ() {
		k, _, _ := strings.Cut(e, "=")
		switch k {
		case "DBUS_SESSION_BUS_ADDRESS", "LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "DISPLAY", "WAYLAND_DISPLAY":
			continue
		}
		env = append(env, e)
	}
	return append(env, "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/adversarial", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "LANGUAGE=en")
}

// run runs the program to its end and counts it as one input tried.
func (p pk) run(args ...string) result {
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	return p.runCtx(ctx, args...)
}

func (p pk) runCtx(ctx context.Context, args ...string) result {
	pr := p.start(args...)
	select {
	case <-pr.done:
	case <-ctx.Done():
		pr.kill()
		r := pr.wait()
		p.s.errorf("hung (killed after %s): %s", runTimeout, r)
		return r
	}
	return pr.wait()
}

// proc is a running program.
type proc struct {
	s     *suite
	args  []string
	cmd   *exec.Cmd
	lines chan string // stdout, line by line, as it comes
	mu    sync.Mutex
	out   bytes.Buffer
	errb  bytes.Buffer
	done  chan struct{}
	err   error
	start time.Time
	name  string
}

// start runs the program in the background.
func (p pk) start(args ...string) *proc {
	argv := p.argv(args)
	cmd := exec.Command(p.exe, argv...)
	cmd.Env = environ()
	pr := &proc{s: p.s, args: argv, cmd: cmd, lines: make(chan string, 1<<14), done: make(chan struct{}), start: time.Now()}
	pr.name = strings.Join(args, "_")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		p.s.fatalf("%v", err)
	}
	cmd.Stderr = &lockedWriter{mu: &pr.mu, w: &pr.errb}
	if err := cmd.Start(); err != nil {
		p.s.fatalf("starting %s: %v", p.exe, err)
	}
	p.s.fig.Inputs++
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<16), 1<<26)
		for sc.Scan() {
			pr.mu.Lock()
			pr.out.Write(sc.Bytes())
			pr.out.WriteByte('\n')
			pr.mu.Unlock()
			select {
			case pr.lines <- sc.Text():
			default:
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		pr.err = cmd.Wait()
		close(pr.lines)
		close(pr.done)
	}()
	return pr
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// waitLine returns the first line of stdout matching re, or "" when the
// program ended or d passed first.
func (pr *proc) waitLine(re *regexp.Regexp, d time.Duration) string {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case l, ok := <-pr.lines:
			if !ok {
				return ""
			}
			if re.MatchString(l) {
				return l
			}
		case <-timer.C:
			return ""
		}
	}
}

func (pr *proc) kill() { _ = pr.cmd.Process.Signal(syscall.SIGKILL) }

func (pr *proc) signal(sig os.Signal) { _ = pr.cmd.Process.Signal(sig) }

func (pr *proc) exited() bool {
	select {
	case <-pr.done:
		return true
	default:
		return false
	}
}

// wait waits for the end and returns the result; the outputs are kept in
// the work folder for the secret scan.
func (pr *proc) wait() result {
	<-pr.done
	pr.mu.Lock()
	r := result{args: pr.args, stdout: pr.out.String(), stderr: pr.errb.String(), took: time.Since(pr.start)}
	pr.mu.Unlock()
	var ee *exec.ExitError
	switch {
	case pr.err == nil:
	case errors.As(pr.err, &ee):
		r.code = ee.ExitCode() // -1 when killed
	default:
		pr.s.errorf("waiting for %s: %v", pr.name, pr.err)
	}
	if ru, ok := pr.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.maxRSS = ru.Maxrss
	}
	pr.s.keepOutput(pr.name, r)
	return r
}

// keepOutput writes a run's outputs into the work folder, where the final
// scan reads them.
func (s *suite) keepOutput(name string, r result) {
	dir := filepath.Join(s.work, "outputs")
	_ = os.MkdirAll(dir, 0o700)
	s.seq++
	if len(name) > 40 {
		name = name[:40]
	}
	name = strings.Map(func(c rune) rune {
		if c == '/' || c == ' ' || c == '\\' {
			return '_'
		}
		return c
	}, name)
	base := filepath.Join(dir, fmt.Sprintf("%05d-%s", s.seq, name))
	_ = os.WriteFile(base+".out", []byte(r.stdout), 0o600)
	_ = os.WriteFile(base+".err", []byte(r.stderr), 0o600)
}
