package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pagekeeper/pagekeeper/sandbox"
)

// canMount: this process may mount file systems (root, or root of its own
// user namespace).
func canMount() bool { return os.Geteuid() == 0 }

// runInNamespace runs a case that mounts in a child of this program under
// `unshare --user --map-root-user --mount`, and adds its figures.
func (s *suite) runInNamespace(c testCase, seed uint64) {
	s.current = c.name
	self, err := os.Executable()
	if err != nil {
		s.skipf("cannot find this program to run it in a user namespace: %v", err)
		return
	}
	work := s.newDir("ns-" + c.name)
	result := filepath.Join(work, "result.json")
	cmd := exec.Command("unshare", "--user", "--map-root-user", "--mount", self, "-bin", s.bin, "-work", work,
		"-only", c.name, "-seed", strconv.FormatUint(seed, 10), "-result", result)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	runErr := cmd.Run()
	b, err := os.ReadFile(result)
	if err != nil {
		s.skipf("it needs root or unprivileged user namespaces to mount a small disk (%v)", runErr)
		return
	}
	var f figures
	if err := json.Unmarshal(b, &f); err != nil {
		s.errorf("the child's figures: %v", err)
		return
	}
	s.fig.Inputs += f.Inputs
	s.fig.Kills += f.Kills
	s.fig.Sent += f.Sent
	s.fig.Files += f.Files
	s.fig.Bytes += f.Bytes
	s.fig.Secrets += f.Secrets
	s.fig.Failures = append(s.fig.Failures, f.Failures...)
	s.fig.Skipped = append(s.fig.Skipped, f.Skipped...)
}

// mountTmpfs mounts a tmpfs of size bytes on a new folder.
func (s *suite) mountTmpfs(name string, size int64) (dir string, unmount func()) {
	dir = s.newDir(name)
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
		s.fatalf("mounting a tmpfs: %v", err)
	}
	return dir, func() {
		s.scanDir(dir) // before its files vanish
		if err := syscall.Unmount(dir, 0); err != nil {
			s.errorf("unmounting %s: %v", dir, err)
		}
	}
}

// fillDisk fills the file system of dir, leaving about free bytes.
func (s *suite) fillDisk(dir string, free int64) (undo func()) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		s.fatalf("%v", err)
	}
	avail := int64(st.Bavail) * st.Bsize
	path := filepath.Join(dir, "fill")
	f, err := os.Create(path)
	if err != nil {
		s.fatalf("%v", err)
	}
	block := make([]byte, 4096)
	for n := avail - free; n > 0; n -= int64(len(block)) {
		if _, err := f.Write(block[:min(int64(len(block)), n)]); err != nil {
			break // full
		}
	}
	f.Close()
	return func() { _ = os.Remove(path) }
}

// caseReadOnlyFolder: a read-only data folder still allows status, log,
// export and check (which records nothing and says why); the changing
// commands say it is read-only (issue 16 item 11).
func caseReadOnlyFolder(s *suite) {
	dir := s.demoFolder("read-only-source")
	ro := s.newDir("read-only")
	if err := syscall.Mount(dir, ro, "", syscall.MS_BIND, ""); err != nil {
		s.fatalf("bind mount: %v", err)
	}
	defer func() { _ = syscall.Unmount(ro, 0) }()
	if err := syscall.Mount("", ro, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		s.fatalf("read-only remount: %v", err)
	}
	p := s.program().inSandbox(ro)
	s.expectRun(p.run("status"), exitOK, "Sunrise Café")
	s.expectRun(p.run("status", "--json"), exitOK, `"totals"`)
	s.expectRun(p.run("log", sandbox.PageSunriseCafe), exitOK, "Sunrise Café")
	s.expectRun(p.run("export", "--csv", "-"), exitOK, `"record","page_id"`)
	s.expectRun(p.run("check"), exitOK, "not recorded", "read-only")
	s.expectRun(p.run("integration", "list"), exitOK, "Sandbox Bot")
	s.expectRun(p.run("settings", "get", "ports"), exitOK, "27182")
	for _, args := range [][]string{{"connect", "--no-browser"}, {"sandbox-demo"}, {"disconnect", sandbox.PageSunriseCafe, "--yes"},
		{"renew", sandbox.PageSunriseCafe}, {"acknowledge-reset"}, {"settings", "set", "check_interval", "2h"},
		{"integration", "add", "X", "--url", "https://x.example.com/pk", "--recipient", testRecipient, "--new-secret"},
		{"integration", "remove", "Sandbox Bot", "--unlink-pages"}} {
		s.expectRun(p.run(args...), exitCouldNotRun, "read-only")
	}
}

var savedOfRe = regexp.MustCompile(`the results of (\d+) of (\d+) Pages were saved`)

// caseFullDisk: with the disk full every command says so in words, the
// reading ones still work, and nothing is half-written; a round the disk
// stops half-way says how many results it saved, and exactly those are
// saved (issue 16 item 11).
func caseFullDisk(s *suite) {
	w := s.newWorld(1195)
	defer w.close()
	disk, unmount := s.mountTmpfs("small-disk", 96<<20)
	defer unmount()
	dir := filepath.Join(disk, "data")
	s.expectRun(w.connectAll(dir), exitOK)
	snapshot := s.path("full-disk-snapshot")
	copyDir(s, dir, snapshot)
	p := w.program(dir)
	for _, free := range []int64{0, 4 << 10, 16 << 10} {
		undo := s.fillDisk(disk, free)
		for _, args := range [][]string{{"status"}, {"log", sandbox.PageSunriseCafe}, {"export", "--csv", "-"}, {"integration", "list"}} {
			r := p.run(args...)
			s.expect(r.code == exitOK || r.code == exitFailed, "%d KB free: %s", free>>10, r)
			s.expectRun(r, r.code)
		}
		r := p.run("check")
		s.expect(r.code != exitCouldNotRun || strings.Contains(r.out(), "disk is full"), "%d KB free: %s", free>>10, r)
		s.expectRun(r, r.code)
		// connect finds out before the login; if the little space left
		// still takes its first write, the Pages are refused one by one.
		pr := p.start("connect", "--no-browser", "--ports", "0", "--yes", "--business")
		if link := pr.waitLine(linkRe, 30*time.Second); link != "" {
			_, _ = w.answer(link, sandbox.Consent{})
			r = pr.wait()
			s.expectRun(r, exitFailed, "the disk is full", "None of the ")
		} else {
			s.expectRun(pr.wait(), exitCouldNotRun, "the disk is full")
		}
		undo()
		f, err := inspect(dir)
		s.expect(err == nil && f.integrity == "ok" && f.wholePages() == nil, "%d KB free: %v %q %v", free>>10, err, f.integrity, f.wholePages())
	}

	// A round the disk stops half-way: the free space is narrowed until
	// the round saves some groups and not all.
	w.fault(sandbox.FaultRequest{Kind: "app_removed"}) // every verdict changes: every Page is written
	defer w.fault(sandbox.FaultRequest{Kind: "reset"})
	for _, free := range []int64{3 << 20, 2 << 20, 1536 << 10, 1 << 20, 768 << 10, 512 << 10, 384 << 10, 256 << 10} {
		_ = os.RemoveAll(dir)
		copyDir(s, snapshot, dir)
		undo := s.fillDisk(disk, free)
		r := p.run("check")
		undo()
		m := savedOfRe.FindStringSubmatch(r.out())
		if m == nil {
			s.expectRun(r, r.code)
			continue
		}
		saved, _ := strconv.Atoi(m[1])
		total, _ := strconv.Atoi(m[2])
		s.expectRun(r, exitCouldNotRun, "the disk is full", "the others were not")
		s.expect(!strings.Contains(r.out(), "nothing was changed"), "a round that saved %d results says nothing was changed: %s", saved, r)
		f, err := inspect(dir)
		if !s.expect(err == nil && f.integrity == "ok", "%v %q", err, f.integrity) {
			return
		}
		invalid := 0
		for _, st := range f.status {
			if st == "invalid" {
				invalid++
			}
		}
		s.expect(invalid == saved && saved > 0 && saved < total, "the round said it saved %d of %d results; %d Pages are recorded Invalid", saved, total, invalid)
		// With space again, the next round records everything.
		j := s.checkJSON(p)
		s.expect(j.Totals.Invalid == total, "after freeing space: %+v, want %d invalid", j.Totals, total)
		return
	}
	s.errorf("no free space left made a round stop half-way")
}
