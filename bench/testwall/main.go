// Command testwall compares the wall time of "go test" and "leakhound test"
// on the same packages (by default leakhound's own suite with -short), run
// alternately after one untimed run of each has filled the build cache
// (the instrumented standard library included). It prints each run, the
// medians and their ratio leakhound/go (the goal is at most 1.3).
//
//	cd bench && go run ./testwall -rounds 3
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/leakhound/leakhound/bench/internal/gobuild"
)

func main() {
	log.SetFlags(0)
	rounds := flag.Int("rounds", 3, "timed runs of each command")
	root := flag.String("root", "..", "leakhound's source directory, where the tests run")
	goFlags := flag.String("flags", "-count=1 -short", "go test flags of both commands")
	flag.Parse()
	if *rounds < 1 || *rounds > 20 {
		log.Fatal("bad flags: need 1 <= -rounds <= 20")
	}
	pkgs := flag.Args()
	if len(pkgs) == 0 {
		pkgs = []string{"./..."}
	}
	if err := run(*rounds, *root, strings.Fields(*goFlags), pkgs); err != nil {
		log.Fatal(err)
	}
}

func run(rounds int, root string, goFlags, pkgs []string) error {
	tmp, err := os.MkdirTemp("", "leakhound-testwall-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	leakhound := filepath.Join(tmp, "leakhound")
	if err := gobuild.Build(root, leakhound, "./cmd/leakhound"); err != nil {
		return err
	}
	goTest := append(append([]string{"go", "test"}, goFlags...), pkgs...)
	lhTest := append(append(append([]string{leakhound, "test"}, pkgs...), "--"), goFlags...)
	commands := [][]string{goTest, lhTest}
	names := []string{"go test", "leakhound test"}
	fmt.Printf("in %s:\n  %s\n  %s\n\n", root, strings.Join(goTest, " "), strings.Join(lhTest, " "))
	for i, c := range commands { // fill the build cache
		_, code, err := timed(root, c)
		if err != nil {
			return err
		}
		fmt.Printf("warm-up %-15s exit %d\n", names[i], code)
	}
	times := make([][]time.Duration, 2)
	for r := range rounds {
		order := []int{0, 1}
		if r%2 == 1 {
			order = []int{1, 0}
		}
		for _, i := range order {
			d, code, err := timed(root, commands[i])
			if err != nil {
				return err
			}
			times[i] = append(times[i], d)
			fmt.Printf("round %d %-15s %7.2fs  exit %d\n", r+1, names[i], d.Seconds(), code)
		}
	}
	g, l := median(times[0]), median(times[1])
	verdict := "ok"
	if float64(l)/float64(g) > 1.3 {
		verdict = "MISSED"
	}
	fmt.Printf("\nmedian go test %.2fs, leakhound test %.2fs: ratio %.3fx (goal <= 1.30x) %s\n", g.Seconds(), l.Seconds(), float64(l)/float64(g), verdict)
	return nil
}

// timed runs the command in dir, its output discarded, and returns its wall
// time and exit status.
func timed(dir string, args []string) (time.Duration, int, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = gobuild.Environ()
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return d, exit.ExitCode(), nil
	}
	return d, 0, err
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
