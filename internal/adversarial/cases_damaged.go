package main

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
)

// damage is one way a data file is found broken.
type damage struct {
	name string
	// apply damages the data file at path (a copy of a sound one).
	apply func(s *suite, path string)
	// lost is how many lost Pages the reset reports: 5 when the file can
	// still be read, -1 (unknown) when not, anyLost when either may be.
	lost int
	// want is the words of the first message.
	want string
}

// anyLost: the count of lost Pages may or may not be readable.
const anyLost = -2

var damages = []damage{
	{"truncated to half", func(s *suite, p string) { truncateTo(s, p, size(s, p)/2) }, anyLost, "damaged"},
	{"empty", func(s *suite, p string) { truncateTo(s, p, 0) }, -1, "damaged"},
	{"header overwritten", func(s *suite, p string) { overwrite(s, p, 0, bytes.Repeat([]byte("x"), 100)) }, -1, "damaged"},
	{"a page zeroed", func(s *suite, p string) { overwrite(s, p, 4096, make([]byte, 4096)) }, anyLost, "damaged"},
	{"random bytes", func(s *suite, p string) { b := make([]byte, 64<<10); _, _ = rand.Read(b); writeFile(s, p, string(b)) }, -1, "damaged"},
	{"another program's database", func(s *suite, p string) {
		_ = os.Remove(p)
		execSQL(s, p, "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('hello')")
	}, -1, "not a Pagekeeper database"},
	{"another application id", func(s *suite, p string) { execSQL(s, p, "PRAGMA application_id = 123") }, 5, "not a Pagekeeper database"},
	{"schema version 0", func(s *suite, p string) { execSQL(s, p, "PRAGMA user_version = 0") }, 5, "schema version (0) does not match its tables"},
	{"schema version 1", func(s *suite, p string) { execSQL(s, p, "PRAGMA user_version = 1") }, 5, "schema version (1) does not match its tables"},
	{"schema version -1", func(s *suite, p string) { execSQL(s, p, "PRAGMA user_version = -1") }, 5, "schema version (-1) does not match its tables"},
}

// caseDamagedFiles: every kind of damaged or foreign data file is moved
// aside whole with a clear message; afterwards the reset is reported (status
// and check exit 1, with how many Pages were lost) until a person
// acknowledges it (issue 16 items 6 and 11).
func caseDamagedFiles(s *suite) {
	template := s.demoFolder("sound")
	for _, d := range damages {
		dir := s.path("damaged")
		copyDir(s, template, dir)
		db := filepath.Join(dir, "pagekeeper.db")
		d.apply(s, db)
		damaged, _ := os.ReadFile(db)
		p := s.program().inSandbox(dir)

		r := p.run("status")
		if !s.expectRun(r, exitCouldNotRun, d.want, "moved aside") {
			continue
		}
		moved, _ := filepath.Glob(db + ".corrupt-*[0-9]Z")
		if s.expect(len(moved) == 1, "%s: %d copies moved aside", d.name, len(moved)) {
			kept, _ := os.ReadFile(moved[0])
			s.expect(bytes.Equal(kept, damaged), "%s: the file moved aside is not the damaged file as it was", d.name)
		}
		for range 2 { // every check says so, not just the first
			r = p.run("check", "--json")
			j, err := parseCheck(r)
			if !s.expect(err == nil && r.code == exitFailed && j.ExitCode == exitFailed && j.DataReset != nil,
				"%s: a check after the reset must exit 1 and say so: %v %s", d.name, err, r) {
				break
			}
			s.expect(d.lost == anyLost || j.DataReset.PagesLost == d.lost, "%s: pages_lost %d, want %d", d.name, j.DataReset.PagesLost, d.lost)
			s.expect(strings.Contains(j.DataReset.Message, "acknowledge"), "%s: the reset does not say what to do: %s", d.name, j.DataReset.Message)
		}
		s.expectRun(p.run("status"), exitFailed, "data was reset")
		s.expectRun(p.run("acknowledge-reset"), exitOK, "Acknowledged")
		s.expectRun(p.run("check"), exitOK, "No Pages are connected")
		s.expectRun(p.run("log", "110000000000001"), exitUsage, "no Page with ID")
	}

	// Newer data is left alone.
	dir := s.path("newer")
	copyDir(s, template, dir)
	execSQL(s, filepath.Join(dir, "pagekeeper.db"), "PRAGMA user_version = 99")
	s.expectRun(s.program().inSandbox(dir).run("status"), exitCouldNotRun, "newer Pagekeeper")
	moved, _ := filepath.Glob(filepath.Join(dir, "pagekeeper.db.corrupt-*"))
	s.expect(len(moved) == 0, "data written by a newer Pagekeeper was moved aside")

	// A stray write-ahead log beside a sound file is not the file's.
	dir = s.path("stray-wal")
	copyDir(s, template, dir)
	writeFile(s, filepath.Join(dir, "pagekeeper.db-wal"), strings.Repeat("garbage", 1000))
	r := s.program().inSandbox(dir).run("status", "--json")
	s.expectRun(r, exitOK, "Sunrise Café")

	// Something else where the file should be.
	dir = s.path("db-folder")
	copyDir(s, template, dir)
	_ = os.Remove(filepath.Join(dir, "pagekeeper.db"))
	mkdirMode(s, filepath.Join(dir, "pagekeeper.db"), 0o700)
	s.expectRun(s.program().inSandbox(dir).run("status"), exitCouldNotRun, "not a regular file")
}

func size(s *suite, p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		s.fatalf("%v", err)
	}
	return fi.Size()
}

func truncateTo(s *suite, p string, n int64) {
	if err := os.Truncate(p, n); err != nil {
		s.fatalf("%v", err)
	}
}

func overwrite(s *suite, p string, at int64, b []byte) {
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		s.fatalf("%v", err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, at); err != nil {
		s.fatalf("%v", err)
	}
}

// execSQL changes a data file as another program would.
func execSQL(s *suite, p, q string) {
	db, err := sql.Open("sqlite", "file:"+p)
	if err != nil {
		s.fatalf("%v", err)
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		s.fatalf("%s: %v", q, err)
	}
}

// copyDir copies a data folder (its files; a closed database has no
// write-ahead log left).
func copyDir(s *suite, from, to string) {
	if err := os.MkdirAll(to, 0o700); err != nil {
		s.fatalf("%v", err)
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		s.fatalf("%v", err)
	}
	for _, e := range entries {
		if e.IsDir() {
			copyDir(s, filepath.Join(from, e.Name()), filepath.Join(to, e.Name()))
			continue
		}
		if err := copyFile(filepath.Join(from, e.Name()), filepath.Join(to, e.Name()), 0o600); err != nil {
			s.fatalf("%v", err)
		}
	}
}
