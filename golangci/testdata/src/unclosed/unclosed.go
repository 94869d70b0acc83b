package unclosed

import "os"

func open(name string) {
	f, _ := os.Open(name) // want `file opened here is never closed`
	_ = f
}

func openSuppressed(name string) {
	f, _ := os.Open(name) //leakhound:ignore unclosed the test says why
	_ = f
}
