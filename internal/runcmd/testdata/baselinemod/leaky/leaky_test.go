package leaky

import (
	"os"
	"testing"
)

// kept keeps the leaked files reachable, so that they are found open when
// their test ends, never closed by the garbage collector first.
var kept []*os.File

func TestTwoFiles(t *testing.T) {
	a, b, err := OpenTwo("leaky.go")
	if err != nil {
		t.Fatal(err)
	}
	kept = append(kept, a, b)
}

func TestBlock(t *testing.T) {
	Block()
}

func TestClean(t *testing.T) {
	a, b, err := OpenTwo("leaky.go")
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	b.Close()
}
