package b

import "runtime"

type conn struct{ fd int }

func open() *conn {
	c := &conn{fd: 3}
	runtime.SetFinalizer(c, (*conn).finalize) // want `finalizer blocks on a channel send at helper.go:9`
	return c
}
