//go:build unix

// Command rawsyscall reads files through package syscall, below package os,
// and forgets to close the descriptor when a file is empty: no os.File owns
// it, so no finalizer will ever close it, and a long-running program runs
// out of descriptors ("too many open files").
package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"syscall"
)

// firstByte returns the first byte of the file at path, or false when it is
// empty; that path forgets syscall.Close (the bug).
func firstByte(path string) (byte, bool, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return 0, false, err
	}
	var b [1]byte
	n, err := syscall.Read(fd, b[:])
	if err != nil || n == 0 {
		return 0, false, err
	}
	syscall.Close(fd)
	return b[0], true, nil
}

func main() {
	dir, err := os.MkdirTemp("", "rawsyscall-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	for i := range 3 {
		path := filepath.Join(dir, fmt.Sprintf("empty-%d", i))
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			log.Fatal(err)
		}
		if _, ok, err := firstByte(path); err != nil || ok {
			log.Fatalf("%s: %v", path, err)
		}
	}
	fmt.Println("read 3 empty files")
}
