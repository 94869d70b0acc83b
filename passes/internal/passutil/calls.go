package passutil

import (
	"go/types"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// testifyRequire is the path of testify's require package: each of its
// checks calls t.FailNow when it fails.
const testifyRequire = "github.com/stretchr/testify/require"

// noReturn are functions that end the goroutine or the process.
var noReturn = map[string]bool{
	"os.Exit": true, "log.Fatal": true, "log.Fatalf": true, "log.Fatalln": true,
	"log.Panic": true, "log.Panicf": true, "log.Panicln": true, "runtime.Goexit": true,
	"(*log.Logger).Fatal": true, "(*log.Logger).Fatalf": true, "(*log.Logger).Fatalln": true,
	"(*log.Logger).Panic": true, "(*log.Logger).Panicf": true, "(*log.Logger).Panicln": true,
	"syscall.Exit": true,
	// testify's failures: the source returns when the assertion it wraps
	// reports true, which for these it never does.
	testifyRequire + ".Fail": true, testifyRequire + ".Failf": true,
	testifyRequire + ".FailNow": true, testifyRequire + ".FailNowf": true,
	"(*" + testifyRequire + ".Assertions).Fail": true, "(*" + testifyRequire + ".Assertions).Failf": true,
	"(*" + testifyRequire + ".Assertions).FailNow": true, "(*" + testifyRequire + ".Assertions).FailNowf": true,
}

// EndsGoroutine reports whether instr never returns: a panic, or a call
// that ends the goroutine or the process (os.Exit, log.Fatal,
// runtime.Goexit, t.Fatal, t.Skip and their variants, testify's
// require.Fail and require.FailNow).
func EndsGoroutine(instr ssa.Instruction) bool {
	switch i := instr.(type) {
	case *ssa.Panic:
		return true
	case *ssa.Call:
		return EndsFunc(Callee(i.Common()))
	}
	return false
}

// endsPackages are the packages of the functions EndsByName knows.
var endsPackages = map[string]bool{
	"os": true, "log": true, "runtime": true, "syscall": true, "testing": true, testifyRequire: true,
}

// EndsFunc reports whether the function or method fn (nil: none) never
// returns, as [EndsByName] of its full name; only the names of functions of
// the packages that have such functions are built.
func EndsFunc(fn *types.Func) bool {
	return fn != nil && fn.Pkg() != nil && endsPackages[fn.Pkg().Path()] && EndsByName(fn.FullName())
}

// EndsByName reports whether the function or method of full name name
// ("os.Exit", "(*testing.common).Fatal", as types.Func.FullName spells it)
// never returns.
func EndsByName(name string) bool {
	if noReturn[name] {
		return true
	}
	if strings.HasPrefix(name, "(*testing.common).") || strings.HasPrefix(name, "(testing.TB).") {
		switch name[strings.LastIndex(name, ".")+1:] {
		case "Fatal", "Fatalf", "FailNow", "Skip", "Skipf", "SkipNow":
			return true
		}
	}
	return false
}
