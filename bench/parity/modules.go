package main

// module is a public module whose tests the harness runs both ways.
type module struct {
	Name    string   // short name: -modules selects by it, and it names the copy's directory
	Path    string   // module path
	Version string   // exact version
	Pkgs    []string // packages to test; nil means ./...
	Flags   []string // go test flags for both sides, each explained in Why
	Why     string
}

// modules are pure-Go, widely used modules whose tests pass hermetically
// (loopback only, no services) under plain go test on a 2-core Linux
// machine, as root, in well under a minute once built. The -skip flags
// leave out tests that fail or hang under plain go test here, for the
// reason given.
//
// Two candidates are not in the table: github.com/pkg/errors v0.9.1 and
// github.com/patrickmn/go-cache v2.1.0+incompatible have no go.mod, and
// the harness never adds one; github.com/jmoiron/sqlx v1.4.0 tests against
// github.com/mattn/go-sqlite3, which needs cgo.
var modules = []module{
	{Name: "uuid", Path: "github.com/google/uuid", Version: "v1.6.0"},
	{
		Name: "testify", Path: "github.com/stretchr/testify", Version: "v1.12.1",
		Pkgs:  []string{".", "./assert/...", "./http", "./internal/...", "./mock", "./require"},
		Flags: []string{"-skip", "^(TestDirExists|TestNoDirExists)$"},
		Why: "TestDirExists and TestNoDirExists need ../_codegen, a nested module left out of the module zip; " +
			"./suite is testify-suite, as any -skip fails its tests",
	},
	{
		// TestFailfastSuiteFailFastOn runs go test -race: it needs cgo, and
		// the first run on a machine builds the race runtime (about 100 s;
		// 65 s more under leakhound test, whose environment it inherits).
		Name: "testify-suite", Path: "github.com/stretchr/testify", Version: "v1.12.1",
		Pkgs: []string{"./suite"},
	},
	{Name: "mux", Path: "github.com/gorilla/mux", Version: "v1.8.1"},
	{
		Name: "cobra", Path: "github.com/spf13/cobra", Version: "v1.10.2",
		Flags: []string{"-skip", "^TestFailGenFishCompletionFile$"},
		Why:   "expects writing a 0400 file to fail, which it does not as root",
	},
	{Name: "chi", Path: "github.com/go-chi/chi/v5", Version: "v5.5.0"},
	{Name: "logrus", Path: "github.com/sirupsen/logrus", Version: "v1.10.2"},
	{Name: "sync", Path: "golang.org/x/sync", Version: "v0.25.0"},
	{Name: "golang-lru", Path: "github.com/hashicorp/golang-lru/v2", Version: "v2.0.7"},
	{
		Name: "fsnotify", Path: "github.com/fsnotify/fsnotify", Version: "v1.10.1",
		Flags: []string{"-skip", "^TestAdd$/^permission_denied$"},
		Why:   "expects watching a 0000 directory to fail, which it does not as root",
	},
	{Name: "websocket", Path: "github.com/gorilla/websocket", Version: "v1.5.3"},
	{Name: "httprouter", Path: "github.com/julienschmidt/httprouter", Version: "v1.3.0"},
	{
		Name: "backoff", Path: "github.com/cenkalti/backoff/v5", Version: "v5.0.3",
		Flags: []string{"-skip", "^ExampleRetry$"},
		Why:   "GETs http://httpbin.org/get and retries until it answers (external network)",
	},
	{Name: "zap", Path: "go.uber.org/zap", Version: "v1.28.0"},
	{
		Name: "go-sqlmock", Path: "github.com/DATA-DOG/go-sqlmock", Version: "v1.5.2",
		Flags: []string{"-skip", "^TestShouldRefundUserWhenOrderIsCancelled$"},
		Why:   "hangs until go test's timeout under plain go test with Go 1.26.8 (blocked in database/sql.(*Tx).rollback)",
	},
	{Name: "go-retryablehttp", Path: "github.com/hashicorp/go-retryablehttp", Version: "v0.7.8"},
	{
		Name: "yamux", Path: "github.com/hashicorp/yamux", Version: "v0.1.2",
		Flags: []string{"-skip", "^TestSendData_VeryLarge$"},
		Why:   "moves 16 GiB over loopback and times out on a 2-core machine (it skips itself with -short)",
	},
}
