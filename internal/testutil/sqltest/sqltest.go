// Package sqltest is a small database/sql driver for leakhound's own tests
// and examples, so that database/sql runs end to end (pool, transactions,
// prepared statements, rows) without a third-party driver.
//
// Tables live in memory, shared by the connections of one [Open]. A
// connection can keep a file open while it lives, as the driver of an
// embedded database does. The driver understands one statement per call,
// keywords in any case:
//
//	CREATE TABLE name (column, ...)
//	INSERT INTO name VALUES (?, ...)
//	SELECT * FROM name
//	SELECT * FROM name WHERE column = ?
//
// Writes made in a transaction are applied when it commits. A query with
// arguments goes through a prepared statement (the connection's
// QueryContext answers driver.ErrSkip), as with drivers that do not
// interpolate arguments.
package sqltest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
)

// Open returns a database served by this driver, with no tables. With a
// non-empty path, each connection keeps the file at path (created if
// missing) open from its connect to its close.
func Open(path string) *sql.DB {
	return sql.OpenDB(&connector{path: path, db: &database{tables: map[string]*table{}}})
}

type database struct {
	mu     sync.Mutex
	tables map[string]*table
}

type table struct {
	columns []string
	rows    [][]driver.Value
}

type connector struct {
	path string
	db   *database
}

func (c *connector) Connect(context.Context) (driver.Conn, error) {
	cn := &conn{db: c.db}
	if c.path != "" {
		f, err := os.OpenFile(c.path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("sqltest: open the database file: %w", err)
		}
		cn.file = f
	}
	return cn, nil
}

func (c *connector) Driver() driver.Driver { return sqlDriver{} }

// sqlDriver is what DB.Driver returns; databases come from [Open] only.
type sqlDriver struct{}

func (sqlDriver) Open(string) (driver.Conn, error) {
	return nil, errors.New("sqltest: use sqltest.Open, not sql.Open")
}

type conn struct {
	db      *database
	file    *os.File
	pending []insert // writes of the open transaction
	inTx    bool
}

// insert is a row written by a transaction, applied at commit.
type insert struct {
	table string
	row   []driver.Value
}

func (c *conn) Prepare(query string) (driver.Stmt, error) {
	st, err := parse(query)
	if err != nil {
		return nil, err
	}
	return &stmt{conn: c, st: st}, nil
}

func (c *conn) Close() error {
	if c.file != nil {
		return c.file.Close()
	}
	return nil
}

func (c *conn) Begin() (driver.Tx, error) {
	if c.inTx {
		return nil, errors.New("sqltest: a transaction is already open on this connection")
	}
	c.inTx = true
	return tx{c}, nil
}

func (c *conn) QueryContext(_ context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) > 0 {
		return nil, driver.ErrSkip
	}
	st, err := parse(query)
	if err != nil {
		return nil, err
	}
	return c.query(st, nil)
}

type tx struct{ c *conn }

func (t tx) Commit() error {
	t.c.db.mu.Lock()
	defer t.c.db.mu.Unlock()
	for _, in := range t.c.pending {
		tb := t.c.db.tables[in.table]
		tb.rows = append(tb.rows, in.row)
	}
	t.c.pending, t.c.inTx = nil, false
	return nil
}

func (t tx) Rollback() error {
	t.c.pending, t.c.inTx = nil, false
	return nil
}

// statement is a parsed statement.
type statement struct {
	verb    string // CREATE, INSERT or SELECT
	table   string
	columns []string // CREATE
	where   string   // SELECT: the column compared with the argument
	inputs  int
}

// parse reads one statement of the grammar in the package documentation.
func parse(query string) (statement, error) {
	spaced := strings.NewReplacer("(", " ( ", ")", " ) ", ",", " , ").Replace(query)
	w := strings.Fields(spaced)
	up := make([]string, len(w))
	for i, s := range w {
		up[i] = strings.ToUpper(s)
	}
	bad := fmt.Errorf("sqltest: cannot run %q: see the package documentation for the statements it knows", query)
	switch {
	case len(w) >= 6 && up[0] == "CREATE" && up[1] == "TABLE" && w[3] == "(" && w[len(w)-1] == ")":
		cols, ok := list(w[4 : len(w)-1])
		if !ok {
			return statement{}, bad
		}
		return statement{verb: "CREATE", table: w[2], columns: cols}, nil
	case len(w) >= 7 && up[0] == "INSERT" && up[1] == "INTO" && up[3] == "VALUES" && w[4] == "(" && w[len(w)-1] == ")":
		vals, ok := list(w[5 : len(w)-1])
		if !ok || slices.ContainsFunc(vals, func(v string) bool { return v != "?" }) {
			return statement{}, bad
		}
		return statement{verb: "INSERT", table: w[2], inputs: len(vals)}, nil
	case len(w) == 4 && up[0] == "SELECT" && w[1] == "*" && up[2] == "FROM":
		return statement{verb: "SELECT", table: w[3]}, nil
	case len(w) == 8 && up[0] == "SELECT" && w[1] == "*" && up[2] == "FROM" && up[4] == "WHERE" && w[6] == "=" && w[7] == "?":
		return statement{verb: "SELECT", table: w[3], where: w[5], inputs: 1}, nil
	}
	return statement{}, bad
}

// list reads "a , b , c".
func list(w []string) ([]string, bool) {
	var out []string
	for i, s := range w {
		if (i%2 == 1) != (s == ",") {
			return nil, false
		}
		if i%2 == 0 {
			out = append(out, s)
		}
	}
	return out, len(w)%2 == 1
}

func (c *conn) exec(st statement, args []driver.Value) error {
	c.db.mu.Lock()
	defer c.db.mu.Unlock()
	switch st.verb {
	case "CREATE":
		if c.db.tables[st.table] != nil {
			return fmt.Errorf("sqltest: table %s already exists", st.table)
		}
		c.db.tables[st.table] = &table{columns: st.columns}
		return nil
	case "INSERT":
		tb := c.db.tables[st.table]
		if tb == nil {
			return fmt.Errorf("sqltest: no table %s", st.table)
		}
		if len(args) != len(tb.columns) {
			return fmt.Errorf("sqltest: table %s has %d columns, got %d values", st.table, len(tb.columns), len(args))
		}
		row := slices.Clone(args)
		if c.inTx {
			c.pending = append(c.pending, insert{st.table, row})
		} else {
			tb.rows = append(tb.rows, row)
		}
		return nil
	}
	return fmt.Errorf("sqltest: %s returns rows: use Query", st.verb)
}

func (c *conn) query(st statement, args []driver.Value) (driver.Rows, error) {
	if st.verb != "SELECT" {
		return nil, fmt.Errorf("sqltest: %s returns no rows: use Exec", st.verb)
	}
	c.db.mu.Lock()
	defer c.db.mu.Unlock()
	tb := c.db.tables[st.table]
	if tb == nil {
		return nil, fmt.Errorf("sqltest: no table %s", st.table)
	}
	col := -1
	if st.where != "" {
		if col = slices.Index(tb.columns, st.where); col < 0 {
			return nil, fmt.Errorf("sqltest: table %s has no column %s", st.table, st.where)
		}
	}
	out := &rows{columns: tb.columns}
	for _, r := range tb.rows {
		if col < 0 || r[col] == args[0] {
			out.rows = append(out.rows, r)
		}
	}
	return out, nil
}

type stmt struct {
	conn *conn
	st   statement
}

func (s *stmt) Close() error  { return nil }
func (s *stmt) NumInput() int { return s.st.inputs }

func (s *stmt) Exec(args []driver.Value) (driver.Result, error) {
	if err := s.conn.exec(s.st, args); err != nil {
		return nil, err
	}
	return driver.RowsAffected(1), nil
}

func (s *stmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.conn.query(s.st, args)
}

type rows struct {
	columns []string
	rows    [][]driver.Value
}

func (r *rows) Columns() []string { return r.columns }
func (r *rows) Close() error      { return nil }

func (r *rows) Next(dest []driver.Value) error {
	if len(r.rows) == 0 {
		return io.EOF
	}
	copy(dest, r.rows[0])
	r.rows = r.rows[1:]
	return nil
}
