package agent

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// ListenAndServe serves [Handler] at addr under "/" until the listener
// fails, like [http.ListenAndServe]. An address without a host (":6061")
// binds to the loopback interface 127.0.0.1, so the agent is not exposed to
// the network unless a host is named on purpose ("0.0.0.0:6061").
func ListenAndServe(addr string) error {
	ln, err := listen(addr)
	if err != nil {
		return err
	}
	return newServer().Serve(ln)
}

// listen opens addr, defaulting an empty host to 127.0.0.1.
func listen(addr string) (net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("agent listen address %q: %w: use host:port, such as 127.0.0.1:6061", addr, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	if port == "" {
		return nil, errors.New("agent listen address has no port: use host:port, such as 127.0.0.1:6061")
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("agent listen: %w", err)
	}
	return ln, nil
}

func newServer() *http.Server {
	return &http.Server{
		Handler:           Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      2 * time.Minute,
	}
}
