package stack

import (
	"errors"
	"os"
	"testing"
)

// addFixtures seeds f with every real fixture.
func addFixtures(f *testing.F) {
	for _, file := range fixtures(f) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// FuzzParseDump checks that ParseDump never panics and that every failure is
// a *ParseError pointing into the input.
func FuzzParseDump(f *testing.F) {
	addFixtures(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDump(data)
		if err == nil {
			if d == nil || len(d.Goroutines) == 0 {
				t.Fatalf("no error and no goroutines: %+v", d)
			}
			for _, g := range d.Goroutines {
				if len(g.Frames) == 0 && !g.StackUnavailable {
					t.Fatalf("goroutine %d without frames accepted", g.ID)
				}
			}
			return
		}
		checkParseError(t, data, err)
	})
}

// FuzzParseProfile checks that ParseProfile never panics and that every
// failure is a *ParseError pointing into the input.
func FuzzParseProfile(f *testing.F) {
	addFixtures(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseProfile(data)
		if err == nil {
			sum := 0
			for _, r := range p.Records {
				sum += r.Count
			}
			if sum != p.Total {
				t.Fatalf("records count %d, total %d, no error", sum, p.Total)
			}
			return
		}
		checkParseError(t, data, err)
	})
}

func checkParseError(t *testing.T, data []byte, err error) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is a %T, want *ParseError", err, err)
	}
	lines := 1
	for _, c := range data {
		if c == '\n' {
			lines++
		}
	}
	if pe.Line < 1 || pe.Line > lines || pe.Reason == "" {
		t.Fatalf("ParseError %+v does not point into the %d-line input", pe, lines)
	}
}

// FuzzStreamDump checks that StreamDump never panics, and that any prefix
// of a dump ParseDump accepts gives the goroutines before the cut or, when
// there are none, an error.
func FuzzStreamDump(f *testing.F) {
	for _, file := range fixtures(f) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint(len(data)/2))
	}
	f.Fuzz(func(t *testing.T, data []byte, cut uint) {
		streamAll(t, data)
		full, err := ParseDump(data)
		if err != nil || len(full.Goroutines) == 0 {
			return
		}
		checkPrefix(t, data, full.Goroutines, int(cut%uint(len(data)+1)))
	})
}
