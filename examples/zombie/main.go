// Command zombie starts a helper command and never waits for it: once the
// child exits, nothing reaps it, and it stays in the process table as a
// zombie until the program ends.
package main

import (
	"fmt"
	"log"
	"os/exec"
	"time"
)

// startHelper starts the helper and returns it; nobody calls Wait.
func startHelper() (*exec.Cmd, error) {
	cmd := exec.Command("true")
	return cmd, cmd.Start()
}

func main() {
	cmd, err := startHelper()
	if err != nil {
		log.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the helper exits meanwhile
	fmt.Printf("helper %d started, never waited for\n", cmd.Process.Pid)
}
