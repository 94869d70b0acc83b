// Package shared publishes connections through sync/atomic: the variable
// they are stored in keeps them, as a plain package variable would.
package shared

import (
	"net"
	"sync/atomic"
	"unsafe"
)

var (
	rawConn  unsafe.Pointer // *net.UnixConn
	conn     atomic.Pointer[net.TCPConn]
	anyConn  atomic.Value
	lastConn net.Conn
)

func initRaw() {
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Net: "unixgram"})
	if err != nil {
		return
	}
	atomic.StorePointer(&rawConn, unsafe.Pointer(c))
}

func initPointer() {
	c, err := net.DialTCP("tcp", nil, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80})
	if err != nil {
		return
	}
	conn.Store(c)
}

func initValue() {
	c, err := net.Dial("tcp", "127.0.0.1:80")
	if err != nil {
		return
	}
	anyConn.Store(c)
}

func initVar() {
	c, err := net.Dial("tcp", "127.0.0.1:80")
	if err != nil {
		return
	}
	lastConn = c
}

func loadOnly() {
	c, err := net.Dial("tcp", "127.0.0.1:80") // want `connection opened here is never closed on the path through line \d+`
	if err != nil {
		return
	}
	_ = atomic.LoadPointer(&rawConn)
	c.Write(nil)
}
