// Package cli is the leakhound command: it dispatches subcommands and decides
// the process exit status in one place.
package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/leakhound/leakhound/internal/cmdutil"
	"github.com/leakhound/leakhound/internal/inspectcmd"
	"github.com/leakhound/leakhound/internal/runcmd"
	"github.com/leakhound/leakhound/internal/vetcmd"
)

const usage = `leakhound finds leaked goroutines, files, sockets, response bodies and
database handles in Go programs and tests.

Usage:

	leakhound test [flags] [packages] [-- go test flags]
	leakhound run [flags] <main package dir or .go files> [-- program args]
	leakhound inspect [flags] <file|URL>...
	leakhound vet [flags] [packages]
	go vet -vettool=$(which leakhound) [packages]
	leakhound goroot    (then: PATH=$(leakhound goroot)/bin:$PATH go test ./...)

Common flags:

	-json FILE   write the JSON report (leakhound.report/v1) to FILE; "-" for stdout
	-html FILE   write the report as a self-contained HTML page to FILE; "-" for stdout

Exit status: 0 nothing found; 1 leaks found or tests failed; 2 usage or tool
error; for "run", the program's own status when no leak was found.

Run "leakhound <command> -h" for the flags of one command.
`

// Main runs the leakhound command with args (without the program name) and
// returns the process exit status. Errors are printed as one line on stderr.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	err := dispatch(args, stdin, stdout, stderr)
	if code := cmdutil.Code(err); code != 2 || err == nil {
		return code
	}
	msg := strings.ReplaceAll(err.Error(), "\n", "; ")
	fmt.Fprintf(stderr, "leakhound: %s\n", msg)
	return 2
}

func dispatch(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if vetcmd.IsVetTool(args) {
		return vetcmd.Main(args, stdout, stderr)
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return cmdutil.Usagef("no command given: run \"leakhound help\" for usage")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "test":
		return runcmd.Test(rest, stdin, stdout, stderr)
	case "run":
		return runcmd.Run(rest, stdin, stdout, stderr)
	case "goroot":
		return runcmd.Goroot(rest, stdout, stderr)
	case "inspect":
		return inspectcmd.Main(rest, stdout, stderr)
	case "vet":
		return vetcmd.Main(rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "leakhound", Version)
		return nil
	default:
		return cmdutil.Usagef("unknown command %q: run \"leakhound help\" for the list of commands", cmd)
	}
}

// Version is leakhound's version, printed by "leakhound version" and used
// to key caches of generated instrumentation.
const Version = "v0.1.0-dev"
