package vetcmd_test

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/report"
)

var goLeakLine = regexp.MustCompile(`(?m)^goleak\.go:13:2: goroutine started here can block forever: its send on ch at line 14 is never received when the select takes the case at line 19 and Fetch returns at line 20 \(goroutineleak\)$`)

func TestVetGoroutineLeak(t *testing.T) {
	bin := buildLeakhound(t)
	dir, err := filepath.Abs(filepath.Join("testdata", "goleak"))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("text", func(t *testing.T) {
		r := runIn(t, dir, bin, "vet", ".")
		if r.code != 1 || !goLeakLine.MatchString(r.stdout) || strings.Count(r.stdout, "\n") != 1 {
			t.Fatalf("leakhound vet . = %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("json", func(t *testing.T) {
		r := runIn(t, dir, bin, "vet", "-json", "-", ".")
		if r.code != 1 {
			t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		var rep report.Report
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("report is not JSON: %v\n%s", err, r.stdout)
		}
		if err := rep.Validate(); err != nil {
			t.Errorf("the report breaks the format: %v\n%s", err, r.stdout)
		}
		if len(rep.Findings) != 1 {
			t.Fatalf("findings = %+v", rep.Findings)
		}
		f := rep.Findings[0]
		if f.Kind != "static" || f.Reason != "goroutineleak" || f.Resource != "goroutine" ||
			!strings.HasSuffix(f.Pos, "/goleak.go:13:2") || len(f.Origin) != 1 || f.Origin[0].Func != "example.com/goleak.Fetch" {
			t.Errorf("finding = %+v", f)
		}
	})

	t.Run("go vet -vettool", func(t *testing.T) {
		r := runIn(t, dir, "go", "vet", "-vettool="+bin, ".")
		if r.code == 0 || !strings.Contains(r.stderr, "goleak.go:13:2: goroutine started here can block forever") {
			t.Fatalf("go vet -vettool = %d\nstderr:\n%s", r.code, r.stderr)
		}
	})
}
