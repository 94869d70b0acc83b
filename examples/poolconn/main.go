// Command poolconn borrows connections from a small pool and forgets to give
// one back: the garbage collector closes it later, and the peer sees a FIN
// nobody sent on purpose (DESIGN.md, problem 1).
package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"runtime"
	"time"
)

// pool hands out connections to one address and takes them back.
type pool struct {
	addr string
	idle []net.Conn
}

func (p *pool) get() (net.Conn, error) {
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		return c, nil
	}
	return net.Dial("tcp", p.addr)
}

func (p *pool) put(c net.Conn) { p.idle = append(p.idle, c) }

func (p *pool) close() {
	for _, c := range p.idle {
		c.Close()
	}
}

// ping sends one line and reads the echo.
func ping(p *pool, msg string) error {
	c, err := p.get()
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(c, msg); err != nil {
		return err // bug: the connection is neither returned nor closed
	}
	buf := make([]byte, len(msg)+1)
	if _, err := io.ReadFull(c, buf); err != nil {
		return err
	}
	if msg == "skip" {
		return nil // bug: forgot p.put(c)
	}
	p.put(c)
	return nil
}

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	go echo(ln)

	p := &pool{addr: ln.Addr().String()}
	defer p.close()
	for _, msg := range []string{"a", "b", "skip", "c"} {
		if err := ping(p, msg); err != nil {
			log.Fatal(err)
		}
	}
	// Some time later a GC runs and closes the forgotten connection.
	for range 3 {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
}

func echo(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			io.Copy(c, c)
		}()
	}
}
