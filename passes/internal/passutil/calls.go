package passutil

import (
	"strings"

	"golang.org/x/tools/go/ssa"
)

// noReturn are functions that end the goroutine or the process.
var noReturn = map[string]bool{
	"os.Exit": true, "log.Fatal": true, "log.Fatalf": true, "log.Fatalln": true,
	"log.Panic": true, "log.Panicf": true, "log.Panicln": true, "runtime.Goexit": true,
	"(*log.Logger).Fatal": true, "(*log.Logger).Fatalf": true, "(*log.Logger).Fatalln": true,
	"(*log.Logger).Panic": true, "(*log.Logger).Panicf": true, "(*log.Logger).Panicln": true,
}

// EndsGoroutine reports whether instr never returns: a panic, or a call
// that ends the goroutine or the process (os.Exit, log.Fatal,
// runtime.Goexit, t.Fatal, t.Skip and their variants).
func EndsGoroutine(instr ssa.Instruction) bool {
	switch i := instr.(type) {
	case *ssa.Panic:
		return true
	case *ssa.Call:
		name, _ := CalleeName(i.Common())
		if noReturn[name] {
			return true
		}
		if strings.HasPrefix(name, "(*testing.common).") || strings.HasPrefix(name, "(testing.TB).") {
			m := name[strings.LastIndex(name, ".")+1:]
			return strings.HasPrefix(m, "Fatal") || strings.HasPrefix(m, "Skip") || m == "FailNow"
		}
	}
	return false
}
