// Package shared publishes connections through sync/atomic: the variable
// they are stored in keeps them, as a plain package variable would.
package shared

import (
	"net"
	"sync"
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

// cache dials its connection once, under a lock, and keeps it: get returns
// through the variable a function with a defer returns its results in.
type cache struct {
	mu   sync.Mutex
	conn net.Conn
}

func (c *cache) get() (net.Conn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil {
		return c.conn, nil
	}
	conn, err := net.Dial("tcp", "127.0.0.1:80")
	if err != nil {
		return nil, err
	}
	c.conn = conn
	return conn, nil
}

func (c *cache) send(b []byte) error {
	conn, err := c.get()
	if err != nil {
		return err
	}
	_, err = conn.Write(b)
	return err
}

// dialLocked returns, through the same variable, a connection it keeps
// only on one path: its callers own what it returns.
func (c *cache) dialLocked(keep bool) (net.Conn, error) { // want dialLocked:`opens\[0\]`
	c.mu.Lock()
	defer c.mu.Unlock()
	conn, err := net.Dial("tcp", "127.0.0.1:80")
	if err != nil {
		return nil, err
	}
	if keep {
		c.conn = conn
		return conn, nil
	}
	other, err := net.Dial("tcp", "127.0.0.1:81")
	if err != nil {
		return conn, nil
	}
	return other, nil
}
