// Package deadlines holds the error paths of SetDeadline on a socket the
// function just opened: the call fails only when the socket is closed.
package deadlines

import (
	"crypto/tls"
	"errors"
	"net"
	"time"
)

func dial(addr string) (net.Conn, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	if err := conn.SetDeadline(time.Now().Add(time.Second)); err != nil {
		return nil, err // fails only when conn is closed: nothing to close
	}
	return conn, nil
}

func dialTLS(addr string, cfg *tls.Config) (*tls.Conn, error) {
	conn, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		return nil, err
	}
	if err := conn.SetReadDeadline(time.Now().Add(time.Second)); err != nil {
		return nil, err
	}
	return conn, nil
}

func accept(l *net.TCPListener) (net.Conn, error) {
	conn, err := l.AcceptTCP()
	if err != nil {
		return nil, err
	}
	if err := conn.SetWriteDeadline(time.Now().Add(time.Second)); err != nil {
		return nil, err
	}
	return conn, nil
}

func acceptListened(addr string) (net.Conn, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	conn, err := l.Accept()
	if err != nil {
		return nil, err
	}
	if err := conn.SetDeadline(time.Now().Add(time.Second)); err != nil {
		return nil, err
	}
	return conn, nil
}

// The twins that leak: another call's error, a connection of unknown
// origin, and a deadline error the function makes up itself.

func dialThenWrite(addr string) (net.Conn, error) {
	conn, err := net.Dial("tcp", addr) // want `connection opened here is never closed on the path through line 70`
	if err != nil {
		return nil, err
	}
	if _, err := conn.Write([]byte("hello")); err != nil {
		return nil, err
	}
	return conn, nil
}

// acceptAny accepts from a listener that may hand out in-memory
// connections, whose SetDeadline may fail while they are open.
func acceptAny(l net.Listener) (net.Conn, error) {
	conn, err := l.Accept() // want `connection opened here is never closed on the path through line 83`
	if err != nil {
		return nil, err
	}
	if err := conn.SetDeadline(time.Now().Add(time.Second)); err != nil {
		return nil, err
	}
	return conn, nil
}

func dialDeadlineCheck(addr string, d time.Duration) (net.Conn, error) {
	conn, err := net.Dial("tcp", addr) // want `connection opened here is never closed on the path through line 94`
	if err != nil {
		return nil, err
	}
	if err := conn.SetDeadline(time.Now().Add(d)); err != nil || d < 0 {
		return nil, errors.New("bad deadline")
	}
	return conn, nil
}
