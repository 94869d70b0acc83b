package sqltest

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		give    string
		want    statement
		wantErr bool
	}{
		{"create", "CREATE TABLE users (id, name)", statement{verb: "CREATE", table: "users", columns: []string{"id", "name"}}, false},
		{"create one column, lower case", "create table t(a)", statement{verb: "CREATE", table: "t", columns: []string{"a"}}, false},
		{"insert", "INSERT INTO users VALUES (?, ?)", statement{verb: "INSERT", table: "users", inputs: 2}, false},
		{"select", "SELECT * FROM users", statement{verb: "SELECT", table: "users"}, false},
		{"select where", "select * from users where id = ?", statement{verb: "SELECT", table: "users", where: "id", inputs: 1}, false},
		{"insert literal", "INSERT INTO users VALUES (1, ?)", statement{}, true},
		{"create without columns", "CREATE TABLE t ()", statement{}, true},
		{"create with a missing comma", "CREATE TABLE t (a b)", statement{}, true},
		{"unknown", "DELETE FROM users", statement{}, true},
		{"empty", "", statement{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(tt.give)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parse(%q) error = %v, want error %v", tt.give, err, tt.wantErr)
			}
			if got.verb != tt.want.verb || got.table != tt.want.table || got.where != tt.want.where ||
				got.inputs != tt.want.inputs || !slices.Equal(got.columns, tt.want.columns) {
				t.Errorf("parse(%q) = %+v, want %+v", tt.give, got, tt.want)
			}
		})
	}
}

// names returns the names selected by query, in order.
func names(t *testing.T, q interface {
	Query(string, ...any) (*sql.Rows, error)
}, query string, args ...any) []string {
	t.Helper()
	rows, err := q.Query(query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		out = append(out, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestThroughDatabaseSQL runs every statement through database/sql: plain
// queries, prepared ones, transactions that commit and roll back, a
// dedicated connection.
func TestThroughDatabaseSQL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	db := Open(path)
	defer db.Close()
	ctx := context.Background()

	if _, err := db.Exec("CREATE TABLE users (id, name)"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the connection did not open its file: %v", err)
	}
	if _, err := db.Exec("INSERT INTO users VALUES (?, ?)", 1, "ann"); err != nil {
		t.Fatal(err)
	}

	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("INSERT INTO users VALUES (?, ?)", 2, "bob"); err != nil {
		t.Fatal(err)
	}
	if got := names(t, db, "SELECT * FROM users"); !slices.Equal(got, []string{"ann"}) {
		t.Errorf("before commit: %v, want [ann]", got)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	tx, err = db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("INSERT INTO users VALUES (?, ?)", 3, "cid"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if got := names(t, db, "SELECT * FROM users"); !slices.Equal(got, []string{"ann", "bob"}) {
		t.Errorf("after commit and rollback: %v, want [ann bob]", got)
	}

	if got := names(t, db, "SELECT * FROM users WHERE id = ?", 2); !slices.Equal(got, []string{"bob"}) {
		t.Errorf("where id = 2: %v, want [bob]", got)
	}
	st, err := db.Prepare("SELECT * FROM users WHERE name = ?")
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := st.QueryRow("ann").Scan(&id, new(string)); err != nil || id != 1 {
		t.Errorf("prepared query: id %d, error %v; want 1", id, err)
	}
	st.Close()

	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.QueryRowContext(ctx, "SELECT * FROM users").Scan(&id, new(string)); err != nil || id != 1 {
		t.Errorf("query on a Conn: id %d, error %v; want 1", id, err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestErrors(t *testing.T) {
	db := Open("")
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE t (a)"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"table exists", func() error { _, err := db.Exec("CREATE TABLE t (a)"); return err }, "already exists"},
		{"no table", func() error { _, err := db.Query("SELECT * FROM nope"); return err }, "no table nope"},
		{"no column", func() error { _, err := db.Query("SELECT * FROM t WHERE b = ?", 1); return err }, "no column b"},
		{"bad statement", func() error { _, err := db.Exec("DROP TABLE t"); return err }, "cannot run"},
		{"query without rows", func() error { _, err := db.Query("INSERT INTO t VALUES (?)", 1); return err }, "returns no rows"},
		{"sql.Open", func() error { _, err := db.Driver().Open(""); return err }, "use sqltest.Open"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.run(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
