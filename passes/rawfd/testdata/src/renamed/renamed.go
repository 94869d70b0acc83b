package renamed

import (
	"os"
	rt "runtime"
	"syscall"
)

var _ = rt.GOOS

func read(name string, buf []byte) {
	file, _ := os.Open(name)
	if len(buf) > 0 {
		fd := int(file.Fd()) // want `descriptor is used at line 15 in a call after the last use`
		syscall.Read(fd, buf)
	}
}
