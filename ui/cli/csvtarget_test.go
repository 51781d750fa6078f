package cli

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rows is what every test exports.
func rows(w io.Writer) error {
	_, err := io.WriteString(w, rowsCSV)
	return err
}

const rowsCSV = "record,page_name\npage,Sunrise Café\n"

// noLeftovers: no temporary export file is left in dir.
func noLeftovers(t *testing.T, dir string) {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join(dir, ".pagekeeper-export-*"))
	if len(left) > 0 {
		t.Fatalf("temporary files left behind: %v", left)
	}
}

func TestExportToANewFileIsOnlyTheOwners(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pages.csv")
	stream, err := writeCSV(path, nil, rows)
	if err != nil || stream {
		t.Fatalf("stream %v, err %v", stream, err)
	}
	got, _ := os.ReadFile(path)
	fi, _ := os.Stat(path)
	if string(got) != rowsCSV || fi.Mode() != 0o600 {
		t.Fatalf("%s (%v):\n%s", path, fi.Mode(), got)
	}
	noLeftovers(t, dir)
}

func TestExportReplacesAFileWholeAndKeepsItsPermissions(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pages.csv")
	if err := os.WriteFile(path, []byte("the previous export, much longer than the new one\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil { // whatever the umask
		t.Fatal(err)
	}
	if _, err := writeCSV(path, nil, rows); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	fi, _ := os.Stat(path)
	if string(got) != rowsCSV || fi.Mode() != 0o640 {
		t.Fatalf("%v:\n%s", fi.Mode(), got)
	}

	// A failure half-way leaves the previous file as it was.
	boom := errors.New("the disk is full")
	_, err := writeCSV(path, nil, func(w io.Writer) error {
		_, _ = io.WriteString(w, "half")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != rowsCSV {
		t.Fatalf("a failed export changed the file:\n%s", got)
	}
	noLeftovers(t, dir)
}

func TestExportThroughALinkReplacesTheFileAndKeepsTheLink(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "real.csv")
	link := filepath.Join(dir, "latest.csv")
	if err := os.WriteFile(file, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.csv", link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if _, err := writeCSV(link, nil, rows); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", fi.Mode(), err)
	}
	if got, _ := os.ReadFile(file); string(got) != rowsCSV {
		t.Fatalf("the file behind the link:\n%s", got)
	}
	noLeftovers(t, dir)
}

func TestExportToStandardOutput(t *testing.T) {
	var out bytes.Buffer
	stream, err := writeCSV("-", &out, rows)
	if err != nil || !stream || out.String() != rowsCSV {
		t.Fatalf("stream %v, err %v:\n%s", stream, err, out.String())
	}
}

func TestExportRefusesWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	dangling := filepath.Join(dir, "dangling.csv")
	if err := os.Symlink(filepath.Join(dir, "nothing-here"), dangling); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	for _, c := range []struct{ path, says string }{
		{dir, "is a folder; give a file name, like " + filepath.Join(dir, "pagekeeper.csv")},
		{dangling, "is a link to something that does not exist"},
		{filepath.Join(dir, "no-such-folder", "pages.csv"), "cannot write a file in " + filepath.Join(dir, "no-such-folder")},
	} {
		_, err := writeCSV(c.path, nil, rows)
		if err == nil || !strings.Contains(err.Error(), c.says) || strings.Contains(err.Error(), ".pagekeeper-export-") {
			t.Errorf("%s: err %v, want it to say %q", c.path, err, c.says)
		}
	}
	if fi, err := os.Lstat(dangling); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the dangling link was replaced")
	}
	noLeftovers(t, dir)
}
