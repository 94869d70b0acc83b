package a

import (
	"database/sql"
	"errors"
	"fmt"
	"helpers"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"time"
)

func earlyReturn(url string) error {
	resp, err := http.Get(url) // want `response body opened here is never closed on the path through line 22 \(connection and goroutines leak\)`
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

func closedOnAllPaths(url string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}

func errEqualsNil(url string) {
	resp, err := http.Get(url)
	if err == nil {
		resp.Body.Close()
	}
}

func returned(url string) (*http.Response, error) {
	return http.Get(url)
}

func discarded(url string) {
	http.Get(url) // want `response body opened here is discarded and never closed`
}

func neverClosedFile(name string) ([]byte, error) {
	f, err := os.Open(name) // want `file opened here is never closed on the path through line 61`
	if err != nil {
		return nil, err
	}
	return io.ReadAll(f)
}

func closureDefer(name string) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); cerr != nil {
			log.Print(cerr)
		}
	}()
	_, err = f.WriteString("x")
	return err
}

type holder struct{ conn net.Conn }

func storedInField(h *holder, addr string) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	h.conn = c
	return nil
}

func sentOnChannel(ch chan<- net.Conn, ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		ch <- c
	}
}

func handedToGoroutine(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go serve(c)
	}
}

func serve(c net.Conn) { defer c.Close() }

func acceptLoopLeak(ln net.Listener) {
	for {
		c, err := ln.Accept() // want `connection opened here is never closed`
		if err != nil {
			return
		}
		fmt.Fprintln(c, "hello")
	}
}

func retryLoop(urls []string) error {
	for _, u := range urls {
		resp, err := http.Get(u)
		if err != nil {
			continue // retry the next one
		}
		defer resp.Body.Close()
		return nil
	}
	return errors.New("all failed")
}

func helperInSamePackage(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer closeIt(f)
	return nil
}

func closeIt(c io.Closer) { c.Close() }

func helperAcrossPackages(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer helpers.CloseQuietly(f)
	return helpers.Peek(f)
}

func borrowAcrossPackages(name string) error {
	f, err := os.Open(name) // want `file opened here is never closed`
	if err != nil {
		return err
	}
	return helpers.Peek(f)
}

func drainHelper(url string) {
	resp, err := http.Get(url)
	if err != nil {
		return
	}
	helpers.Drain(resp)
}

func openerAcrossPackages() {
	f, err := helpers.OpenLog("x") // want `file opened here is never closed`
	if err != nil {
		return
	}
	fmt.Fprintln(f, "x")
}

func userType() {
	helpers.NewSession() // want `helpers.Session opened here is discarded and never released with End`
}

func userTypeEarlyReturn(fail bool) error {
	s := helpers.NewSession() // want `helpers.Session opened here is never released with End on the path through line 184`
	if fail {
		return errors.New("fail")
	}
	s.End()
	return nil
}

func userTypeReleased() {
	s := helpers.NewSession()
	defer s.End()
}

func rowsNotClosed(db *sql.DB) error {
	rows, err := db.Query("select 1") // want `rows opened here is never closed on the path through line 203 \(database connection stays busy\)`
	if err != nil {
		return err
	}
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			return err
		}
	}
	return rows.Err()
}

func rowsClosed(db *sql.DB) error {
	rows, err := db.Query("select 1")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
}

func txRollback(db *sql.DB) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return tx.Commit()
}

func txForgotten(db *sql.DB, fail bool) error {
	tx, err := db.Begin() // want `transaction begun here is never committed or rolled back on the path through line 235`
	if err != nil {
		return err
	}
	if fail {
		return errors.New("fail")
	}
	return tx.Commit()
}

func stmt(db *sql.DB) {
	s, err := db.Prepare("select 1") // want `statement prepared here is never closed`
	if err != nil {
		return
	}
	s.Exec()
}

func ticker() {
	t := time.NewTicker(time.Second) // want `ticker started here is never stopped`
	<-t.C
}

func typeSwitch(c net.Conn) {
	switch c.(type) {
	case *net.TCPConn:
	}
}

func typeSwitchOpen(addr string) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	switch tc := c.(type) {
	case *net.TCPConn:
		return tc.Close()
	default:
		return c.Close()
	}
}

func closeAll[T io.Closer](cs ...T) {
	for _, c := range cs {
		c.Close()
	}
}

func generic(name string) {
	f, err := os.Open(name)
	if err != nil {
		return
	}
	closeAll(f)
}

func fatal(name string) {
	f, err := os.Open(name)
	if err != nil {
		log.Fatal(err)
	}
	if f == nil {
		os.Exit(1)
	}
	f.Close()
}
