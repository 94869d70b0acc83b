package baseline

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/internal/policy"
	"github.com/leakhound/leakhound/report"
)

func finding(pkg, test, fn string, line int) report.Finding {
	return report.Finding{Kind: report.KindResource, Certainty: report.Proven, Reason: report.ReasonOpenAtEnd,
		Resource: "os.File", Count: 1, Message: "m", Package: pkg, Test: test,
		Origin: []report.Frame{{Func: "os.Open", Line: 1}, {Func: fn, File: "x.go", Line: line}}}
}

func TestWriteReadRoundTrip(t *testing.T) {
	r := report.New(report.ModeTest, []report.Finding{
		finding("example.com/b", "TestB", "example.com/b.Open", 3),
		finding("example.com/a", "TestA", "example.com/a.Open", 9),
		finding("example.com/a", "TestA", "example.com/a.Open", 4),
	})
	f := Of(r)
	if len(f.Entries) != 3 || f.Entries[0].Package != "example.com/a" || f.Entries[2].Package != "example.com/b" || f.Entries[0].Func != "example.com/a.Open" {
		t.Fatalf("Of = %+v, want three entries sorted by package, with the user's function", f.Entries)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "baseline.json")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	pol, err := policy.New(got.IDs(), nil)
	if err != nil {
		t.Fatal(err)
	}
	kept, _ := pol.Apply(r.Findings)
	for _, fd := range kept {
		if !fd.Known {
			t.Errorf("the baseline read back does not know %+v", fd)
		}
	}
	if fixed := got.Fixed(report.New(report.ModeTest, r.Findings[:2])); len(fixed) != 1 || fixed[0].StableID != r.Findings[2].StableID {
		t.Errorf("Fixed = %+v, want the entry of the finding left out", fixed)
	}
}

func TestReadRejects(t *testing.T) {
	for name, content := range map[string]string{
		"other schema":     `{"schema": "leakhound.report/v1", "findings": []}`,
		"unknown field":    `{"schema": "leakhound.baseline/v1", "findings": [{"stable_id": "a", "line": 3}]}`,
		"entry without id": `{"schema": "leakhound.baseline/v1", "findings": [{"kind": "resource"}]}`,
	} {
		path := filepath.Join(t.TempDir(), "b.json")
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Read(path); err == nil {
			t.Errorf("%s: Read accepted %s", name, content)
		}
	}
}

func TestFinishLines(t *testing.T) {
	r := report.New(report.ModeTest, []report.Finding{finding("p", "TestA", "p.Open", 1)})
	base := &File{Schema: Schema, Entries: []Entry{{StableID: r.Findings[0].StableID}, {StableID: "0000000000000000", Func: "p.Gone"}}}
	pol, err := policy.New(base.IDs(), nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Findings, _ = pol.Apply(r.Findings)
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fl := AddFlags(fs)
	if err := fs.Parse([]string{"-baseline", "b.json"}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := fl.Finish(base, r, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1 known leak(s) in 1 group(s) listed in the baseline b.json", "1 baseline entry no longer found", "0000000000000000 (p.Gone)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
