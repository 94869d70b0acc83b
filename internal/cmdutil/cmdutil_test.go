package cmdutil

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/report"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		name       string
		give       []string
		wantHelped bool
		wantErr    string // substring; "" for no error
		wantOut    string // substring of stdout
		wantN      int
	}{
		{name: "ok", give: []string{"-n", "3", "pkg"}, wantN: 3},
		{name: "help", give: []string{"-h"}, wantHelped: true, wantOut: "usage: leakhound demo\n  -n N"},
		{name: "long help", give: []string{"-help"}, wantHelped: true, wantOut: "usage: leakhound demo"},
		{name: "unknown flag", give: []string{"-nosuch"}, wantErr: `demo: flag provided but not defined: -nosuch: run "leakhound demo -h" for usage`},
		{name: "bad value", give: []string{"-n", "x"}, wantErr: `demo: invalid value "x" for flag -n`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("demo", flag.ContinueOnError)
			n := fs.Int("n", 0, "how many `N`")
			var out bytes.Buffer
			helped, err := Parse(fs, tt.give, "usage: leakhound demo\n", &out)
			if helped != tt.wantHelped {
				t.Errorf("helped = %v, want %v", helped, tt.wantHelped)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("err = %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
			case tt.wantErr != "" && Code(err) != 2:
				t.Errorf("exit status of %v = %d, want 2", err, Code(err))
			case tt.wantErr != "" && strings.Contains(err.Error(), "\n"):
				t.Errorf("error %q is not one line", err)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stdout = %q, want it to contain %q", out.String(), tt.wantOut)
			}
			if tt.wantErr != "" && out.Len() > 0 {
				t.Errorf("a bad flag printed to stdout: %q", out.String())
			}
			if *n != tt.wantN {
				t.Errorf("n = %d, want %d", *n, tt.wantN)
			}
		})
	}
}

func TestCheckStdout(t *testing.T) {
	if err := CheckStdout(Output{"-json", "-"}, Output{"-html", "r.html"}, Output{"-sarif", ""}); err != nil {
		t.Errorf("one report on stdout: %v", err)
	}
	err := CheckStdout(Output{"-json", "-"}, Output{"-html", "-"})
	if Code(err) != 2 || !strings.Contains(err.Error(), "-json - and -html - both write to stdout") {
		t.Errorf("two reports on stdout: %v (exit %d)", err, Code(err))
	}
	err = CheckStdout(Output{"-json", "-"}, Output{"-html", "-"}, Output{"-sarif", "-"})
	if Code(err) != 2 || !strings.Contains(err.Error(), "-json -, -html - and -sarif - all write to stdout") {
		t.Errorf("three reports on stdout: %v (exit %d)", err, Code(err))
	}
}

func TestWriteTo(t *testing.T) {
	var stdout bytes.Buffer
	write := func(w io.Writer) error { _, err := io.WriteString(w, "report\n"); return err }
	if err := WriteTo("", &stdout, write); err != nil || stdout.Len() != 0 {
		t.Errorf("empty path: %v, wrote %q", err, stdout.String())
	}
	if err := WriteTo("-", &stdout, write); err != nil || stdout.String() != "report\n" {
		t.Errorf("-: %v, wrote %q", err, stdout.String())
	}
	path := filepath.Join(t.TempDir(), "r.txt")
	if err := WriteTo(path, &stdout, write); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(path); err != nil || string(data) != "report\n" {
		t.Errorf("file: %q, %v", data, err)
	}
	err := WriteTo(filepath.Join(t.TempDir(), "missing", "r.txt"), &stdout, write)
	if err == nil || !strings.Contains(err.Error(), "check the path") {
		t.Errorf("a path in a missing directory: %v", err)
	}
}

func TestWriteReports(t *testing.T) {
	r := report.New(report.ModeRun, nil)
	dir := t.TempDir()
	var stdout bytes.Buffer
	if err := WriteReports(filepath.Join(dir, "r.json"), "-", r, &stdout); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stdout.String(), "<!DOCTYPE html>") {
		t.Errorf("stdout starts %.40q, want the HTML page", stdout.String())
	}
	data, err := os.ReadFile(filepath.Join(dir, "r.json"))
	want, _ := json.MarshalIndent(r, "", "  ")
	if err != nil || string(data) != string(want)+"\n" {
		t.Errorf("JSON file holds %q (%v), want %q and a newline", data, err, want)
	}
	err = WriteReports("", filepath.Join(dir, "missing", "r.html"), r, &stdout)
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "check the path") {
		t.Errorf("bad path: err = %v, want one line saying what to check", err)
	}
}
