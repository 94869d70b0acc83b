// Command bodies checks URLs without reading or closing the response
// bodies: each body keeps its connection and the transport's goroutines
// behind until a GC finds it, and nothing names the http.Get that caused it
// (DESIGN.md, problem 3). (A body read to its end gives its connection back
// even unclosed; one left unread, as here, does not.)
package main

import (
	"fmt"
	"log"
	"net"
	"net/http"
	"runtime"
	"time"
)

// check returns the status of url, and forgets resp.Body.Close().
func check(url string) (int, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
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
		if _, err := check("http://" + ln.Addr().String() + "/hello"); err != nil {
			log.Fatal(err)
		}
	}
	for range 3 {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
}
