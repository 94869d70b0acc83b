// Command baseline checks that a leakhound baseline written on a real
// module's test suite survives an edit. It copies a pinned public module
// out of the module cache (go mod download -json) into a temporary
// directory and runs there
//
//	leakhound test -write-baseline B -json R1 ./... -- -count=1 [flags]
//
// then inserts lines above every function body's code of every .go file and
// reformats them (see internal/testutil/srcedit), runs
//
//	leakhound test -baseline B -json R2 ./... -- -count=1 [flags]
//
// which must exit 0 with every finding known, then adds a test file with
// one new leak and runs it a third time: exactly one finding must be new.
// leakhound vet goes through the same three steps on the same copy
// (-write-baseline before the edit, -baseline after it and after a new
// file with one static leak): its findings must all be known after the
// edit, and exactly one new after the leak.
//
//	cd bench && go run ./baseline
//	go run ./baseline -module github.com/DATA-DOG/go-sqlmock@v1.5.2 -leakhound /path/to/leakhound
//
// It prints one line per run (exit status, findings, leaks, known, new,
// failing tests) and exits 1 when an expectation does not hold, 2 when the
// harness could not run (the module could not be downloaded, for one).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/leakhound/leakhound/bench/internal/gobuild"
	"github.com/leakhound/leakhound/internal/testutil/srcedit"
	"github.com/leakhound/leakhound/report"
)

// sqlmockSkip skips the test of go-sqlmock v1.5.2 that hangs under plain go
// test with Go 1.26.8 (see bench/parity/modules.go).
const sqlmockSkip = "^TestShouldRefundUserWhenOrderIsCancelled$"

func main() {
	module := flag.String("module", "github.com/DATA-DOG/go-sqlmock@v1.5.2", "the module@version whose tests to run")
	skip := flag.String("skip", sqlmockSkip, "go test's -skip `regexp`")
	pkg := flag.String("package", "sqlmock", "the package `name` of the module's root directory, for the new leak's test file")
	lh := flag.String("leakhound", "", "the leakhound binary (default: build ../cmd/leakhound)")
	keep := flag.Bool("keep", false, "keep the temporary directory")
	flag.Parse()
	err := run(*module, *skip, *pkg, *lh, *keep)
	var failed *expectationError
	switch {
	case errors.As(err, &failed):
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	case err != nil:
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(2)
	}
}

type expectationError struct{ msg string }

func (e *expectationError) Error() string { return e.msg }

func run(module, skip, pkg, lh string, keep bool) error {
	work, err := os.MkdirTemp("", "leakhound-baseline-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Println("work directory:", work)
	} else {
		defer os.RemoveAll(work)
	}
	if lh == "" {
		lh = filepath.Join(work, "leakhound")
		if err := gobuild.Build("..", lh, "./cmd/leakhound"); err != nil {
			return err
		}
	}
	dir := filepath.Join(work, "src")
	if err := download(module, dir); err != nil {
		return err
	}
	base := filepath.Join(work, "baseline.json")
	goFlags := []string{"--", "-count=1"}
	if skip != "" {
		goFlags = append(goFlags, "-skip", skip)
	}
	vetBase := filepath.Join(work, "vet-baseline.json")
	step := func(name, flag string) (outcome, error) {
		args := append([]string{"test", flag, base, "-json", filepath.Join(work, name+".json"), "./..."}, goFlags...)
		o, err := leakhound(lh, dir, args)
		if err == nil {
			fmt.Printf("test %-22s %s\n", name, o)
		}
		return o, err
	}
	vetStep := func(name, flag string) (outcome, error) {
		args := []string{"vet", flag, vetBase, "-json", filepath.Join(work, "vet-"+name+".json"), "./..."}
		o, err := leakhound(lh, dir, args)
		if err == nil {
			fmt.Printf("vet  %-22s %s\n", name, o)
		}
		return o, err
	}
	first, err := step("write-baseline", "-write-baseline")
	if err != nil {
		return err
	}
	if first.findings == 0 {
		return &expectationError{fmt.Sprintf("%s leaks nothing under leakhound test: pick a module whose suite leaks", module)}
	}
	vetFirst, err := vetStep("write-baseline", "-write-baseline")
	if err != nil {
		return err
	}
	if vetFirst.findings == 0 {
		return &expectationError{fmt.Sprintf("leakhound vet finds nothing in %s: pick a module it has findings in", module)}
	}
	files, err := srcedit.Shift(dir)
	if err != nil {
		return err
	}
	fmt.Printf("edit: lines inserted above the code of every function in %d files, then gofmt\n", files)
	edited, err := step("after-edit", "-baseline")
	if err != nil {
		return err
	}
	vetEdited, err := vetStep("after-edit", "-baseline")
	if err != nil {
		return err
	}
	// One new leak for each command: the test keeps a file open in a
	// package variable (which vet accepts: the variable owns it), and a
	// function no test calls drops one (which only vet sees).
	newLeak := fmt.Sprintf("package %s\n\nimport (\n\t\"os\"\n\t\"testing\"\n)\n\nvar leakhoundNewLeak *os.File\n\nfunc TestLeakhoundNewLeak(t *testing.T) {\n\tf, err := os.Open(\"go.mod\")\n\tif err != nil {\n\t\tt.Fatal(err)\n\t}\n\tleakhoundNewLeak = f\n}\n\nfunc leakhoundNewStaticLeak() (string, error) {\n\tf, err := os.Open(\"go.mod\")\n\tif err != nil {\n\t\treturn \"\", err\n\t}\n\treturn f.Name(), nil\n}\n", pkg)
	if err := os.WriteFile(filepath.Join(dir, "leakhound_new_leak_test.go"), []byte(newLeak), 0o644); err != nil {
		return err
	}
	added, err := step("after-new-leak", "-baseline")
	if err != nil {
		return err
	}
	vetAdded, err := vetStep("after-new-leak", "-baseline")
	if err != nil {
		return err
	}
	var problems []string
	if edited.code != 0 || edited.unknown != 0 || edited.failingTests != 0 {
		problems = append(problems, fmt.Sprintf("test after the edit: exit %d, %d new findings, %d failing tests; want 0, 0, 0", edited.code, edited.unknown, edited.failingTests))
	}
	if added.code != 1 || added.unknown != 1 || added.failingTests != 1 {
		problems = append(problems, fmt.Sprintf("test after adding a leak: exit %d, %d new findings, %d failing tests; want 1, 1, 1", added.code, added.unknown, added.failingTests))
	}
	if vetEdited.code != 0 || vetEdited.unknown != 0 || vetEdited.known != vetFirst.findings {
		problems = append(problems, fmt.Sprintf("vet after the edit: exit %d, %d new findings, %d known; want 0, 0, %d", vetEdited.code, vetEdited.unknown, vetEdited.known, vetFirst.findings))
	}
	if vetAdded.code != 1 || vetAdded.unknown != 1 {
		problems = append(problems, fmt.Sprintf("vet after adding a leak: exit %d, %d new findings; want 1, 1", vetAdded.code, vetAdded.unknown))
	}
	if len(problems) > 0 {
		return &expectationError{strings.Join(problems, "; ")}
	}
	fmt.Println("ok: the baselines of test and vet know every finding after the edit, and only the new leak fails each")
	return nil
}

// download copies module@version out of the module cache into dir, with
// its dependencies downloaded.
func download(module, dir string) error {
	out, err := exec.Command("go", "mod", "download", "-json", module).Output()
	var info struct{ Dir, Error string }
	json.Unmarshal(out, &info) // on failure, go mod download -json still prints the Error field
	if info.Dir == "" || info.Error != "" {
		return fmt.Errorf("go mod download %s: %s%v (check the version and GOPROXY)", module, info.Error, err)
	}
	if err := os.CopyFS(dir, os.DirFS(info.Dir)); err != nil {
		return fmt.Errorf("copy %s: %v", info.Dir, err)
	}
	cmd := exec.Command("go", "mod", "download")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go mod download in %s: %s", dir, out)
	}
	return nil
}

// outcome is what one leakhound test or vet run gave.
type outcome struct {
	code         int
	findings     int // groups in the report
	leaks        int // their counts added
	known        int // groups a baseline lists
	unknown      int // the others
	failingTests int // "--- FAIL" lines
}

func (o outcome) String() string {
	return fmt.Sprintf("exit %d, %d findings (%d leaks), %d known, %d new, %d failing tests", o.code, o.findings, o.leaks, o.known, o.unknown, o.failingTests)
}

// leakhound runs the binary lh in dir with args; the report is the file
// after "-json".
func leakhound(lh, dir string, args []string) (outcome, error) {
	cmd := exec.Command(lh, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var o outcome
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		o.code = exit.ExitCode()
	} else if err != nil {
		return o, err
	}
	if o.code == 2 {
		return o, fmt.Errorf("leakhound %s: %s", strings.Join(args, " "), out.String())
	}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "--- FAIL") {
			o.failingTests++
		}
	}
	path := args[slices.Index(args, "-json")+1]
	data, err := os.ReadFile(path)
	if err != nil {
		return o, err
	}
	var rep report.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return o, fmt.Errorf("%s: %v", path, err)
	}
	for _, f := range rep.Findings {
		o.findings++
		o.leaks += f.Count
		if f.Known {
			o.known++
		} else {
			o.unknown++
		}
	}
	return o, nil
}
