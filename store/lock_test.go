package store

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const lockHelperEnv = "PAGEKEEPER_LOCK_HELPER"

// TestHelperLocker is the child of TestLockHeldByAnotherProcess: it takes
// the lock, says so, and holds it until its stdin closes.
func TestHelperLocker(t *testing.T) {
	dir := os.Getenv(lockHelperEnv)
	if dir == "" {
		t.Skip("helper process only")
	}
	l, err := AcquireLock(dir)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(3)
	}
	fmt.Println("locked")
	bufio.NewReader(os.Stdin).ReadString('\n')
	l.Release()
	os.Exit(0)
}

func TestLockHeldByAnotherProcess(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperLocker$", "-test.count=1")
	cmd.Env = append(os.Environ(), lockHelperEnv+"="+dir)
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "locked" {
		t.Fatalf("child: %q %v", line, err)
	}

	_, err = AcquireLock(dir)
	var held *LockHeldError
	if !errors.As(err, &held) {
		t.Fatalf("want *LockHeldError, got %v", err)
	}
	if held.Holder.PID != cmd.Process.Pid {
		t.Errorf("holder pid %d, want %d", held.Holder.PID, cmd.Process.Pid)
	}
	host, _ := os.Hostname()
	for _, want := range []string{"Pagekeeper is already managing these Pages: ", " on " + host, fmt.Sprintf("(pid %d) since ", cmd.Process.Pid)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	info, err := ReadLock(dir)
	if err != nil || info == nil || info.PID != cmd.Process.Pid {
		t.Errorf("ReadLock: %+v %v", info, err)
	}

	// The holder dies without releasing: the OS frees the lock.
	cmd.Process.Kill()
	cmd.Wait()
	stdin.Close()
	l, err := AcquireLock(dir)
	if err != nil {
		t.Fatalf("after the holder died: %v", err)
	}
	if l.Info.PID != os.Getpid() {
		t.Errorf("lock info %+v", l.Info)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if info, err := ReadLock(dir); err != nil || info != nil {
		t.Errorf("after release ReadLock = %+v, %v", info, err)
	}
}

func TestStaleLockFileIsTakenOver(t *testing.T) {
	dir := t.TempDir()
	stale, _ := json.Marshal(LockInfo{User: "bob", Host: "old-pc", PID: 999999, StartedAt: time.Now().Add(-time.Hour)})
	if err := os.WriteFile(filepath.Join(dir, lockFileName), stale, 0o600); err != nil {
		t.Fatal(err)
	}
	if info, err := ReadLock(dir); err != nil || info != nil {
		t.Errorf("a stale file is not a holder: %+v %v", info, err)
	}
	l, err := AcquireLock(dir)
	if err != nil {
		t.Fatalf("stale lock not taken over: %v", err)
	}
	defer l.Release()
	var now LockInfo
	b, _ := os.ReadFile(filepath.Join(dir, lockFileName))
	if err := json.Unmarshal(b, &now); err != nil || now.PID != os.Getpid() || now.Host == "old-pc" {
		t.Errorf("lock file now says %s", b)
	}
	// In-process second taker is refused too (flock is per open file).
	if _, err := AcquireLock(dir); err == nil {
		t.Error("second AcquireLock succeeded")
	}
}

func TestLockMessageNamesHolder(t *testing.T) {
	started := time.Now()
	e := &LockHeldError{Holder: LockInfo{User: "alice", Host: "laptop-7", PID: 4242, StartedAt: started}}
	want := "Pagekeeper is already managing these Pages: alice on laptop-7 (pid 4242) since " + started.Format("15:04")
	if !strings.HasPrefix(e.Error(), want) {
		t.Errorf("%q", e.Error())
	}
}
