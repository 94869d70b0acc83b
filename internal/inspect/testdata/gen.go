//go:build ignore

// gen writes the fixtures of package inspect: real goroutine dumps and
// profiles of a process with leaked and long-blocked goroutines, in every
// format inspect reads. Run it with a Go that has the goroutineleak profile:
//
//	GOTOOLCHAIN=go1.27.4 go run -trimpath gen.go
//
// (-trimpath keeps machine-specific paths out of the fixtures.)
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

var global = make(chan int)

// leakSend blocks forever on a channel nobody else can reach: proven leak.
func leakSend() {
	ch := make(chan int)
	go func() { ch <- 1 }()
}

// blockGlobal blocks on a package-level channel: not provable, suspected.
func blockGlobal() {
	go func() { <-global }()
}

func main() {
	for i := 0; i < 3; i++ {
		leakSend()
	}
	for i := 0; i < 5; i++ {
		blockGlobal()
	}
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	write("goroutine.debug1.txt", "goroutine", 1)
	write("goroutine.pb.gz", "goroutine", 0)
	write("goroutineleak.debug1.txt", "goroutineleak", 1)
	write("goroutineleak.pb.gz", "goroutineleak", 0)
	// debug=2 of goroutineleak runs the leak-detecting GC and then prints
	// every goroutine, the leaked ones marked " (leaked)".
	write("goroutineleak.debug2.txt", "goroutineleak", 2)
	write("goroutine.debug2.txt", "goroutine", 2)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	io.WriteString(zw, "not a profile")
	zw.Close()
	must(os.WriteFile("garbage.gz", gz.Bytes(), 0o644))
}

func write(name, profile string, debug int) {
	p := pprof.Lookup(profile)
	if p == nil {
		log.Fatalf("profile %q is missing: run with Go 1.27 or GOEXPERIMENT=goroutineleakprofile", profile)
	}
	var b bytes.Buffer
	must(p.WriteTo(&b, debug))
	must(os.WriteFile(name, b.Bytes(), 0o644))
	fmt.Println("wrote", name, b.Len(), "bytes")
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
