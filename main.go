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
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/pagekeeper/pagekeeper/assets"
	"github.com/pagekeeper/pagekeeper/integration/example"
	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/sandbox"
	"github.com/pagekeeper/pagekeeper/ui"
	"github.com/pagekeeper/pagekeeper/ui/cli"
)

// fyneAppTOML is the one place the version is written.
//
//go:embed FyneApp.toml
var fyneAppTOML []byte

// sandboxServer is the command that serves the pretend Facebook alone; it
// needs no data folder, so the sandbox package runs it.
const sandboxServer = "sandbox-server"

// integrationExample is the example integration (integration/example): an
// integrator's reference receiver, with its own flags and files.
const integrationExample = "integration-example"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	meta := ui.ParseMetadata(fyneAppTOML, assets.Icon)
	o := keeper.Options{ExeDir: keeper.ExeDir(), Logf: log.Printf, Version: meta.Version, SandboxIntegration: startSandboxBot}
	fs := flag.NewFlagSet("pagekeeper", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.Dir, "data-dir", "", "data folder (default: your config folder's Pagekeeper, or its sandbox subfolder)")
	fs.BoolVar(&o.Sandbox, "sandbox", false, "use the built-in pretend Facebook and a separate sandbox data folder")
	fs.BoolVar(&o.AllowKeyFile, "allow-key-file", false, "when no system keyring works, keep the data key in a file only you can read")
	fs.StringVar(&o.FacebookURL, "facebook-url", "", "reach Facebook (login dialog, token endpoint, Graph API) at this address instead: https://…, or http:// on this computer (tests, staging proxies)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: pagekeeper [flags]            open the Pagekeeper window\n%s  pagekeeper %-15s %s\n  pagekeeper %-15s %s\nFlags:\n",
			cli.Usage(), sandboxServer, "serve the pretend Facebook on a local address for practice and tests",
			integrationExample, "run the example integration that receives Pagekeeper's events (docs/INTEGRATION.md)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cli.ExitOK
		}
		return cli.ExitUsage
	}
	switch cmd := fs.Arg(0); {
	case *showVersion:
		fmt.Fprintf(stdout, "Pagekeeper %s (build %d)\n", meta.Version, meta.Build)
		return cli.ExitOK
	case cmd == sandboxServer:
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return sandbox.Main(ctx, fs.Args()[1:], stdout, stderr)
	case cmd == integrationExample:
		return example.Main(fs.Args()[1:], stdout, stderr)
	case cli.IsCommand(cmd):
		return cli.Run(cmd, fs.Args()[1:], cli.Env{Stdout: stdout, Stderr: stderr, Stdin: os.Stdin, Keeper: o})
	case cmd != "":
		fmt.Fprintf(stderr, "pagekeeper: unknown command %q (try --help)\n", cmd)
		return cli.ExitUsage
	}
	return runWindow(meta, o, stderr)
}

// startSandboxBot runs the example integration in this process for the
// sandbox (keeper may not import integration/example; main wires it).
func startSandboxBot(_ context.Context, c keeper.SandboxIntegrationConfig) (keeper.SandboxIntegrationServer, error) {
	srv, err := example.Start(example.Config{
		KeyFile: filepath.Join(c.Dir, "key.txt"), SecretFile: filepath.Join(c.Dir, "secret.txt"),
		AppSecret: c.AppSecret, VerifyToken: c.VerifyToken, GraphURL: c.GraphURL,
		Log: log.New(logfWriter(c.Logf), "Sandbox Bot: ", 0)})
	if err != nil {
		return keeper.SandboxIntegrationServer{}, err
	}
	return keeper.SandboxIntegrationServer{URL: srv.DeliveryURL(), WebhookURL: srv.WebhookURL(), Recipient: srv.Recipient,
		Secret: srv.Secret, Close: srv.Close}, nil
}

// logfWriter hands each line written to it to logf.
type logfWriter func(format string, args ...any)

func (f logfWriter) Write(p []byte) (int, error) {
	if f != nil {
		f("%s", strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

// startupGC has the collector wait, while the window starts, until the Go
// heap nears startupHeapLimit, instead of running at each doubling of a
// heap that grows from nothing to ~50 MB (the fonts, the Pages: most of it
// kept): with 10,000 Pages they are on screen ~40 ms sooner
// (BENCHMARKS.md). settle puts the all-day policy in place, once: the
// window lives all day in the tray, and a soft limit on the heap makes the
// collector hand memory back instead of keeping a peak.
func startupGC() (settle func()) {
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(startupHeapLimit)
	return sync.OnceFunc(func() {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(96 << 20)
	})
}

const (
	startupHeapLimit = 56 << 20
	startupGCFor     = 10 * time.Second
)

func runWindow(meta fyne.AppMetadata, o keeper.Options, stderr io.Writer) int {
	settleGC := startupGC()
	time.AfterFunc(startupGCFor, settleGC) // if no Pages are ever shown (a hidden start, a problem screen)
	app.SetMetadata(meta)
	a := app.NewWithID(meta.ID)
	a.SetIcon(meta.Icon)

	w := ui.NewMainWindow(a, ui.Config{
		Keeper: o,
		Opened: func(_ int, err error) {
			if err != nil {
				settleGC()
				log.Printf("could not open the data folder: %v", err)
			}
		},
		// Once the Pages are on screen (the benchmark's "Pages shown").
		Shown: func(pages int) {
			settleGC()
			log.Printf("ready: showing %d Pages", pages)
		},
		// Pagekeeper's shutdown does not depend on Fyne's (ui.Shutdown).
		Exit: os.Exit,
		Logf: log.Printf,
	})

	// SIGTERM/SIGINT end the app as Quit does: the data folder first.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sig
		w.Shutdown()
	}()

	w.Window.ShowAndRun()
	if err := w.Close(); err != nil {
		fmt.Fprintln(stderr, "pagekeeper: closing the data folder:", err)
		return cli.ExitFailed
	}
	return cli.ExitOK
}
