// Package sqlwrap wraps package scan for *sql.Rows, as a scanner library's
// database/sql front end does: the rows cross an interface conversion.
package sqlwrap

import (
	"database/sql"

	"flagged/scan"
)

var api = &scan.API{}

// ScanAll reads every row and closes the rows.
func ScanAll(rows *sql.Rows) error { // want ScanAll:`consumes\[true\]`
	return api.ScanAll(rows)
}

// Peek reads every row and leaves the rows open.
func Peek(rows *sql.Rows) error { // want Peek:`consumes\[false\] onFailure\[false\] onSuccess\[false\]$`
	return api.Peek(rows)
}

// Process closes the rows when closeRows is true.
func Process(rows *sql.Rows, closeRows bool) error { // want Process:`consumes\[false false\] .* releases 0 if 1=true$`
	return scan.Process(rows, closeRows)
}

// Keep leaves the rows open when keep is true.
func Keep(rows *sql.Rows, keep bool) { // want Keep:`consumes\[false false\] .* releases 0 if 1=false$`
	scan.Process(rows, !keep)
}
