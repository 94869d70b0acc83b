// Command dropfile opens a file and never closes it, in a module of its own.
package main

import (
	"fmt"
	"os"
)

func main() {
	f, err := os.Open("go.mod")
	if err != nil {
		fmt.Println(err)
		os.Exit(3)
	}
	fmt.Println("opened", f.Name())
	os.Exit(0)
}
