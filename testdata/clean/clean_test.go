// Package clean is run by the leakhound tests: its tests leave legitimate
// long-lived goroutines behind (blocked on global channels, servers closed,
// timers, I/O, signals). None of them may be reported as a proven leak.
package clean

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/leakhound/leakhound"
)

var (
	jobs     = make(chan func())
	startJob sync.Once
	cond     = sync.NewCond(&sync.Mutex{})
	lazyOnce sync.Once
	lazyCh   chan int
)

func TestMain(m *testing.M) {
	code := m.Run()
	r, err := leakhound.Find(leakhound.ProvenOnly())
	if err != nil {
		panic(err)
	}
	if path := os.Getenv("LEAKHOUND_CLEAN_REPORT"); path != "" {
		b, _ := json.Marshal(r)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			panic(err)
		}
	}
	os.Exit(code)
}

// check is Check in proven-only mode: these tests leave goroutines behind on
// purpose, and none of them may be proven leaked.
func check(t *testing.T) { leakhound.Check(t, leakhound.ProvenOnly()) }

func TestGlobalChannelWorker(t *testing.T) {
	check(t)
	startJob.Do(func() {
		go func() {
			for job := range jobs {
				job()
			}
		}()
	})
	done := make(chan struct{})
	jobs <- func() { close(done) }
	<-done
}

func TestLazyGlobal(t *testing.T) {
	check(t)
	lazyOnce.Do(func() {
		lazyCh = make(chan int)
		go func() { <-lazyCh }()
	})
}

func TestCondOnGlobal(t *testing.T) {
	check(t)
	go func() {
		cond.L.Lock()
		cond.Wait()
		cond.L.Unlock()
	}()
}

func TestServerWithClose(t *testing.T) {
	check(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

func TestListenerAcceptLoop(t *testing.T) {
	check(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	results := make(chan net.Conn)
	go func() { // blocked in I/O, holding a channel only it can send on
		c, err := ln.Accept()
		if err == nil {
			results <- c
		}
	}()
	keepListener = ln
}

var keepListener net.Listener

func TestTimers(t *testing.T) {
	check(t)
	time.AfterFunc(time.Hour, func() {})
	go func() { <-time.After(time.Hour) }()
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	go func() { <-ctx.Done() }()
	_ = cancel // the timer cancels it, eventually
	tick := time.NewTicker(time.Hour)
	go func() { <-tick.C }()
}

func TestSignalNotify(t *testing.T) {
	check(t)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	go func() { <-ch }()
}

func TestSleeping(t *testing.T) {
	check(t)
	go time.Sleep(time.Hour)
}
