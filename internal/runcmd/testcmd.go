package runcmd

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"

	"github.com/leakhound/leakhound/internal/cmdutil"
	"github.com/leakhound/leakhound/internal/config"
	"github.com/leakhound/leakhound/internal/policy"
	"github.com/leakhound/leakhound/report"
	"github.com/leakhound/leakhound/track"
)

const testUsage = `usage: leakhound test [flags] [packages] [-- go test flags]

Runs "go test" on the packages with an instrumented standard library and
leakhound's tracker added to each test binary, without any change to the code.
Every test gets a verdict: a test that leaves a file, socket, response body
or sql.Rows, Stmt, Tx or Conn open when it and its cleanups are done, whose
resources the garbage collector closed (or found unreachable, for
database/sql), or that kept a sql.Conn or sql.Tx out of its pool longer than
-held, fails with the stack that opened each one. Resources are attributed
to the test whose goroutine, or a goroutine it started, opened them, so
t.Parallel and subtests are attributed correctly. When a test binary exits,
the goroutines the garbage collector proves leaked, with the heap memory
they keep alive (retained_bytes; see -retained), and a blocked or
ever-growing finalizer queue are reported too (not attributed to a test).

With -baseline FILE, the leaks the baseline lists are reported as known: they
fail neither their test nor the run. -write-baseline FILE writes the leaks of
this run as a baseline. The ignore rules and thresholds of .leakhound.yaml
(or -config FILE) apply: see docs/config.md.

For go test's JSON event stream (gotestsum, CI dashboards), pass it after
"--": leakhound test ./... -- -json

Exit status: 0 when the tests passed and nothing leaked (but known leaks); 1
when a test failed or a new leak was found; 2 when leakhound itself failed.

Flags:
`

// Test implements `leakhound test` with args (the words after "test").
func Test(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	jsonOut := fs.String("json", "", "write the JSON report (leakhound.report/v1) to `FILE`; \"-\" for stdout")
	htmlOut := fs.String("html", "", "write the HTML report to `FILE`; \"-\" for stdout")
	retained := retainedFlag(fs)
	held := heldFlag(fs)
	set := settingsFlags(fs, policy.ModeTest)
	if helped, err := cmdutil.Parse(fs, args, testUsage, stdout); helped || err != nil {
		return err
	}
	if err := cmdutil.CheckStdout(cmdutil.Output{Flag: "-json", Path: *jsonOut}, cmdutil.Output{Flag: "-html", Path: *htmlOut}, cmdutil.Output{Flag: "-write-baseline", Path: set.Baseline.Write}); err != nil {
		return err
	}
	if err := checkHeld(*held); err != nil {
		return err
	}
	pkgs, goFlags := splitArgs(fs.Args())
	if len(pkgs) == 0 {
		pkgs = []string{"."}
	}
	if err := set.load(fs, config.StartDir(pkgs), held, retained); err != nil {
		return err
	}
	if (*jsonOut == "-" || *htmlOut == "-" || set.Baseline.Write == "-") && slices.Contains(goFlags, "-json") {
		return cmdutil.Usagef("a report to stdout (\"-\") and go test's -json both write to stdout: write the report to a file")
	}
	b, err := newBuild(".")
	if err != nil {
		return err
	}
	defer b.cleanup()
	reportPath := filepath.Join(b.work, "report.jsonl")
	policyEnv, err := b.writePolicy(set.Policy)
	if err != nil {
		return err
	}
	cmd := b.goCommand(append(append([]string{"test"}, goFlags...), pkgs...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	cmd.Env = append(cmd.Env, track.EnvReport+"="+reportPath, track.EnvQuiet+"=1", retainedEnv(*retained), heldEnv(*held))
	cmd.Env = append(cmd.Env, policyEnv...)
	code, err := runForwardingSignals(cmd)
	if err != nil {
		return fmt.Errorf("run go test: %w", err)
	}
	res, _, err := readReport(reportPath, b.env.GOVERSION, report.ModeTest)
	if err != nil {
		return err
	}
	if code != 0 && len(res.report.Findings) == 0 && set.Baseline.Write != "" {
		// A build failure looks the same: an empty baseline would lose
		// every entry of the file it replaces.
		fmt.Fprintf(stderr, "leakhound: go test failed and no leak was found: the baseline %s is not written (fix the tests or the build first)\n", set.Baseline.Write)
		set.Baseline.Write = ""
	}
	failing, err := finish(res, set, *jsonOut, *htmlOut, stdout, stderr)
	if err != nil {
		return err
	}
	if code != 0 || len(failing) > 0 {
		return cmdutil.ErrFindings
	}
	return nil
}
