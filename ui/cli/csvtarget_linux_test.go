package cli

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// readAll reads r in the background, as the other end of a pipe would.
func readAll(r io.Reader) <-chan string {
	got := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(r)
		got <- string(b)
	}()
	return got
}

func receive(t *testing.T, got <-chan string) string {
	t.Helper()
	select {
	case s := <-got:
		return s
	case <-time.After(30 * time.Second):
		t.Fatal("the reader never got to the end")
		return ""
	}
}

// devNull is /dev/null, or as root a private one: there a regression would
// replace the machine's own /dev/null (elsewhere /dev is not ours to write).
func devNull(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		return os.DevNull
	}
	null := filepath.Join(t.TempDir(), "null")
	if err := unix.Mknod(null, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Skip("cannot make a private /dev/null:", err)
	}
	f, err := os.OpenFile(null, os.O_WRONLY, 0)
	if err != nil {
		t.Skip("a private /dev/null does not open here (nodev?):", err)
	}
	f.Close()
	return null
}

func TestExportIntoDevNullLeavesItADevice(t *testing.T) {
	null := devNull(t)
	stream, err := writeCSV(null, nil, rows)
	if err != nil || !stream {
		t.Fatalf("stream %v, err %v", stream, err)
	}
	fi, err := os.Stat(null)
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("%s is now %v", null, fi.Mode())
	}
	noLeftovers(t, filepath.Dir(null))
}

func TestExportIntoANamedPipe(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pages.fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() { // opening blocks until the writer opens its end, as with cat
		f, err := os.Open(fifo)
		if err != nil {
			got <- err.Error()
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- string(b)
	}()
	stream, err := writeCSV(fifo, nil, rows)
	if err != nil || !stream {
		if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			f.Close() // lets the reader finish
		}
		t.Fatalf("stream %v, err %v", stream, err)
	}
	if s := receive(t, got); s != rowsCSV {
		t.Fatalf("the reader got:\n%s", s)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the pipe is now %v", fi.Mode())
	}
	noLeftovers(t, dir)
}

// A link to standard output, as /dev/stdout is when the output goes into a
// pipe (| gzip): the pipe gets the CSV and the link stays.
func TestExportThroughALinkToStandardOutput(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	dir := t.TempDir()
	stdout := filepath.Join(dir, "stdout")
	target := "/proc/self/fd/" + strconv.Itoa(int(w.Fd()))
	if err := os.Symlink(target, stdout); err != nil {
		t.Fatal(err)
	}
	got := readAll(r)
	stream, err := writeCSV(stdout, nil, rows)
	w.Close() // the reader sees the end once every writer is closed
	if err != nil || !stream {
		t.Fatalf("stream %v, err %v", stream, err)
	}
	if s := receive(t, got); s != rowsCSV {
		t.Fatalf("the pipe got:\n%s", s)
	}
	if link, err := os.Readlink(stdout); err != nil || link != target {
		t.Fatalf("the link now says %q (%v)", link, err)
	}
	noLeftovers(t, dir)
}

func TestExportRefusesASocket(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "s")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Skip("no unix sockets:", err)
	}
	defer ln.Close()
	if _, err := writeCSV(sock, nil, rows); err == nil || !strings.Contains(err.Error(), "is not a file Pagekeeper can write to") {
		t.Fatalf("err %v", err)
	}
}
