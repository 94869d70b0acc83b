// Package flagged calls helpers that release the rows they are given only
// when a bool argument is true.
package flagged

import (
	"database/sql"

	"flagged/scan"
	"flagged/sqlwrap"
)

func scanAll(db *sql.DB) error {
	rows, err := db.Query("SELECT 1")
	if err != nil {
		return err
	}
	return sqlwrap.ScanAll(rows)
}

func scanAllIgnoringError(db *sql.DB) {
	rows, _ := db.Query("SELECT 1")
	if err := sqlwrap.ScanAll(rows); err != nil {
		return
	}
}

func peek(db *sql.DB) error {
	rows, err := db.Query("SELECT 1") // want `rows opened here is never closed`
	if err != nil {
		return err
	}
	return sqlwrap.Peek(rows)
}

func processTrue(db *sql.DB) error {
	rows, err := db.Query("SELECT 1")
	if err != nil {
		return err
	}
	return sqlwrap.Process(rows, true)
}

func processFalse(db *sql.DB) error {
	rows, err := db.Query("SELECT 1") // want `rows opened here is never closed`
	if err != nil {
		return err
	}
	return sqlwrap.Process(rows, false)
}

func processUnknown(db *sql.DB, closeRows bool) error {
	rows, err := db.Query("SELECT 1") // want `rows opened here is never closed`
	if err != nil {
		return err
	}
	return sqlwrap.Process(rows, closeRows)
}

func processDirect(db *sql.DB) error {
	rows, err := db.Query("SELECT 1")
	if err != nil {
		return err
	}
	return scan.Process(rows, true)
}

func keptOpen(db *sql.DB) {
	rows, err := db.Query("SELECT 1") // want `rows opened here is never closed`
	if err != nil {
		return
	}
	scan.CloseUnlessKept(rows, true)
}

func notKept(db *sql.DB) {
	rows, err := db.Query("SELECT 1")
	if err != nil {
		return
	}
	scan.CloseUnlessKept(rows, false)
}

func kept(db *sql.DB) {
	rows, err := db.Query("SELECT 1") // want `rows opened here is never closed`
	if err != nil {
		return
	}
	sqlwrap.Keep(rows, true)
}

func notKeptThroughWrapper(db *sql.DB) {
	rows, err := db.Query("SELECT 1")
	if err != nil {
		return
	}
	sqlwrap.Keep(rows, false)
}
