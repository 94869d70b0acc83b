package cmdutil

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// Parse parses args into fs. With -h or -help it writes usage (the command's
// text) and fs's flag defaults to stdout and returns helped == true. A bad
// flag returns a usage error naming the command, so the caller prints one
// line and exits 2.
func Parse(fs *flag.FlagSet, args []string, usage string, stdout io.Writer) (helped bool, err error) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err = fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return true, nil
	}
	if err != nil {
		return false, Usagef("%s: %v: run \"leakhound %s -h\" for usage", fs.Name(), err, fs.Name())
	}
	return false, nil
}
