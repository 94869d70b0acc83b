// Command sqlrows returns from inside a rows loop without closing the
// sql.Rows: the connection it holds never goes back to the pool. With one
// connection allowed, the next query waits until its timeout, and nothing
// names the query that took the connection (DESIGN.md, problem 3). The
// database is leakhound's small test driver, in memory.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"runtime"
	"time"

	"github.com/leakhound/leakhound/internal/testutil/sqltest"
)

// firstAdmin returns the name of the first admin, and forgets rows.Close()
// when it finds one.
func firstAdmin(db *sql.DB) (string, error) {
	rows, err := db.Query("SELECT * FROM users")
	if err != nil {
		return "", err
	}
	for rows.Next() {
		var id int64
		var name, role string
		if err := rows.Scan(&id, &name, &role); err != nil {
			return "", err
		}
		if role == "admin" {
			return name, nil // bug: rows still holds the connection
		}
	}
	return "", rows.Err() // Next closed rows when it reached the end
}

func main() {
	db := sqltest.Open("")
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("CREATE TABLE users (id, name, role)"); err != nil {
		log.Fatal(err)
	}
	for i, u := range [][2]string{{"ann", "admin"}, {"bob", "user"}} {
		if _, err := db.Exec("INSERT INTO users VALUES (?, ?, ?)", i+1, u[0], u[1]); err != nil {
			log.Fatal(err)
		}
	}

	name, err := firstAdmin(db)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("admin:", name)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = db.ExecContext(ctx, "INSERT INTO users VALUES (?, ?, ?)", 3, "cid", "user")
	fmt.Println("next query:", err)

	// Some time later a GC finds the forgotten rows; database/sql has no
	// finalizer, so the connection stays lost.
	for range 3 {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
}
