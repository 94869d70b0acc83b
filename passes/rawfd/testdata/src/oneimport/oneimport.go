package oneimport

import "os"

func fd(name string, use func(uintptr)) {
	f, _ := os.Open(name)
	d := f.Fd() // want `descriptor is used at line 8 in a call after the last use`
	use(d)
}
