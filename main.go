// Command pagekeeper keeps a business's Facebook Pages connected to its
// Messenger integration: a window for page owners, and headless commands for
// account managers and monitoring. main only parses flags and wires packages;
// it is the one importer of fyne.io/fyne/v2/app.
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/pagekeeper/pagekeeper/assets"
	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/store"
	"github.com/pagekeeper/pagekeeper/ui"
)

// fyneAppTOML is the one place the version is written.
//
//go:embed FyneApp.toml
var fyneAppTOML []byte

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// globals are the flags every command understands.
type globals struct {
	dataDir      string
	sandbox      bool
	allowKeyFile bool
}

func (g *globals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.dataDir, "data-dir", "", "data folder (default: your config folder's Pagekeeper, or its sandbox subfolder)")
	fs.BoolVar(&g.sandbox, "sandbox", false, "use the built-in pretend Facebook and a separate sandbox data folder")
	fs.BoolVar(&g.allowKeyFile, "allow-key-file", false, "when no system keyring works, keep the data key in a file only you can read")
}

// dir is the data folder these flags select.
func (g *globals) dir() (string, error) {
	if g.dataDir != "" {
		return g.dataDir, nil
	}
	d, err := store.DefaultDir()
	if err != nil {
		return "", err
	}
	if g.sandbox {
		d = filepath.Join(d, "sandbox")
	}
	return d, nil
}

// keeperOptions: the sandbox agrees for itself to a key file and never
// touches the real keyring, so practising cannot disturb real credentials.
func (g *globals) keeperOptions(allowKeyFile bool) (keeper.Options, error) {
	dir, err := g.dir()
	if err != nil {
		return keeper.Options{}, err
	}
	o := keeper.Options{Dir: dir, AllowKeyFile: allowKeyFile || g.allowKeyFile}
	if g.sandbox {
		o.Keyring, o.AllowKeyFile = sandboxKeyring{}, true
	}
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	meta := ui.ParseMetadata(fyneAppTOML, assets.Icon)
	var g globals
	fs := flag.NewFlagSet("pagekeeper", flag.ContinueOnError)
	fs.SetOutput(stderr)
	g.register(fs)
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: pagekeeper [flags]            open the Pagekeeper window\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *showVersion {
		fmt.Fprintf(stdout, "Pagekeeper %s (build %d)\n", meta.Version, meta.Build)
		return 0
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "pagekeeper: unknown command %q (try --help)\n", fs.Arg(0))
		return 2
	}
	return runWindow(meta, g, stderr)
}

func runWindow(meta fyne.AppMetadata, g globals, stderr io.Writer) int {
	app.SetMetadata(meta)
	a := app.NewWithID(meta.ID)
	a.SetIcon(meta.Icon)
	ui.LoadTranslations()

	w := ui.NewMainWindow(a, ui.Config{
		Sandbox: g.sandbox,
		Open: func(ctx context.Context, allowKeyFile bool) (*keeper.Keeper, error) {
			o, err := g.keeperOptions(allowKeyFile)
			if err != nil {
				return nil, err
			}
			return keeper.Open(ctx, o)
		},
		Restore: func(backup string) error {
			dir, err := g.dir()
			if err != nil {
				return err
			}
			return keeper.RestoreBackup(dir, backup)
		},
		Opened: func(pages int, err error) {
			if err != nil {
				log.Printf("could not open the data folder: %v", err)
				return
			}
			log.Printf("ready: showing %d Pages", pages)
		},
	})

	// SIGTERM/SIGINT end the app as a window close would: cleanly.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sig
		fyne.Do(a.Quit)
	}()

	w.Window.ShowAndRun()
	if k := w.Keeper(); k != nil {
		if err := k.Close(); err != nil {
			fmt.Fprintln(stderr, "pagekeeper: closing the data folder:", err)
			return 1
		}
	}
	return 0
}

// sandboxKeyring is the sandbox's keyring: none, so the store uses its key
// file (which the sandbox agrees to) and the real keyring is never touched.
type sandboxKeyring struct{}

var errNoSandboxKeyring = errors.New("the sandbox does not use the system keyring")

func (sandboxKeyring) Get(string, string) (string, error) { return "", errNoSandboxKeyring }
func (sandboxKeyring) Set(string, string, string) error   { return errNoSandboxKeyring }
func (sandboxKeyring) Delete(string, string) error        { return errNoSandboxKeyring }
