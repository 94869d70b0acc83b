package runcmd

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/leakhound/leakhound/internal/cmdutil"
)

const gorootUsage = `usage: leakhound goroot

Prints the directory of the instrumented GOROOT of the Go toolchain that the
go command selects in the current directory, making it first if needed (the
first time takes a few seconds; compiling its standard library happens in
the first build, as with a new Go release). Its go command builds exactly
what the original builds, with leakhound's tracker in the standard library:
every test binary reports, in go test's own output, the tests that leak
files, sockets, response bodies, database/sql handles or goroutines, and
fails when leaks are found as it exits. Nothing in your module changes.

Use it wherever a build takes a Go SDK directory or a go command on PATH:

	PATH=$(leakhound goroot)/bin:$PATH go test ./...

(GOROOT must not be set in the environment: it would name the original.)

Flags:
`

// Goroot implements `leakhound goroot` with args (the words after "goroot").
func Goroot(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("goroot", flag.ContinueOnError)
	if helped, err := cmdutil.Parse(fs, args, gorootUsage, stdout); helped || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cmdutil.Usagef("goroot takes no arguments: run \"leakhound goroot\" in your module")
	}
	root, _, err := instrumentedRoot(".")
	if err != nil {
		return err
	}
	if g := os.Getenv("GOROOT"); g != "" && g != root.Dir {
		fmt.Fprintf(stderr, "leakhound: note: GOROOT=%s is set: unset it where you use the instrumented GOROOT, or the go command builds with the original\n", g)
	}
	fmt.Fprintln(stdout, root.Dir)
	return nil
}
