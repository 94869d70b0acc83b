// Package doubles holds in-memory test doubles of connections and
// listeners: they own no descriptor, and dropping them leaks nothing.
// Pipes are in memory too, but a goroutine blocked on one end waits for
// the other end to be closed.
package doubles

import (
	"io"
	"net"
)

// memListener hands out connections from a channel.
type memListener struct{ conns chan net.Conn }

func newMemListener() net.Listener { return &memListener{conns: make(chan net.Conn)} }

func (l *memListener) Accept() (net.Conn, error) { return <-l.conns, nil }
func (l *memListener) Close() error              { return nil }
func (l *memListener) Addr() net.Addr            { return nil }

// wrapListener is a real listener with something added.
type wrapListener struct{ net.Listener }

func acceptFromConstructor() {
	l := newMemListener()
	c, err := l.Accept()
	if err != nil {
		return
	}
	c.Write(nil)
}

func acceptFromLiteral() {
	var l net.Listener = &memListener{}
	c, _ := l.Accept()
	c.Write(nil)
}

func acceptFromWrapper(inner net.Listener) {
	var l net.Listener = &wrapListener{Listener: inner}
	c, err := l.Accept() // want `connection opened here is never closed on the path through line 45`
	if err != nil {
		return
	}
	c.Write(nil)
}

func acceptFromParameter(l net.Listener) {
	c, err := l.Accept() // want `connection opened here is never closed on the path through line 53`
	if err != nil {
		return
	}
	c.Write(nil)
}

func pipeOneEndClosed() {
	a, b := net.Pipe()
	go a.Write([]byte("x"))
	b.Close()
}

func pipeWriterClosesItsEnd(data []byte) ([]byte, error) {
	client, server := net.Pipe()
	go func() {
		defer server.Close()
		server.Write(data)
	}()
	return io.ReadAll(client)
}

func pipeServerKeepsReading() {
	client, server := net.Pipe() // want `pipe opened here is never closed on the path through line 74 \(a goroutine using the other end blocks forever; a pipe holds no descriptor\)`
	go io.Copy(io.Discard, server)
	client.Write([]byte("x"))
}

func pipeServerClosureKeepsReading() {
	client, server := net.Pipe() // want `pipe opened here is never closed on the path through line 82`
	go func() {
		io.Copy(io.Discard, server)
	}()
	client.Write([]byte("x"))
}

type pipeDialer struct{}

func (pipeDialer) Dial() (net.Conn, error) { // want Dial:`opens\[0\] pipes\[0\]`
	client, server := net.Pipe()
	go io.Copy(server, server)
	return client, nil
}

func dialPipe() {
	c, err := pipeDialer{}.Dial() // want `pipe opened here is never closed on the path through line 98`
	if err != nil {
		return
	}
	c.Write(nil)
}
