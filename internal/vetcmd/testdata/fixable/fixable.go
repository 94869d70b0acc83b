// Package fixable has leaks that leakhound vet -fix repairs, and one it
// cannot.
package fixable

import (
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// Size returns the size of the body at url.
func Size(url string) (int, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("status %s", resp.Status)
	}
	b, err := io.ReadAll(resp.Body)
	return len(b), err
}

// Head returns the first bytes of a file.
func Head(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, 16)
	n, err := f.Read(buf)
	return buf[:n], err
}

// Count counts the rows of a query.
func Count(db *sql.DB) (int, error) {
	rows, err := db.Query("select 1")
	if err != nil {
		return 0, err
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, err
		}
	}
	return n, rows.Err()
}

// Tick waits for n ticks.
func Tick(n int) {
	t := time.NewTicker(time.Millisecond)
	for range n {
		<-t.C
	}
}

// Maybe returns the file when keep is true: no fix is offered, the caller
// may own it.
func Maybe(name string, keep bool) (*os.File, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	if keep {
		return f, nil
	}
	return nil, nil
}
