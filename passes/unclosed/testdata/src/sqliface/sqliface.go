// Package sqliface gets rows from methods of interfaces whose results are
// an *sql.Rows and an error, directly and through a wrapper of another
// package.
package sqliface

import (
	"context"
	"database/sql"

	"sqliface/db"
)

func discarded(mdb *sql.DB) error {
	d := db.New(mdb)
	_, err := d.Query("SELECT 1") // want `rows opened here is never closed on the path through line 16`
	return err
}

func closed(mdb *sql.DB) error {
	d := db.New(mdb)
	rows, err := d.Query("SELECT 1")
	if err != nil {
		return err
	}
	return rows.Close()
}

func direct(ctx context.Context, q db.Querier) (int, error) {
	rows, err := q.QueryContext(ctx, "SELECT 1") // want `rows opened here is never closed on the path through line 37`
	if err != nil {
		return 0, err
	}
	n := 0
	if rows.Next() {
		n++
	}
	return n, nil
}

func directClosed(ctx context.Context, q db.Querier) (int, error) {
	rows, err := q.QueryContext(ctx, "SELECT 1")
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}

func getter(c db.Cursor) bool {
	return db.Current(c).Next()
}
