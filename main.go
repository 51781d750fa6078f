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
	"runtime/debug"
	"sync/atomic"
	"syscall"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/pagekeeper/pagekeeper/assets"
	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/integration/example"
	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/keeper/setup"
	"github.com/pagekeeper/pagekeeper/ui"
	"github.com/pagekeeper/pagekeeper/ui/cli"
)

// fyneAppTOML is the one place the version is written.
//
//go:embed FyneApp.toml
var fyneAppTOML []byte

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	meta := ui.ParseMetadata(fyneAppTOML, assets.Icon)
	o := setup.Options{ExeDir: setup.ExeDir(), Logf: log.Printf, Version: meta.Version}
	fs := flag.NewFlagSet("pagekeeper", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.DataDir, "data-dir", "", "data folder (default: your config folder's Pagekeeper, or its sandbox subfolder)")
	fs.BoolVar(&o.Sandbox, "sandbox", false, "use the built-in pretend Facebook and a separate sandbox data folder")
	fs.BoolVar(&o.AllowKeyFile, "allow-key-file", false, "when no system keyring works, keep the data key in a file only you can read")
	fs.StringVar(&o.FacebookURL, "facebook-url", "", "reach Facebook (login dialog, token endpoint, Graph API) at this address instead: https://…, or http:// on this computer (tests, staging proxies)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: pagekeeper [flags]            open the Pagekeeper window\n%s\nFlags:\n", cli.Usage())
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	switch {
	case *showVersion:
		fmt.Fprintf(stdout, "Pagekeeper %s (build %d)\n", meta.Version, meta.Build)
		return 0
	case fs.Arg(0) == "integration-example":
		return example.Main(fs.Args()[1:], stdout, stderr)
	case fs.NArg() > 0 && cli.IsCommand(fs.Arg(0)):
		return cli.Run(fs.Arg(0), fs.Args()[1:], cli.Env{Stdout: stdout, Stderr: stderr, Setup: o})
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "pagekeeper: unknown command %q (try --help)\n", fs.Arg(0))
		return 2
	}
	return runWindow(meta, o, stderr)
}

func runWindow(meta fyne.AppMetadata, o setup.Options, stderr io.Writer) int {
	// The window lives all day in the tray: a soft limit on the Go heap makes
	// the collector hand memory back instead of keeping a start-up peak.
	debug.SetMemoryLimit(96 << 20)
	app.SetMetadata(meta)
	a := app.NewWithID(meta.ID)
	a.SetIcon(meta.Icon)
	ui.LoadTranslations()

	var session atomic.Pointer[setup.Session]
	w := ui.NewMainWindow(a, ui.Config{
		Sandbox: o.Sandbox,
		Open: func(ctx context.Context, allowKeyFile bool) (*keeper.Keeper, error) {
			so := o
			so.AllowKeyFile = so.AllowKeyFile || allowKeyFile
			s, err := setup.Open(ctx, so)
			if err != nil {
				return nil, err
			}
			session.Store(s)
			return s.Keeper, nil
		},
		SandboxURL: func() string {
			if s := session.Load(); s != nil {
				return s.SandboxURL
			}
			return ""
		},
		SandboxAdminToken: func() token.Token {
			if s := session.Load(); s != nil {
				return s.SandboxAdminToken
			}
			return token.Token{}
		},
		Restore: func(backup string) error {
			dir := o.DataDir
			if dir == "" {
				d, err := setup.DefaultDir(o.Sandbox)
				if err != nil {
					return err
				}
				dir = d
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
	w.Stop()
	if s := session.Load(); s != nil {
		if err := s.Close(); err != nil {
			fmt.Fprintln(stderr, "pagekeeper: closing the data folder:", err)
			return 1
		}
	}
	return 0
}
