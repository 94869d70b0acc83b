// Command leakprog leaks two files and a goroutine for the baseline tests
// of leakhound run.
package main

import (
	"fmt"
	"os"

	"example.com/baselinemod/leaky"
)

// kept keeps the leaked files reachable, so that they are found open at
// exit, never closed by the garbage collector first.
var kept []*os.File

func main() {
	a, b, err := leaky.OpenTwo("go.mod")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	kept = append(kept, a, b)
	leaky.Block()
	fmt.Println("opened", a.Name(), b.Name())
}
