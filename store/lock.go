package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"time"
)

// LockInfo says who manages a data folder.
type LockInfo struct {
	User      string    `json:"user"`
	Host      string    `json:"host"`
	PID       int       `json:"pid"`
	StartedAt time.Time `json:"started_at"`
	// Command is the headless command that holds the lock
	// ("pagekeeper check"); "" is the window (or a Pagekeeper too old to say).
	Command string `json:"command,omitempty"`
}

// String is "alice on laptop-7 (pid 4242) since 09:14", after the command
// when a command holds the lock: "`pagekeeper check` run by alice on …".
func (i LockInfo) String() string {
	if i.Command != "" {
		return "`" + i.Command + "` run by " + i.who()
	}
	return i.who()
}

func (i LockInfo) who() string {
	when := i.StartedAt.Local()
	stamp := when.Format("15:04")
	if y, m, d := when.Date(); y != time.Now().Year() || m != time.Now().Month() || d != time.Now().Day() {
		stamp = when.Format("Jan 2 15:04")
	}
	who := i.User
	if who == "" {
		who = "someone"
	}
	return fmt.Sprintf("%s on %s (pid %d) since %s", who, i.Host, i.PID, stamp)
}

// LockHeldError: another live process manages the folder.
type LockHeldError struct{ Holder LockInfo }

func (e *LockHeldError) Error() string {
	if e.Holder.Command != "" {
		return "Another Pagekeeper command is using these Pages: " + e.Holder.String() +
			". Wait until it ends (or stop it), then try again."
	}
	return "Pagekeeper is already managing these Pages: " + e.Holder.String() +
		". Use that window, or close it and try again."
}

// Lock is the manager lock on a data folder: one writer process at a time.
// It is an OS advisory lock (flock / LockFileEx), so the OS releases it
// when the holder dies; the file's JSON only names the holder.
type Lock struct {
	f    *os.File
	Info LockInfo
}

var errLocked = errors.New("locked by another process")

// AcquireLock takes the manager lock of dir for the window (AcquireLockFor).
func AcquireLock(dir string) (*Lock, error) { return AcquireLockFor(dir, "") }

// AcquireLockFor takes the manager lock of dir, or returns *LockHeldError
// naming the holder; command names what holds it ("" the window), so that
// others can say who. A lock file left by a dead process is taken over.
// The folder must exist (PrepareFolder): the lock never creates one.
func AcquireLockFor(dir, command string) (*Lock, error) {
	p := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, asWriteError(err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, errLocked) {
			info, _ := readLockInfo(p)
			return nil, &LockHeldError{Holder: info}
		}
		return nil, err
	}
	info := LockInfo{Host: hostname(), PID: os.Getpid(), StartedAt: time.Now().UTC().Truncate(time.Second), Command: command}
	if u, err := user.Current(); err == nil {
		info.User = u.Username
	}
	b, _ := json.Marshal(info)
	err = f.Truncate(0)
	if err == nil {
		_, err = f.WriteAt(b, 0)
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		unlockFile(f)
		f.Close()
		return nil, asWriteError(err)
	}
	return &Lock{f: f, Info: info}, nil
}

// Release gives the lock up. Safe to call twice.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	unlockFile(l.f)
	err := l.f.Close()
	l.f = nil
	return err
}

// ReadLock says who holds the manager lock of dir (for a read-only
// viewer): nil if nobody does.
func ReadLock(dir string) (*LockInfo, error) {
	p := filepath.Join(dir, lockFileName)
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	held, err := lockHeld(f)
	if err != nil || !held {
		return nil, err
	}
	info, err := readLockInfo(p)
	if err != nil {
		return nil, err
	}
	return &info, nil
}

func readLockInfo(p string) (LockInfo, error) {
	var info LockInfo
	f, err := os.Open(p)
	if err != nil {
		return info, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return info, err
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return info, fmt.Errorf("the lock file does not say who holds it: %w", err)
	}
	return info, nil
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "this computer"
	}
	return h
}
