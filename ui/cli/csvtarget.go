package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// writeCSV writes what write produces to the target of `export --csv PATH`:
//
//   - "-" is standard output (stdout);
//   - a regular file, new or existing (also through a symbolic link), is
//     replaced atomically: a temporary file in the same folder is renamed
//     over it once complete, so a failure never leaves half a file where
//     the owner expects a whole one. An existing file keeps its permissions
//     and the link stays a link; a new file is readable only by its owner;
//   - an existing named pipe or character device (/dev/null, a terminal,
//     /dev/stdout) is written into and never replaced: renaming over it would
//     turn /dev/null into a file;
//   - anything else (a folder, a disk, a socket, a link to nothing) is refused
//     with a message saying why.
//
// stream says the CSV went to a stream rather than a file, so the summary
// line must go elsewhere.
func writeCSV(path string, stdout io.Writer, write func(io.Writer) error) (stream bool, err error) {
	if path == "-" {
		return true, write(stdout)
	}
	fi, err := os.Stat(path) // follows links: what matters is what they point to
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, lerr := os.Lstat(path); lerr == nil {
			return false, fmt.Errorf("%s is a link to something that does not exist; give the file itself", path)
		}
		return false, replaceAtomically(path, 0o600, write)
	case err != nil:
		return false, err
	case fi.Mode().IsRegular():
		file, err := filepath.EvalSymlinks(path)
		if err != nil {
			return false, err
		}
		return false, replaceAtomically(file, fi.Mode().Perm(), write)
	case fi.IsDir():
		return false, fmt.Errorf("%s is a folder; give a file name, like %s", path, filepath.Join(path, "pagekeeper.csv"))
	case fi.Mode()&(fs.ModeNamedPipe|fs.ModeCharDevice) != 0:
		return true, writeInto(path, write)
	}
	return false, fmt.Errorf("%s is not a file Pagekeeper can write to (a disk, a socket or another special file); give a file name, or - for standard output", path)
}

// writeInto writes into an existing pipe or device, as a shell's > would,
// without creating, truncating or replacing it.
func writeInto(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if fi, err := f.Stat(); err != nil || fi.Mode().IsRegular() {
		f.Close()
		return fmt.Errorf("%s changed while Pagekeeper opened it; try again", path)
	}
	return errors.Join(write(f), f.Close())
}

// replaceAtomically writes a temporary file next to path and renames it over
// path once it is complete and on disk.
func replaceAtomically(path string, perm fs.FileMode, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".pagekeeper-export-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) { // its path is the temporary name, which means nothing to the owner
			err = pe.Err
		}
		return fmt.Errorf("cannot write a file in %s: %w", dir, err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	if err := errors.Join(tmp.Chmod(perm), write(tmp)); err != nil {
		tmp.Close()
		return err
	}
	if err := errors.Join(tmp.Sync(), tmp.Close()); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
