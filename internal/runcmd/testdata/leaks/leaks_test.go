package leaks_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/leakhound/leakhound/internal/runcmd/testdata/leaks"
)

var env *leaks.Env

func TestMain(m *testing.M) {
	e, err := leaks.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	env = e
	code := m.Run()
	e.Close()
	os.Exit(code)
}

// TestScenarios runs each scenario in a parallel subtest of its own.
func TestScenarios(t *testing.T) {
	for _, s := range env.Scenarios() {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			if err := s.Run(); err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(s.Name, "Drop") {
				leaks.Collect()
			}
		})
	}
}

// TestParallel has two parallel subtests whose goroutines open resources;
// only "leaks" leaves one open.
func TestParallel(t *testing.T) {
	for _, name := range []string{"clean", "leaks"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			run := env.Clean
			if name == "leaks" {
				run = env.KeepFile
			}
			done := make(chan error)
			go func() { done <- run() }()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestNested(t *testing.T) {
	t.Run("outer", func(t *testing.T) {
		t.Run("inner", func(t *testing.T) {
			if err := env.KeepTCPListener(); err != nil {
				t.Fatal(err)
			}
		})
	})
}

// TestHold keeps a sql.Conn and a sql.Tx out of the pool for 600ms: held
// too long only when leakhound's -held is shorter.
func TestHold(t *testing.T) {
	t.Parallel()
	if err := env.Hold(600 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
}
