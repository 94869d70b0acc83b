// Command overhead measures what leakhound's instrumented standard library
// and tracker cost a program: it builds ./overhead/workload twice, plainly
// and through "leakhound run", runs both at once and asks them, alternately,
// to time the same operations with testing.Benchmark. It prints the median
// time of each operation in each build, their ratio instrumented/plain (the
// median of the ratios of the rounds) with its goal, and the heap bytes the
// tracker keeps per open resource. A "work" line per operation counts its
// read and write system calls and the goroutines it starts in each build:
// the instrumentation must not change them.
//
//	cd bench && go run ./overhead -d 300ms -rounds 5
//
// With -base DIR it also runs the workload of another source tree (a
// checkout of an earlier commit) under the leakhound built from it,
// measured in the same rounds, so that a change is timed against its base
// on the same machine at the same moment. With -untracked it also runs the
// instrumented workload with the tracker left out (LEAKHOUND_TRACKER=off),
// which separates the cost of the patched standard library from that of
// the tracker.
//
// Each round runs every build in -procs new processes at once, and a
// round's time of a build is the median of its processes' measurements: a
// process keeps for its whole life a speed of its own (two processes of one
// binary differ by up to 10% on HTTP/2 round trips, round after round),
// which more rounds of the same process cannot average out, so each round
// samples new ones.
//
// On Go 1.26 the plain build gets the GOEXPERIMENT leakhound run turns on
// (goroutineleakprofile), so that the ratios measure the instrumentation
// alone.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/leakhound/leakhound/bench/internal/gobuild"
)

// ops are the timed operations with the largest acceptable ratio
// instrumented/plain.
var ops = []struct {
	name, desc string
	goal       float64
}{
	{"dial", "loopback TCP dial + close", 1.10},
	{"http", "HTTP GET round trip over loopback", 1.10},
	{"h2", "HTTP/2 GET round trip over loopback (TLS)", 1.10},
	{"open", "os.Open + Close", 1.50},
}

func main() {
	log.SetFlags(0)
	d := flag.Duration("d", 300*time.Millisecond, "benchmark time of one measurement")
	rounds := flag.Int("rounds", 5, "measurements of each operation in each build")
	files := flag.Int("files", 1000, "files held open to measure memory per tracked resource")
	root := flag.String("root", "..", "leakhound's source directory")
	base := flag.String("base", "", "also measure the leakhound of this source `directory` (a checkout of an earlier commit)")
	untracked := flag.Bool("untracked", false, "also measure the instrumented workload with the tracker left out")
	procs := flag.Int("procs", 3, "new processes of each build in each round, run at once")
	flag.Parse()
	if *d <= 0 || *d > 10*time.Second || *rounds < 1 || *rounds > 50 || *files < 1 || *files > 10000 || *procs < 1 || *procs > 9 {
		log.Fatal("bad flags: need 0 < -d <= 10s, 1 <= -rounds <= 50, 1 <= -files <= 10000, 1 <= -procs <= 9")
	}
	if err := run(*d, *rounds, *files, *procs, *root, *base, *untracked); err != nil {
		log.Fatal(err)
	}
}

func run(d time.Duration, rounds, files, procs int, root, base string, untracked bool) error {
	tmp, err := os.MkdirTemp("", "leakhound-overhead-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	leakhound := filepath.Join(tmp, "leakhound")
	if err := gobuild.Build(root, leakhound, "./cmd/leakhound"); err != nil {
		return err
	}
	plainBin := filepath.Join(tmp, "workload")
	if err := gobuild.Build(".", plainBin, "./overhead/workload"); err != nil {
		return err
	}
	plain := newBuild("plain", false, func() *exec.Cmd { return exec.Command(plainBin) })
	inst := newBuild("instrumented", true, func() *exec.Cmd { return exec.Command(leakhound, "run", "./overhead/workload") })
	builds := []*build{plain, inst}
	if base != "" {
		baseBin := filepath.Join(tmp, "leakhound-base")
		if err := gobuild.Build(base, baseBin, "./cmd/leakhound"); err != nil {
			return err
		}
		// The workload of the base tree, which imports that tree's tracker
		// (a tracker and a runtime from two trees may not fit). The
		// instrumented GOROOTs of both share the cache: it is keyed by the
		// patches and the tracker's sources.
		builds = append(builds, newBuild("base", true, func() *exec.Cmd {
			cmd := exec.Command(baseBin, "run", "./overhead/workload")
			cmd.Dir = filepath.Join(base, "bench")
			return cmd
		}))
	}
	if untracked {
		builds = append(builds, newBuild("untracked", true, func() *exec.Cmd {
			cmd := exec.Command(leakhound, "run", "./overhead/workload")
			cmd.Env = append(os.Environ(), "LEAKHOUND_TRACKER=off")
			return cmd
		}))
	}

	arg := d.String()
	var goVersion string
	for i := range rounds {
		if err := startAll(builds, procs); err != nil {
			return err
		}
		goVersion = inst.procs[0].hello.Go
		if err := measureRound(builds, i, arg); err != nil {
			stopAll(builds)
			return err
		}
		if err := stopAll(builds); err != nil {
			return err
		}
	}

	fmt.Printf("%s, %d rounds of %s per operation and build, each round in %d new processes per build\n\n", goVersion, rounds, d, procs)
	fmt.Printf("%-34s %-4s %10s", "operation", "time", "plain")
	for _, b := range builds[1:] {
		fmt.Printf(" %12s %7s", b.name, "ratio")
	}
	fmt.Printf(" %5s\n", "goal")
	for _, op := range ops {
		row(op.desc, "wall", builds, func(b *build) []float64 { return b.ops[op.name].wall }, op.goal)
		row("", "cpu", builds, func(b *build) []float64 { return b.ops[op.name].cpu }, op.goal)
		fmt.Printf("%-34s %-4s %8.0f B", "", "heap", plain.ops[op.name].bytes)
		for _, b := range builds[1:] {
			fmt.Printf(" %10.0f B %7s", b.ops[op.name].bytes, "")
		}
		fmt.Println()
		// The same work in every build: system calls and goroutines started
		// per operation are counts, exact however loaded the machine.
		fmt.Printf("%-34s %-4s %10s", "", "work", plain.ops[op.name].work())
		for _, b := range builds[1:] {
			fmt.Printf(" %12s %7s", b.ops[op.name].work(), "")
		}
		fmt.Println()
	}
	return heldMemory([]*build{plain, inst}, rounds, files)
}

// measureRound times every operation in the running processes of builds:
// each process first runs it once to warm up, then each build is measured
// in turn, starting with the next build each round so that none is always
// timed first.
func measureRound(builds []*build, round int, arg string) error {
	for _, op := range ops {
		command := op.name + " " + arg
		for _, b := range builds {
			for _, w := range b.procs {
				if _, err := w.ask(command); err != nil {
					return err
				}
			}
		}
		for j := range builds {
			if err := builds[(round+j)%len(builds)].measure(op.name, command); err != nil {
				return err
			}
		}
	}
	return nil
}

// heldMemory prints the live heap per open file of the first two builds
// (plain and instrumented), in one new process each.
func heldMemory(builds []*build, rounds, files int) error {
	if err := startAll(builds, 1); err != nil {
		return err
	}
	perFile := make([][]float64, len(builds))
	for range rounds {
		for i, b := range builds {
			r, err := b.procs[0].ask(fmt.Sprintf("mem %d", files))
			if err != nil {
				stopAll(builds)
				return err
			}
			perFile[i] = append(perFile[i], r.BytesPerOp)
		}
	}
	p, in := median(perFile[0]), median(perFile[1])
	fmt.Printf("\nlive heap per open os.File (%d held): plain %.0f B, instrumented %.0f B: the tracker keeps %.0f B per tracked resource\n",
		files, p, in, in-p)
	return stopAll(builds)
}

// row prints the medians of one operation's measurements (wall or CPU
// time) in every build, the ratio of each to plain, and the verdict of the
// instrumented build against the goal. A ratio is the median of the ratios
// of the rounds, each taken between measurements made one after the
// other: the load of the machine, which drifts, disturbs it less than the
// ratio of the medians.
func row(desc, what string, builds []*build, times func(*build) []float64, goal float64) {
	plain := times(builds[0])
	fmt.Printf("%-34s %-4s %8.0fns", desc, what, median(plain))
	var verdict string
	for i, b := range builds[1:] {
		ratios := make([]float64, len(plain))
		for j, t := range times(b) {
			ratios[j] = t / plain[j]
		}
		ratio := median(ratios)
		fmt.Printf(" %10.0fns %6.3fx", median(times(b)), ratio)
		if i == 0 {
			verdict = "ok"
			if ratio > goal {
				verdict = "MISSED"
			}
		}
	}
	fmt.Printf(" %4.2fx %s\n", goal, verdict)
}

// build is one build of the workload. Each round runs it in new processes:
// a process keeps a speed of its own for its whole life, so only new
// processes sample it.
type build struct {
	name         string
	instrumented bool
	cmd          func() *exec.Cmd // a new command running the build
	procs        []*worker        // the processes of the current round
	ops          map[string]*timings
}

// timings are the measurements of one operation in one build.
type timings struct {
	// wall and cpu hold one time per round: the median of the round's
	// processes.
	wall, cpu []float64
	bytes     float64
	// syscalls and goroutines count the read and write system calls and
	// the goroutines started per operation in the last measurement.
	syscalls, goroutines float64
}

// work formats the system calls and goroutines of one operation of the
// last measurement: "6.0rw 4.0go" is 6 read and write system calls and 4
// goroutines started.
func (t *timings) work() string {
	return fmt.Sprintf("%.1frw %.1fgo", t.syscalls, t.goroutines)
}

func newBuild(name string, instrumented bool, cmd func() *exec.Cmd) *build {
	b := &build{name: name, instrumented: instrumented, cmd: cmd, ops: map[string]*timings{}}
	for _, op := range ops {
		b.ops[op.name] = &timings{}
	}
	return b
}

// startAll starts n new processes of each build, all at once.
func startAll(builds []*build, n int) error {
	type started struct {
		b   *build
		w   *worker
		err error
	}
	ch := make(chan started)
	for _, b := range builds {
		b.procs = nil
		for i := range n {
			go func() {
				w, err := start(fmt.Sprintf("%s #%d", b.name, i+1), b.cmd(), b.instrumented)
				ch <- started{b, w, err}
			}()
		}
	}
	var errs []error
	for range len(builds) * n {
		s := <-ch
		if s.err != nil {
			errs = append(errs, s.err)
			continue
		}
		s.b.procs = append(s.b.procs, s.w)
	}
	if err := errors.Join(errs...); err != nil {
		stopAll(builds)
		return err
	}
	return nil
}

// stopAll ends the processes of builds.
func stopAll(builds []*build) error {
	var errs []error
	for _, b := range builds {
		for _, w := range b.procs {
			errs = append(errs, w.stop())
		}
		b.procs = nil
	}
	return errors.Join(errs...)
}

// measure asks each process of b, one after the other, to time command
// (operation op), and records the round's medians.
func (b *build) measure(op, command string) error {
	var wall, cpu []float64
	t := b.ops[op]
	for _, w := range b.procs {
		r, err := w.ask(command)
		if err != nil {
			return err
		}
		wall, cpu = append(wall, r.NsPerOp), append(cpu, r.CPUNsPerOp)
		t.bytes, t.syscalls, t.goroutines = r.BytesPerOp, r.SyscallsPerOp, r.GoroutinesPerOp
	}
	t.wall, t.cpu = append(t.wall, median(wall)), append(t.cpu, median(cpu))
	return nil
}

// worker is one running process of a build.
type worker struct {
	name   string
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Scanner
	stderr strings.Builder
	hello  result
	done   bool
}

// result is the workload's answer (see workload.Result).
type result struct {
	Op         string  `json:"op"`
	NsPerOp    float64 `json:"ns_per_op"`
	CPUNsPerOp float64 `json:"cpu_ns_per_op"`
	BytesPerOp float64 `json:"bytes_per_op"`
	// SyscallsPerOp and GoroutinesPerOp count the read and write system
	// calls and the goroutines started per operation.
	SyscallsPerOp   float64 `json:"syscalls_per_op"`
	GoroutinesPerOp float64 `json:"goroutines_per_op"`
	Instrumented    bool    `json:"instrumented"`
	Go              string  `json:"go"`
	Error           string  `json:"error"`
}

// start starts a workload and checks that it runs on the instrumented
// standard library, or not.
func start(name string, cmd *exec.Cmd, instrumented bool) (*worker, error) {
	w := &worker{name: name, cmd: cmd}
	cmd.Stderr = &w.stderr
	var err error
	if w.in, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	w.out = bufio.NewScanner(stdout)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the %s workload: %w", name, err)
	}
	if w.hello, err = w.read(); err != nil {
		w.stop()
		return nil, err
	}
	if w.hello.Instrumented != instrumented {
		w.stop()
		return nil, fmt.Errorf("%s workload: instrumented %v, want %v", name, w.hello.Instrumented, instrumented)
	}
	return w, nil
}

// ask sends one command and reads the answer.
func (w *worker) ask(command string) (result, error) {
	if _, err := fmt.Fprintln(w.in, command); err != nil {
		return result{}, fmt.Errorf("%s workload: %w", w.name, err)
	}
	return w.read()
}

func (w *worker) read() (result, error) {
	if !w.out.Scan() {
		return result{}, fmt.Errorf("%s workload ended: %v\n%s", w.name, w.out.Err(), w.stderr.String())
	}
	var r result
	if err := json.Unmarshal(w.out.Bytes(), &r); err != nil {
		return result{}, fmt.Errorf("%s workload: %w: %s", w.name, err, w.out.Bytes())
	}
	if r.Error != "" {
		return result{}, fmt.Errorf("%s workload: %s", w.name, r.Error)
	}
	return r, nil
}

// stop ends the workload and reports a failed exit (for the instrumented
// one, leakhound's exit status 1 means it found leaks in the workload).
func (w *worker) stop() error {
	if w.done {
		return nil
	}
	w.done = true
	w.in.Close()
	if err := w.cmd.Wait(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return fmt.Errorf("%s workload: exit status %d\n%s", w.name, exit.ExitCode(), w.stderr.String())
		}
		return err
	}
	return nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
