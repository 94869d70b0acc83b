// Command bodies reads HTTP responses without closing their bodies: each
// leaves its connection and the transport's goroutines behind until a GC
// finds the body, and nothing names the http.Get that caused it (DESIGN.md,
// problem 3).
package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"runtime"
	"time"
)

// fetch returns the body of url, and forgets resp.Body.Close().
func fetch(url string) (string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	data, err := io.ReadAll(resp.Body)
	return string(data), err
}

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello")
	})}
	go srv.Serve(ln)
	defer srv.Close()

	for range 3 {
		if _, err := fetch("http://" + ln.Addr().String() + "/hello"); err != nil {
			log.Fatal(err)
		}
	}
	for range 3 {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
}
