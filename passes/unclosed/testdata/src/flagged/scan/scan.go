// Package scan closes the rows it is given only when a bool parameter says
// so: its callers decide, as a scanner library's internal helper does.
package scan

// Rows is what scan reads: *sql.Rows implements it.
type Rows interface {
	Close() error
	Err() error
	Next() bool
}

// API scans rows.
type API struct{}

// ScanAll reads every row and closes the rows.
func (api *API) ScanAll(rows Rows) error { // want ScanAll:`consumes\[false true\]`
	return api.process(rows, true)
}

// Peek reads every row and leaves the rows open.
func (api *API) Peek(rows Rows) error { // want Peek:`consumes\[false false\] onFailure\[false false\] onSuccess\[false false\]$`
	return api.process(rows, false)
}

// Process reads every row and closes the rows when closeRows is true.
func Process(rows Rows, closeRows bool) error { // want Process:`consumes\[false false\] .* releases 0 if 1=true$`
	var api API
	return api.process(rows, closeRows)
}

// process closes rows on every path when closeRows is true.
func (api *API) process(rows Rows, closeRows bool) error { // want process:`releases 1 if 2=true$`
	if closeRows {
		defer rows.Close()
	}
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if closeRows {
		if err := rows.Close(); err != nil {
			return err
		}
	}
	return nil
}

// CloseUnlessKept closes rows unless keep is true.
func CloseUnlessKept(rows Rows, keep bool) { // want CloseUnlessKept:`consumes\[false false\] .* releases 0 if 1=false$`
	if !keep {
		rows.Close()
	}
}
