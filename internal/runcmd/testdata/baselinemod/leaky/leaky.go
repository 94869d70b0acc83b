// Package leaky leaks for the baseline tests of leakhound test and run: two
// files opened by one function, and a goroutine blocked forever.
package leaky

import "os"

// OpenTwo opens name twice and returns both files.
func OpenTwo(name string) (*os.File, *os.File, error) {
	a, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	b, err := os.Open(name)
	if err != nil {
		a.Close()
		return nil, nil, err
	}
	return a, b, nil
}

// Block starts a goroutine that waits on a channel nobody else has.
func Block() {
	c := make(chan int)
	go func() { <-c }()
}
