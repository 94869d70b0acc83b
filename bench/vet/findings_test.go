package main

import (
	"testing"
)

func TestIsTestCode(t *testing.T) {
	for rel, want := range map[string]bool{
		"client.go":                   false,
		"client_test.go":              true,
		"internal/testutil/server.go": true,
		"e2e/run.go":                  true,
		"examples/basic/main.go":      false,
		"latest.go":                   false, // "test" inside a file name that is not a test file
		"contest/x.go":                true,  // a directory whose name contains "test"
		"redis/pool.go":               false,
	} {
		if got := isTestCode(rel); got != want {
			t.Errorf("isTestCode(%q) = %v, want %v", rel, got, want)
		}
	}
}

func TestReadPeers(t *testing.T) {
	m := module{Path: "example.com/m", Version: "v1.0.0", Dir: "/mod/example.com/m@v1.0.0"}
	// A package and its test variant report the same diagnostic; a third
	// package fails.
	out := []byte(`{
		"example.com/m": {"bodyclose": [{"posn": "/mod/example.com/m@v1.0.0/c.go:12:3", "message": "response body must be closed"}]},
		"example.com/m [example.com/m.test]": {
			"bodyclose": [
				{"posn": "/mod/example.com/m@v1.0.0/c.go:12:3", "message": "response body must be closed"},
				{"posn": "/mod/example.com/m@v1.0.0/c_test.go:7:9", "message": "response body must be closed"}
			],
			"sqlclosecheck": []
		},
		"example.com/m/db": {"sqlclosecheck": {"error": "analysis skipped"}}
	}`)
	fs, pkgErr, err := readPeers(out, m)
	if err != nil {
		t.Fatal(err)
	}
	want := []finding{
		{Module: m.Path, Analyzer: "bodyclose", Pos: "example.com/m@v1.0.0/c.go:12", Message: "response body must be closed"},
		{Module: m.Path, Analyzer: "bodyclose", Pos: "example.com/m@v1.0.0/c_test.go:7", Message: "response body must be closed", Test: true},
	}
	if len(fs) != len(want) {
		t.Fatalf("readPeers gave %d findings %v, want %v", len(fs), fs, want)
	}
	for i := range want {
		if fs[i] != want[i] {
			t.Errorf("finding %d = %+v, want %+v", i, fs[i], want[i])
		}
	}
	if pkgErr != "example.com/m/db: analysis skipped" {
		t.Errorf("package error = %q, want the error of example.com/m/db", pkgErr)
	}
	if _, _, err := readPeers([]byte("not json"), m); err == nil {
		t.Error("readPeers accepted output that is not JSON")
	}
}

func TestSampleStratifiesTestCode(t *testing.T) {
	var all []finding
	for i := range 10 {
		all = append(all, finding{Module: "m", Analyzer: "unclosed", Pos: "m/a.go:" + string(rune('0'+i)), Test: true})
	}
	all = append(all, finding{Module: "m", Analyzer: "unclosed", Pos: "m/b.go:1"})
	s := sample(all, 2, 1)
	if len(s) != 2 || countTests(s) != 1 {
		t.Errorf("sample of 2 = %+v, want one finding in test code and one not", s)
	}
	if got := sample(all, 100, 1); len(got) != len(all) {
		t.Errorf("sample of 100 gave %d findings, want all %d", len(got), len(all))
	}
}
