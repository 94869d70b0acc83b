// Command clean opens files, sockets and response bodies and closes every
// one, and joins its goroutines: leakhound must find nothing in it.
package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync"
	"time"
)

func main() {
	f, err := os.Open(os.Args[0])
	if err != nil {
		log.Fatal(err)
	}
	f.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello")
	})}
	var wg sync.WaitGroup
	wg.Go(func() { srv.Serve(ln) })

	for range 3 {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			log.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	http.DefaultClient.CloseIdleConnections()

	results := make(chan int, 4)
	for i := range 4 {
		wg.Go(func() { results <- i })
	}
	srv.Close()
	wg.Wait()
	for range 3 {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Println("clean exit")
}
