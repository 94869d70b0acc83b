// Package clean has nothing to report.
package clean

import (
	"os"
	"runtime"
	"syscall"
)

// Size returns the size of the file name.
func Size(name string) (int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// Flock locks the file name while it keeps the file open.
func Flock(name string) (*os.File, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

type buffer struct{ fd int }

// NewBuffer returns a buffer whose cleanup closes its descriptor.
func NewBuffer(fd int) *buffer {
	b := &buffer{fd: fd}
	runtime.AddCleanup(b, func(fd int) { syscall.Close(fd) }, b.fd)
	return b
}
