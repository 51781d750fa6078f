// Command measure times the window's start (.ci/benchwindow, BENCHMARKS.md):
// it starts the floor (a bare Fyne window with a 10,000-row list) and
// Pagekeeper (with 10,000 Pages in its data folder) in turn — floor, app,
// floor, app… so load on the shared machine falls on both alike — and for
// each start records
//
//   - mapped: start → the window is viewable on the X server (polled every
//     -poll, 10 ms: xdotool's --sync polls only every 500 ms);
//   - shown: start → the program logs "ready: showing N Pages", which both
//     do once the first frame painting the list's rows has been handed to
//     the screen (ui/firstframe); the log line is read from a pipe as it
//     is written;
//   - peak RSS: the kernel's high-water mark of resident memory (VmHWM in
//     /proc/PID/status) -settle after the Pages are shown, so the work a
//     program does after its first frame counts too.
//
// It prints the median, minimum and maximum of each, and Pagekeeper's
// ratio to the floor.
//
//	measure -runs 20 -floor build/floor -app build/pagekeeper -data DIR
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type program struct {
	name, title string
	args        []string
	mapped      []time.Duration
	shown       []time.Duration
	rss         []int // MB
}

func main() {
	runs := flag.Int("runs", 20, "starts of each program")
	poll := flag.Duration("poll", 10*time.Millisecond, "how often the X server is asked for the window")
	settle := flag.Duration("settle", 3*time.Second, "how long after the Pages are shown the peak memory is read")
	floor := flag.String("floor", "", "the floor program")
	app := flag.String("app", "", "the Pagekeeper program; several, comma-separated, to compare builds (each started in turn too)")
	data := flag.String("data", "", "Pagekeeper's data folder (seeded)")
	flag.Parse()
	if *floor == "" || *app == "" || *data == "" {
		fmt.Fprintln(os.Stderr, "usage: measure -floor PROGRAM -app PROGRAM -data DIR [-runs N]")
		os.Exit(2)
	}
	x, err := openDisplay()
	if err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(1)
	}
	defer x.close()
	progs := []*program{{name: "floor", title: "Pagekeeper floor", args: []string{*floor}}}
	apps := strings.Split(*app, ",")
	for _, a := range apps {
		name := "pagekeeper"
		if len(apps) > 1 {
			name = a
		}
		progs = append(progs, &program{name: name, title: "Pagekeeper", args: []string{a, "--sandbox", "--data-dir", *data}})
	}
	load0 := loadavg()
	for i := range *runs {
		for _, p := range progs {
			if err := p.start(x, *poll, *settle); err != nil {
				fmt.Fprintf(os.Stderr, "measure: %s, run %d: %v\n", p.name, i+1, err)
				os.Exit(1)
			}
		}
	}
	fmt.Printf("%d starts each, interleaved; %d CPUs; load average %s before, %s after\n",
		*runs, runtime.NumCPU(), load0, loadavg())
	fmt.Printf("%-11s %-24s %-24s %s\n", "", "mapped ms (med min–max)", "shown ms (med min–max)", "peak RSS MB (med min–max)")
	for _, p := range progs {
		fmt.Printf("%-11s %-24s %-24s %s\n", p.name, spread(ms(p.mapped)), spread(ms(p.shown)), spread(p.rss))
	}
	f := progs[0]
	for _, a := range progs[1:] {
		fmt.Printf("%s / floor (medians): mapped %.2f×, shown %.2f×\n", a.name,
			float64(median(ms(a.mapped)))/float64(median(ms(f.mapped))), float64(median(ms(a.shown)))/float64(median(ms(f.shown))))
	}
	for _, p := range progs {
		fmt.Printf("%s shown, every run: %v\n", p.name, ms(p.shown))
	}
}

// start runs the program once and records its figures.
func (p *program) start(x *display, poll, settle time.Duration) error {
	if x.viewable(p.title) {
		return fmt.Errorf("a window titled %q is already open", p.title)
	}
	cmd := exec.Command(p.args[0], p.args[1:]...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = cmd.Stdout
	ready := make(chan time.Time, 1)
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	var logged strings.Builder
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "ready: showing") {
				select {
				case ready <- time.Now():
				default:
				}
			}
			fmt.Fprintln(&logged, sc.Text())
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		_ = cmd.Wait()
	}()
	var mapped, shown time.Duration
	tick := time.NewTicker(poll)
	defer tick.Stop()
	deadline := time.After(60 * time.Second)
	for mapped == 0 || shown == 0 {
		select {
		case t := <-ready:
			shown = t.Sub(t0)
		case <-tick.C:
			if mapped == 0 && x.viewable(p.title) {
				mapped = time.Since(t0)
			}
		case <-done:
			return fmt.Errorf("ended before showing its Pages:\n%s", logged.String())
		case <-deadline:
			return fmt.Errorf("no window and Pages within a minute:\n%s", logged.String())
		}
	}
	time.Sleep(settle) // the work after the first frame counts towards the peak
	hwm, err := peakRSS(cmd.Process.Pid)
	if err != nil {
		return err
	}
	p.mapped, p.shown, p.rss = append(p.mapped, mapped), append(p.shown, shown), append(p.rss, hwm)
	return nil
}

// peakRSS is the process's high-water mark of resident memory, in MB.
func peakRSS(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

func ms(ds []time.Duration) []int {
	out := make([]int, len(ds))
	for i, d := range ds {
		out[i] = int(d.Milliseconds())
	}
	return out
}

func median(xs []int) int {
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func spread(xs []int) string {
	return fmt.Sprintf("%d (%d–%d)", median(xs), slices.Min(xs), slices.Max(xs))
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:3], " ")
}
