// Package runcmd implements `leakhound run` and `leakhound test`: it builds a
// program or test binary with an instrumented standard library (see
// internal/instrument) and the tracker package linked in (see track), runs
// it, and reports the leaks it finds while it runs and when it ends.
package runcmd

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/leakhound/leakhound/internal/cmdutil"
	"github.com/leakhound/leakhound/internal/config"
	"github.com/leakhound/leakhound/internal/policy"
	"github.com/leakhound/leakhound/report"
	"github.com/leakhound/leakhound/track"
)

const runUsage = `usage: leakhound run [flags] <main package dir or .go files> [-- program args]

Builds the program with an instrumented standard library and runs it, passing
standard input and output, signals (SIGTERM, SIGHUP) and the exit status
through. Each file, socket or response body the garbage collector closes
because the program never did, and each sql.Rows, Stmt, Tx or Conn that
became unreachable without Close, Commit or Rollback, is printed on stderr
as it happens, with the stack that opened it; so is a sql.Conn or sql.Tx
held out of its pool longer than -held, and a finalizer queue that keeps
growing. When the program ends (main returns, os.Exit, or a fatal SIGINT,
SIGTERM or SIGHUP) leakhound reports the resources still open, a blocked
finalizer, and the goroutines the garbage collector proves leaked, with the
heap memory each group of them keeps alive (retained_bytes; see -retained).

With -baseline FILE, the leaks the baseline lists are reported as known and
do not count; -write-baseline FILE writes the leaks of this run as a baseline.
The ignore rules and thresholds of .leakhound.yaml (or -config FILE) apply:
see docs/config.md.

Exit status: 1 when leaks were found (but known ones), else the program's
own status; 2 when leakhound itself failed.

Flags:
`

// Run implements `leakhound run` with args (the words after "run").
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	jsonOut := fs.String("json", "", "write the JSON report (leakhound.report/v1) to `FILE`; \"-\" for stdout")
	htmlOut := fs.String("html", "", "write the HTML report to `FILE`; \"-\" for stdout")
	tags := fs.String("tags", "", "build `tags` passed to go build")
	retained := retainedFlag(fs)
	held := heldFlag(fs)
	set := settingsFlags(fs, policy.ModeRun)
	if helped, err := cmdutil.Parse(fs, args, runUsage, stdout); helped || err != nil {
		return err
	}
	if err := cmdutil.CheckStdout(cmdutil.Output{Flag: "-json", Path: *jsonOut}, cmdutil.Output{Flag: "-html", Path: *htmlOut}, cmdutil.Output{Flag: "-write-baseline", Path: set.Baseline.Write}); err != nil {
		return err
	}
	if err := checkHeld(*held); err != nil {
		return err
	}
	targets, progArgs := splitArgs(fs.Args())
	if len(targets) == 0 {
		return cmdutil.Usagef("no program given: run \"leakhound run <main package dir or .go files>\"")
	}
	if err := set.load(fs, config.StartDir(targets), held, retained); err != nil {
		return err
	}
	bin, b, err := buildProgram(targets, *tags)
	if b != nil {
		defer b.cleanup()
	}
	if err != nil {
		return err
	}
	reportPath := filepath.Join(b.work, "report.jsonl")
	policyEnv, err := b.writePolicy(set.Policy)
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, progArgs...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	cmd.Env = append(os.Environ(), track.EnvReport+"="+reportPath, track.EnvSignals+"=1", retainedEnv(*retained), heldEnv(*held))
	cmd.Env = append(cmd.Env, policyEnv...)
	code, err := runForwardingSignals(cmd)
	if err != nil {
		return fmt.Errorf("run the program: %w", err)
	}
	res, final, err := readReport(reportPath, b.env.GOVERSION, report.ModeRun)
	if err != nil {
		return err
	}
	if !final {
		res.notes = append(res.notes, "the program ended without running leakhound's exit report (crash, unhandled panic or SIGKILL): only resources closed by the garbage collector are reported")
	}
	failing, err := finish(res, set, *jsonOut, *htmlOut, stdout, stderr)
	if err != nil {
		return err
	}
	if len(failing) > 0 {
		return cmdutil.ErrFindings
	}
	if code != 0 {
		return &cmdutil.ProgramExit{Code: code}
	}
	return nil
}

// heldFlag defines -held, the held-too-long threshold of run and test.
func heldFlag(fs *flag.FlagSet) *time.Duration {
	return fs.Duration("held", track.DefaultHeld, "report a sql.Conn or sql.Tx kept out of its pool longer than `DURATION` as held-too-long (0: never)")
}

func checkHeld(d time.Duration) error {
	if d < 0 {
		return cmdutil.Usagef("-held %v is negative: give a duration such as 30s, or 0 to turn the check off", d)
	}
	return nil
}

// heldEnv passes the held-too-long threshold to the tracker.
func heldEnv(d time.Duration) string { return track.EnvHeld + "=" + d.String() }

// splitArgs splits the words after the flags at the first "--".
func splitArgs(args []string) (before, after []string) {
	for i, a := range args {
		if a == "--" {
			return args[:i], args[i+1:]
		}
	}
	return args, nil
}

// buildProgram builds the main package or .go files targets with the
// instrumented standard library and the tracker, and returns the binary.
func buildProgram(targets []string, tags string) (string, *build, error) {
	b, err := newBuild(".")
	if err != nil {
		return "", nil, err
	}
	pkgs, err := goList(".", targets...)
	if err != nil {
		return "", b, err
	}
	if len(pkgs) != 1 || pkgs[0].Name != "main" {
		return "", b, cmdutil.Usagef("%s is not one main package: give the directory of a main package or its .go files", strings.Join(targets, " "))
	}
	overlay, added, err := b.mainFile(pkgs[0])
	if err != nil {
		return "", b, err
	}
	bin := filepath.Join(b.work, "program")
	args := []string{"build", "-overlay", overlay, "-o", bin}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	if strings.HasSuffix(targets[0], ".go") {
		args = append(append(args, targets...), added)
	} else {
		args = append(args, targets...)
	}
	cmd := b.goCommand(args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", b, fmt.Errorf("build the instrumented program: %s", strings.TrimSpace(string(out)))
	}
	return bin, b, nil
}

// runForwardingSignals runs cmd, forwards SIGTERM and SIGHUP to it, and
// returns its exit status (128+signal when a signal killed it). SIGINT is not
// forwarded: from a terminal it reaches the program already, and leakhound
// waits for the program to end.
func runForwardingSignals(cmd *exec.Cmd) (int, error) {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				if s != syscall.SIGINT {
					cmd.Process.Signal(s)
				}
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), nil
		}
		return exit.ExitCode(), nil
	}
	return 0, err
}
