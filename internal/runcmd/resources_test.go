package runcmd_test

import (
	"bufio"
	"encoding/json"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/report"
)

// The scenarios of testdata/leaks open every kind of resource leakhound
// tracks; these tests run them through the real binary, as a program
// (testdata/leaks/cmd/leakall) and as tests, and pin every finding.

// scenarioFinding is what one scenario of testdata/leaks leaks: the
// resource, the reason, the call of the standard library that opened it,
// and a pattern its detail matches in full.
type scenarioFinding struct {
	scenario, resource, reason, opener, detail string
}

const (
	tcpConn = `127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+ \(fd \d+\)`
	tcpAddr = `127\.0\.0\.1:\d+ \(fd \d+\)`
	dir     = `/\S+/leaks-\d+`
	fd      = ` \(fd \d+\)`
)

var scenarioFindings = []scenarioFinding{
	{"DropTCPConn", "net.TCPConn", "closed-by-gc", "net.Dial", "tcp " + tcpConn},
	{"KeepTCPConn", "net.TCPConn", "open-at-end", "net.Dial", "tcp " + tcpConn},
	{"DropTCPListener", "net.TCPListener", "closed-by-gc", "net.Listen", "tcp " + tcpAddr},
	{"KeepTCPListener", "net.TCPListener", "open-at-end", "net.Listen", "tcp " + tcpAddr},
	{"DropUDPConn", "net.UDPConn", "closed-by-gc", "net.ListenPacket", "udp " + tcpAddr},
	{"KeepUDPConn", "net.UDPConn", "open-at-end", "net.Dial", "udp " + tcpConn},
	{"DropUnixListener", "net.UnixListener", "closed-by-gc", "net.Listen", "unix " + dir + "/dropped.sock" + fd},
	{"KeepUnixListener", "net.UnixListener", "open-at-end", "net.Listen", "unix " + dir + "/kept.sock" + fd},
	{"DropUnixConn", "net.UnixConn", "closed-by-gc", "net.Dial", "unix \\S* -> " + dir + "/unix.sock" + fd},
	{"KeepUnixConn", "net.UnixConn", "open-at-end", "net.ListenPacket", "unixgram " + dir + "/kept.dgram" + fd},
	{"DropFile", "os.File", "closed-by-gc", "os.Open", dir + fd},
	{"KeepFile", "os.File", "open-at-end", "os.Create", dir + "/kept.txt" + fd},
	{"DropListenerFile", "os.File", "closed-by-gc", "net.(*TCPListener).File", `tcp:127\.0\.0\.1:\d+->` + fd},
	{"KeepConnFile", "os.File", "open-at-end", "net.(*conn).File", `tcp:127\.0\.0\.1:\d+->127\.0\.0\.1:\d+` + fd},
	{"DropFileKeepFd", "os.File", "fd-used-after-gc", "os.Open", dir + fd},
	{"DropConnKeepRaw", "net.TCPConn", "fd-used-after-gc", "net.Dial", "tcp " + tcpConn},
	{"DropFileKeepRaw", "os.File", "fd-used-after-gc", "os.Open", dir + fd},
	{"DropBody", "http.Response.Body", unreadBodyReason(), "net/http.Get", `GET http://127\.0\.0\.1:\d+/dropped`},
	{"KeepBody", "http.Response.Body", "open-at-end", "net/http.(*Client).Do", `GET http://127\.0\.0\.1:\d+/kept`},
	{"KeepTimeoutBody", "http.Response.Body", "open-at-end", "net/http.(*Client).Get", `GET http://127\.0\.0\.1:\d+/timeout`},
	{"DropH2Body", "http.Response.Body", "closed-by-gc", "net/http.(*Client).Get", `GET https://127\.0\.0\.1:\d+/dropped \(HTTP/2\)`},
	{"KeepH2Body", "http.Response.Body", "open-at-end", "net/http.(*Client).Get", `GET https://127\.0\.0\.1:\d+/gzip/kept \(HTTP/2\)`},
	{"DropRows", "sql.Rows", "closed-by-gc", "database/sql.(*DB).Query", `SELECT \* FROM t`},
	{"KeepRows", "sql.Rows", "open-at-end", "database/sql.(*DB).Query", `SELECT \* FROM t WHERE id = \?`},
	{"KeepStmtRows", "sql.Rows", "open-at-end", "database/sql.(*Stmt).Query", `SELECT \* FROM t WHERE name = \?`},
	{"DropRow", "sql.Rows", "closed-by-gc", "database/sql.(*DB).QueryRow", `SELECT \* FROM t`},
	{"KeepStmt", "sql.Stmt", "open-at-end", "database/sql.(*DB).Prepare", `INSERT INTO t VALUES \(\?, \?\)`},
	{"DropConnStmt", "sql.Stmt", "closed-by-gc", "database/sql.(*Conn).PrepareContext", `SELECT \* FROM t`},
	{"DropConn", "sql.Conn", "closed-by-gc", "database/sql.(*DB).Conn", `driver connection \*sqltest\.conn`},
	{"KeepConn", "sql.Conn", "open-at-end", "database/sql.(*DB).Conn", `driver connection \*sqltest\.conn`},
	{"KeepTx", "sql.Tx", "open-at-end", "database/sql.(*DB).Begin", `driver connection \*sqltest\.conn`},
	{"KeepCmd", "os/exec.Cmd", "open-at-end", "os/exec.(*Cmd).Start", `true \(pid \d+, zombie\)`},
	{"DropCmd", "os/exec.Cmd", "closed-by-gc", "os/exec.(*Cmd).Start", `true \(pid \d+, (running|zombie)\)`},
	// At the program's exit, the scenarios' directory is removed already.
	{"KeepRawFile", "fd", "open-at-end", "syscall.Open", dir + `/raw\.txt( \(deleted\))?` + fd},
	{"KeepRawSocket", "fd", "open-at-end", "syscall.Socket", `udp 127\.0\.0\.1:\d+` + fd},
}

// unreadBodyReason is how a response body dropped unread and unclosed is
// found: Go 1.26's transport lets the garbage collector collect it (and the
// finalizer reports it); Go 1.27's keeps it reachable until the program
// ends. Both are the leak; the toolchain that builds the scenarios is the
// one running this test.
func unreadBodyReason() string {
	if strings.HasPrefix(runtime.Version(), "go1.26") {
		return "closed-by-gc"
	}
	return "open-at-end"
}

// cleanScenarios leak nothing (CleanTx leaves a statement of a committed
// transaction unclosed; PoolConnection leaves a connection, and its file, in
// a pool that outlives it; NestedClients passes a body through two
// Client.Do calls; ReadBody reads a body to its end and keeps it unclosed;
// StmtClosedWithDB closes the database of an unclosed statement).
var cleanScenarios = []string{"CleanTx", "PoolConnection", "NestedClients", "ReadBody", "ReadH2Body", "H2BodyClosed", "StmtClosedWithDB", "RunCmd", "RawClosed", "Clean"}

// want describes the finding of s as describe does, in test (or "").
func (s scenarioFinding) want(test string) string {
	d := "resource " + s.resource + " " + s.reason + " proven 1 " + s.opener + " leaks.(*Env)." + s.scenario
	if test != "" {
		d += " test=" + test
	}
	return d
}

// checkFindings checks that rep holds exactly want (as describeAll gives
// them), and that each scenario's finding has its detail.
func checkFindings(t *testing.T, rep *report.Report, want []string, output string) {
	t.Helper()
	slices.Sort(want)
	if got := describeAll(rep); !slices.Equal(got, want) {
		t.Errorf("findings:\n%s\nwant:\n%s\noutput:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), output)
	}
	details := map[string]*regexp.Regexp{}
	for _, s := range scenarioFindings {
		details["leaks.(*Env)."+s.scenario] = regexp.MustCompile("^" + s.detail + "$")
	}
	for _, f := range rep.Findings {
		if f.Kind != report.KindResource {
			continue
		}
		own := strings.Fields(describe(f))[6]
		if re := details[own]; re != nil && !re.MatchString(f.Detail) {
			t.Errorf("%s: detail %q does not match %s", own, f.Detail, re)
		}
	}
}

func TestRunScenarios(t *testing.T) {
	t.Parallel()
	r := runSplit(t, moduleRoot(t), "run", "./internal/runcmd/testdata/leaks/cmd/leakall")
	if r.code != 1 {
		t.Errorf("exit status %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	var want []string
	for _, s := range scenarioFindings {
		want = append(want, s.want(""))
	}
	checkFindings(t, r.report, want, r.stderr)
	if !strings.Contains(r.stdout, "leakall done") {
		t.Errorf("program output missing:\n%s", r.stdout)
	}
	// Findings of the garbage collector are printed as they happen.
	for _, f := range r.report.Findings {
		if f.Reason != report.ReasonOpenAtEnd && !strings.Contains(r.stderr, "leakhound: proven leak: "+f.Resource+" "+string(f.Reason)+" [id "+f.ID+"]") {
			t.Errorf("%s %s %s not printed as it happened:\n%s", f.Resource, f.Reason, f.ID, r.stderr)
		}
	}
}

// TestHeldFlag holds a sql.Conn and a sql.Tx for 600ms, under run and test,
// with -held below that, and with -held 0 (never).
func TestHeldFlag(t *testing.T) {
	held := func(test string) []string {
		return []string{
			"resource sql.Conn held-too-long suspected 1 database/sql.(*DB).Conn leaks.(*Env).Hold" + test,
			"resource sql.Tx held-too-long suspected 1 database/sql.(*DB).Begin leaks.(*Env).Hold" + test,
		}
	}
	tests := []struct {
		name     string
		give     []string
		wantCode int
		want     []string
	}{
		{"run below", []string{"run", "-held", "250ms", "./internal/runcmd/testdata/leaks/cmd/leakall", "--", "hold", "600ms"}, 1, held("")},
		{"run never", []string{"run", "-held", "0", "./internal/runcmd/testdata/leaks/cmd/leakall", "--", "hold", "600ms"}, 0, nil},
		{"test below", []string{"test", "-held", "250ms", "./internal/runcmd/testdata/leaks", "--", "-run", "^TestHold$", "-count=1"}, 1, held(" test=TestHold")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runSplit(t, moduleRoot(t), tt.give...)
			if r.code != tt.wantCode {
				t.Errorf("exit status %d, want %d\n%s%s", r.code, tt.wantCode, r.stdout, r.stderr)
			}
			checkFindings(t, r.report, tt.want, r.stderr)
			for _, f := range r.report.Findings {
				if !strings.Contains(f.Message, "more than 250ms") {
					t.Errorf("message does not give the threshold: %s", f.Message)
				}
			}
		})
	}
}

// TestHeldFlagRefused checks that a bad -held is a usage error, before
// anything is built.
func TestHeldFlagRefused(t *testing.T) {
	for _, cmd := range []string{"run", "test"} {
		for _, give := range []string{"-1s", "soon"} {
			t.Run(cmd+" "+give, func(t *testing.T) {
				r := execLeakhound(t, moduleRoot(t), cmd, "-held", give, "./examples/clean")
				if r.code != 2 {
					t.Errorf("exit status %d, want 2\n%s", r.code, r.stderr)
				}
				if !strings.Contains(r.stderr, "-held") {
					t.Errorf("error does not name -held:\n%s", r.stderr)
				}
			})
		}
	}
}

// TestFindUnderRun checks that leakhound.Find, called by a program under
// leakhound run, does not report the tracker's own goroutines.
func TestFindUnderRun(t *testing.T) {
	t.Parallel()
	r := runSplit(t, moduleRoot(t), "run", "./internal/runcmd/testdata/leaks/cmd/leakall", "--", "find")
	if r.code != 0 || !strings.Contains(r.stdout, "find: 0 finding(s)") {
		t.Errorf("exit status %d, want 0 and no finding:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestRunFinalizerBacklog(t *testing.T) {
	t.Parallel()
	r := runSplit(t, moduleRoot(t), "run", "./internal/runcmd/testdata/leaks/cmd/leakall", "--", "backlog")
	if r.code != 1 {
		t.Errorf("exit status %d, want 1\n%s", r.code, r.stderr)
	}
	want := []string{"finalizer finalizer backlog suspected 1 time.Sleep leaks.slowFinalizer"}
	checkFindings(t, r.report, want, r.stderr)
}

// TestTestScenarios runs the scenarios as parallel subtests with go test's
// JSON output: each test gets its own verdict, in the event stream too.
func TestTestScenarios(t *testing.T) {
	t.Parallel()
	r := runSplit(t, moduleRoot(t), "test", "./internal/runcmd/testdata/leaks/...", "--", "-json", "-count=1", "-parallel=64")
	if r.code != 1 {
		t.Errorf("exit status %d, want 1\n%s", r.code, r.stderr)
	}
	want := []string{
		"resource net.TCPListener open-at-end proven 1 net.Listen leaks.(*Env).KeepTCPListener test=TestNested/outer/inner",
		"resource os.File open-at-end proven 1 os.Create leaks.(*Env).KeepFile test=TestParallel/leaks",
		"finalizer finalizer blocked suspected 1 " + testdataPath + "leaks.BlockFinalizers.func1 leaks.BlockFinalizers.func1",
		"finalizer finalizer backlog suspected 1 time.Sleep leaks.slowFinalizer",
		// The transaction KeepTx leaves open keeps database/sql's goroutine
		// waiting for its end: a goroutine the test leaked with it.
		"goroutine goroutine still-running suspected 1 database/sql.(*DB).beginDC leaks.(*Env).KeepTx test=TestScenarios/KeepTx",
		// A descriptor opened by a raw system call, which nothing records,
		// in a test that ran alone.
		"resource fd open-at-end suspected 1 testing.(*common).Cleanup.func1 - test=TestUnrecordedFd",
		// The same in parallel subtests: found when the binary exits.
		"resource fd open-at-end suspected 2 os.Exit leaks_test.TestMain",
	}
	for _, s := range scenarioFindings {
		want = append(want, s.want("TestScenarios/"+s.scenario))
	}
	checkFindings(t, r.report, want, r.stderr)

	for _, f := range r.report.Findings {
		if f.Test == "TestUnrecordedFd" && !regexp.MustCompile(`^eventfd \(fd \d+\)$`).MatchString(f.Detail) {
			t.Errorf("TestUnrecordedFd: detail %q, want the eventfd and its number", f.Detail)
		}
	}
	passed := []string{"TestParallel/clean", "TestHold", "TestBlockFinalizers", "TestSlowFinalizers", "TestUnrecordedFdClosed", "TestUnrecordedFdClosedLate", "TestUnrecordedFdParallel/a", "TestUnrecordedFdParallel/b"}
	for _, s := range cleanScenarios {
		passed = append(passed, "TestScenarios/"+s)
	}
	checkEvents(t, r.stdout, r.report, passed)
}

// checkEvents checks that stdout is a stream of go test -json events, as
// gotestsum and CI dashboards read it, in which every test with a finding
// failed and printed the finding, and every test of passed passed.
func checkEvents(t *testing.T, stdout string, rep *report.Report, passed []string) {
	t.Helper()
	type event struct {
		Action, Package, Test, Output string
	}
	actions := map[string]string{} // final action by test
	output := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil || ev.Action == "" {
			t.Fatalf("stdout line is not a go test -json event: %q", sc.Text())
		}
		switch ev.Action {
		case "output":
			output[ev.Test] += ev.Output
		case "pass", "fail", "skip":
			actions[ev.Test] = ev.Action
		}
	}
	for _, f := range rep.Findings {
		if f.Test == "" {
			continue
		}
		if actions[f.Test] != "fail" {
			t.Errorf("%s has a finding but its event is %q", f.Test, actions[f.Test])
		}
		if !strings.Contains(output[f.Test], "[id "+f.ID+"]") {
			t.Errorf("the output events of %s do not hold its finding %s:\n%s", f.Test, f.ID, output[f.Test])
		}
	}
	for _, name := range passed {
		if actions[name] != "pass" {
			t.Errorf("%s: event %q, want pass\n%s", name, actions[name], output[name])
		}
	}
}
