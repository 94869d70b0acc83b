// Command leakhound finds leaked goroutines, files, sockets, response bodies
// and database handles in Go programs and tests. Run "leakhound help" for usage.
package main

import (
	"os"

	"github.com/leakhound/leakhound/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
