package heapdump

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
)

// Capture writes a heap dump of the current process to w.
//
// The runtime stops the world while it writes: every goroutine is paused for
// as long as writing the whole heap takes (about a second per gigabyte to a
// local disk), so call Capture at exit or on demand, never on a hot path.
// runtime/debug.WriteHeapDump needs a file descriptor, so the dump goes
// through a temporary file that is removed before Capture returns; it needs
// as much free disk space as the heap is large.
func Capture(w io.Writer) error {
	f, err := os.CreateTemp("", "heapdump-*")
	if err != nil {
		return fmt.Errorf("capture heap dump: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	debug.WriteHeapDump(f.Fd())
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("capture heap dump: %w", err)
	}
	if _, err := io.Copy(w, f); err != nil {
		return fmt.Errorf("capture heap dump: %w", err)
	}
	return nil
}

// CaptureParsed captures a heap dump of the current process and parses it.
// Because the dump is of this process, its types get their full names
// ("*bytes.Reader" rather than the dump's "bytes.").
func CaptureParsed() (*Dump, error) {
	f, err := os.CreateTemp("", "heapdump-*")
	if err != nil {
		return nil, fmt.Errorf("capture heap dump: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	debug.WriteHeapDump(f.Fd())
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("capture heap dump: %w", err)
	}
	d, err := Parse(f)
	if err != nil {
		return nil, err
	}
	d.nameLocalTypes()
	return d, nil
}
