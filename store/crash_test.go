package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

const helperEnv = "PAGEKEEPER_STORE_HELPER"

// brokenKeyring makes both processes use the shared key file.
type brokenKeyring struct{}

func (brokenKeyring) Get(string, string) (string, error) {
	return "", errors.New("no keyring in this test")
}
func (brokenKeyring) Set(string, string, string) error { return errors.New("no keyring in this test") }
func (brokenKeyring) Delete(string, string) error      { return errors.New("no keyring in this test") }

func crashOpts(dir string) Options {
	return Options{Dir: dir, Keyring: brokenKeyring{}, AllowKeyFile: true, OSUser: "crash"}
}

const crashPages = 3

// TestHelperWriter is the child process of TestCrashSafety: it commits
// (event seq N + token "tok-<page>-<N>") in one transaction per step and
// prints N only after the commit returned.
func TestHelperWriter(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("helper process only")
	}
	start, _ := strconv.Atoi(os.Getenv(helperEnv + "_START"))
	ctx := context.Background()
	s, err := Open(ctx, crashOpts(dir))
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(3)
	}
	for n := start; ; n++ {
		page := fmt.Sprint(n % crashPages)
		err := s.Update(ctx, func(tx *Tx) error {
			if _, err := tx.AppendEvent(Event{PageID: page, Kind: "seq", Detail: strconv.Itoa(n)}); err != nil {
				return err
			}
			if err := tx.SaveToken(page, token.New(fmt.Sprintf("tok-%s-%d", page, n))); err != nil {
				return err
			}
			_, err := tx.SetPageStatus(page, StatusValid, "", time.UnixMilli(int64(n)+1))
			return err
		})
		if err != nil {
			fmt.Println("update:", err)
			os.Exit(4)
		}
		os.Stdout.WriteString(strconv.Itoa(n) + "\n")
	}
}

func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes")
	}
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, crashOpts(dir))
	if err != nil {
		t.Fatal(err)
	}
	for i := range crashPages {
		addPage(t, s, fmt.Sprint(i), "crash page")
	}
	s.Close()

	rng := rand.New(rand.NewPCG(1, 2))
	committed := map[int]bool{}
	lastForPage := map[string]int{}
	next := 1
	const runs = 50
	for run := range runs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperEnv+"="+dir, fmt.Sprintf("%s_START=%d", helperEnv, next))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Kill at a random point once the child is writing (first line seen)
		// or, on some runs, as early as start-up.
		wait := time.Duration(20+rng.IntN(130)) * time.Millisecond
		if run%5 != 0 {
			select {
			case l, ok := <-lines:
				if ok {
					record(t, l, committed, lastForPage)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("child wrote nothing")
			}
		}
		timer := time.NewTimer(wait)
	drain:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break drain
				}
				record(t, l, committed, lastForPage)
			case <-timer.C:
				cmd.Process.Kill() // SIGKILL
				for l := range lines {
					record(t, l, committed, lastForPage)
				}
				break drain
			}
		}
		cmd.Wait()
		for n := range committed {
			if n >= next {
				next = n + 1
			}
		}
		next += 1000 // a run killed after commit but before print must not reuse numbers
		verifyAfterCrash(t, dir, committed, lastForPage)
	}
	if len(committed) < runs {
		t.Errorf("only %d commits observed over %d runs", len(committed), runs)
	}
}

func record(t *testing.T, line string, committed map[int]bool, last map[string]int) {
	n, err := strconv.Atoi(line)
	if err != nil {
		t.Fatalf("child said %q", line)
	}
	committed[n] = true
	last[fmt.Sprint(n%crashPages)] = n
}

func verifyAfterCrash(t *testing.T, dir string, committed map[int]bool, last map[string]int) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, crashOpts(dir))
	if err != nil {
		t.Fatalf("open after kill: %v", err)
	}
	defer s.Close()
	integrityCheck(t, s.db)
	present := map[int]bool{}
	rows, err := s.db.Query("SELECT detail FROM events WHERE kind = 'seq'")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var d string
		rows.Scan(&d)
		n, _ := strconv.Atoi(d)
		present[n] = true
	}
	rows.Close()
	for n := range committed {
		if !present[n] {
			t.Fatalf("sequence %d was reported committed but is missing", n)
		}
	}
	for i := range crashPages {
		page := fmt.Sprint(i)
		tok, err := s.Token(ctx, page)
		if errors.Is(err, ErrNotFound) && last[page] == 0 {
			continue
		}
		if err != nil {
			t.Fatalf("token of page %s: %v", page, err)
		}
		var n int
		if _, err := fmt.Sscanf(strings.TrimPrefix(tok.Reveal(), "tok-"+page+"-"), "%d", &n); err != nil {
			t.Fatalf("token of page %s is not one the child wrote", page)
		}
		// Old or new, never older than what was reported, and from a
		// transaction whose event is present (same commit).
		if n < last[page] || !present[n] {
			t.Fatalf("token of page %s is from step %d (last reported %d, event present %v)", page, n, last[page], present[n])
		}
		p, _ := s.Page(ctx, page)
		if p.CheckedAt.UnixMilli() != int64(n)+1 {
			t.Fatalf("page %s status is from step %d, token from %d", page, p.CheckedAt.UnixMilli()-1, n)
		}
	}
}
