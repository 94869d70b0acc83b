//go:build linux

package leaks_test

import (
	"syscall"
	"testing"
	"time"
)

// These tests run one at a time (before the parallel ones of
// leaks_test.go): a descriptor nothing recorded is told a test's own only
// when no other test runs meanwhile.

// TestUnrecordedFd opens an eventfd with a raw system call, which package
// syscall does not record, and keeps it open.
func TestUnrecordedFd(t *testing.T) {
	if _, err := eventfd(); err != nil {
		t.Fatal(err)
	}
}

// TestUnrecordedFdClosed is its clean twin: the eventfd is closed.
func TestUnrecordedFdClosed(t *testing.T) {
	fd, err := eventfd()
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Close(fd); err != nil {
		t.Fatal(err)
	}
}

// TestUnrecordedFdClosedLate is a clean twin too: its eventfd is closed by
// a goroutine just after the test returned, as a server's goroutine closes
// the connection its test's client closed, within the grace a test gets.
func TestUnrecordedFdClosedLate(t *testing.T) {
	fd, err := eventfd()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(30 * time.Millisecond)
		syscall.Close(fd)
	}()
}

// TestUnrecordedFdParallel keeps an eventfd in each of two parallel
// subtests: neither can be told its own, so both are reported when the
// binary exits, with no test.
func TestUnrecordedFdParallel(t *testing.T) {
	for _, name := range []string{"a", "b"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := eventfd(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func eventfd() (int, error) {
	fd, _, errno := syscall.RawSyscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC, 0)
	if errno != 0 {
		return -1, errno
	}
	return int(fd), nil
}
