package heapdump

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

var keepWriters []io.Writer

// TestNameLocalTypes checks the completed names against those the dump
// writes itself: equal where the dump's name is complete, and of the same
// package where the dump gives only the package of a pointer's target.
func TestNameLocalTypes(t *testing.T) {
	keepWriters = append(keepWriters, new(strings.Builder))
	var buf bytes.Buffer
	if err := Capture(&buf); err != nil {
		t.Fatal(err)
	}
	foreign, err := Parse(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	local, err := Parse(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	local.nameLocalTypes()
	if len(local.Types) == 0 {
		t.Fatal("no type records in the dump")
	}
	completed := 0
	for addr, ft := range foreign.Types {
		got := local.Types[addr].Name
		pkg, ok := strings.CutSuffix(ft.Name, ".")
		switch {
		case !ok && got != ft.Name:
			t.Errorf("type %#x: local name %q, dump's name %q", addr, got, ft.Name)
		case ok && !strings.HasPrefix(got, "*"+pkg+"."):
			t.Errorf("type %#x: local name %q, want a pointer to a type of package %q", addr, got, pkg)
		case ok:
			completed++
		}
	}
	if completed == 0 {
		t.Error("no pointer type's name was completed")
	}
}
