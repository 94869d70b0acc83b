package unclosed

import (
	"go/token"

	"golang.org/x/tools/go/ssa"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

// The error of SetDeadline, SetReadDeadline or SetWriteDeadline on a socket
// that a standard library call opened (net.Dial, tls.Dial, a TCP or Unix
// listener's Accept, ...) is not nil only when the socket is closed, so the
// path on which it is not nil owes nothing. The argument, for the net
// package of Go 1.26 and 1.27: the socket is a *net.TCPConn, *net.UDPConn,
// *net.UnixConn or *net.IPConn (or a *tls.Conn, whose setters call those of
// the socket it wraps); their setters fail when the receiver is nil (not
// after a successful open), when the descriptor is closing (fd.incref), or
// when the descriptor is not registered with the runtime poller
// (ErrNoDeadline); the opening calls register it and fail, closing it, when
// they cannot. What is left is a socket that was closed, by this function
// (then the tracker has stopped already) or by code it was handed to. A
// connection of unknown origin (an Accept of any net.Listener, a net.Conn
// parameter) may be an in-memory double whose setters fail while it is
// open: its error paths still owe the connection.

// deadlineSetters are the methods of a socket whose error says it is closed.
var deadlineSetters = map[string]bool{"SetDeadline": true, "SetReadDeadline": true, "SetWriteDeadline": true}

// socketOpeners are the standard library calls that return a socket
// registered with the runtime poller, or a TLS connection over one.
var socketOpeners = map[string]bool{
	"net.Dial":                         true,
	"net.DialTimeout":                  true,
	"net.DialTCP":                      true,
	"net.DialUDP":                      true,
	"net.DialUnix":                     true,
	"net.DialIP":                       true,
	"(*net.Dialer).Dial":               true,
	"(*net.Dialer).DialContext":        true,
	"net.ListenPacket":                 true,
	"net.ListenUDP":                    true,
	"net.ListenUnixgram":               true,
	"net.ListenIP":                     true,
	"(*net.ListenConfig).ListenPacket": true,
	"(*net.TCPListener).Accept":        true,
	"(*net.TCPListener).AcceptTCP":     true,
	"(*net.UnixListener).Accept":       true,
	"(*net.UnixListener).AcceptUnix":   true,
	"crypto/tls.Dial":                  true,
	"crypto/tls.DialWithDialer":        true,
	"(*crypto/tls.Dialer).Dial":        true,
	"(*crypto/tls.Dialer).DialContext": true,
}

// listenerOpeners are the standard library calls that return a listener
// whose Accept returns such a socket.
var listenerOpeners = map[string]bool{
	"net.Listen": true, "net.ListenTCP": true, "net.ListenUnix": true, "(*net.ListenConfig).Listen": true,
}

// noteDeadline records the error of call as one that is not nil only when
// the resource is closed, when call sets a deadline on the socket the
// tracker follows from a standard library opener.
func (t *tracker) noteDeadline(call *ssa.Call) {
	c := call.Common()
	var recv ssa.Value
	var method string
	if c.IsInvoke() {
		recv, method = c.Value, c.Method.Name()
	} else if fn := c.StaticCallee(); fn != nil && fn.Signature.Recv() != nil && len(c.Args) > 0 {
		recv, method = c.Args[0], fn.Name()
	}
	if recv == nil || !deadlineSetters[method] || !t.aliases[recv] || !t.freshSocket() {
		return
	}
	if isError(call.Type()) {
		t.freeOnFailure[call] = true
	}
}

// freshSocket reports whether the tracker follows a socket opened by a
// standard library call: one of socketOpeners, or Accept of a listener one
// of listenerOpeners returned.
func (t *tracker) freshSocket() bool {
	start, ok := t.start.(*ssa.Call)
	if !ok {
		return false
	}
	c := start.Common()
	name, _ := passutil.CalleeName(c)
	if socketOpeners[name] {
		return true
	}
	if !c.IsInvoke() || name != "(net.Listener).Accept" {
		return false
	}
	l := c.Value
	for range maxStoreSearch {
		switch v := l.(type) {
		case *ssa.UnOp:
			if v.Op != token.MUL {
				return false
			}
			l = storedValue(v)
			if l == nil {
				return false
			}
			continue
		case *ssa.Extract:
			listen, ok := v.Tuple.(*ssa.Call)
			if !ok || v.Index != 0 {
				return false
			}
			name, _ := passutil.CalleeName(listen.Common())
			return listenerOpeners[name]
		}
		return false
	}
	return false
}
