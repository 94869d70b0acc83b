// Command leakall runs the scenarios of package leaks for the integration
// tests of leakhound run. Without arguments it runs every scenario, then
// lets the garbage collector find what they dropped; "hold DURATION" keeps a
// sql.Conn and a sql.Tx out of the pool that long; "backlog" queues
// finalizers faster than they run for two seconds; "find" prints what
// leakhound.Find reports in a program that started no goroutine.
package main

import (
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/leakhound/leakhound"
	"github.com/leakhound/leakhound/internal/runcmd/testdata/leaks"
)

func main() {
	args := os.Args[1:]
	if len(args) == 1 && args[0] == "find" {
		find()
		return
	}
	e, err := leaks.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()
	switch {
	case len(args) == 0:
		for _, s := range e.Scenarios() {
			if err := s.Run(); err != nil {
				log.Fatalf("%s: %v", s.Name, err)
			}
		}
		leaks.Collect()
	case len(args) == 2 && args[0] == "hold":
		d, err := time.ParseDuration(args[1])
		if err != nil {
			log.Fatal(err)
		}
		if err := e.Hold(d); err != nil {
			log.Fatal(err)
		}
	case len(args) == 1 && args[0] == "backlog":
		leaks.SlowFinalizers(2 * time.Second)
	default:
		log.Fatalf("unknown arguments %s: want none, \"hold DURATION\", \"backlog\" or \"find\"", strings.Join(args, " "))
	}
	fmt.Println("leakall done")
}

// find prints the goroutines leakhound.Find reports: none, even with the
// tracker's own goroutines running.
func find() {
	rep, err := leakhound.Find(leakhound.MaxWait(50 * time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("find: %d finding(s)\n", len(rep.Findings))
	for _, f := range rep.Findings {
		fmt.Println(f.Reason, f.Stack[0].Func)
	}
}
