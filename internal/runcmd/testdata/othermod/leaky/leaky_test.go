package leaky

import (
	"net"
	"testing"
)

func TestClosed(t *testing.T) {
	f, err := Open("leaky.go")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func TestLeaksFile(t *testing.T) {
	if _, err := Open("leaky.go"); err != nil {
		t.Fatal(err)
	}
}

func TestParallel(t *testing.T) {
	for _, name := range []string{"clean", "leaks"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			done := make(chan error)
			go func() { // a goroutine the test started opens the listener
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err == nil && name == "clean" {
					ln.Close()
				}
				done <- err
			}()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
}
