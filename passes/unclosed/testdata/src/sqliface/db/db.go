// Package db wraps whatever runs queries behind an interface, as a query
// builder's database type does: its Query returns the rows the interface's
// method opened.
package db

import (
	"context"
	"database/sql"
)

// Querier is implemented by *sql.DB, *sql.Conn, *sql.Tx and by wrappers
// around them.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Database runs queries on Db.
type Database struct {
	Db Querier
}

// New returns a Database running queries on q.
func New(q Querier) *Database { return &Database{Db: q} }

// Query runs query: the caller closes the rows.
func (d *Database) Query(query string, args ...any) (*sql.Rows, error) { // want Query:`opens\[0\]`
	return d.QueryContext(context.Background(), query, args...)
}

// QueryContext runs query: the caller closes the rows.
func (d *Database) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) { // want QueryContext:`opens\[0\]`
	return d.Db.QueryContext(ctx, query, args...)
}

// Cursor holds rows it closes itself.
type Cursor interface {
	// Rows returns the rows the cursor keeps: a getter, not an opener.
	Rows() *sql.Rows
	Close() error
}

// Current returns the rows c keeps.
func Current(c Cursor) *sql.Rows { // want Current:`consumes\[false\]`
	return c.Rows()
}
