package imports

import (
	"os"
	"syscall"

	"example.com/unrelated"
)

var _ = unrelated.X

func read(name string, buf []byte) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	n, err := syscall.Read(int(f.Fd()), buf) // want `descriptor is used at line 17 in a call after the last use`
	if err != nil {
		return err
	}
	syscall.Write(1, buf[:n])
	return nil
}
