package rawfd

import "os"

func fd(name string) int {
	f, _ := os.Open(name)
	return int(f.Fd()) // want `descriptor outlives the \*os.File from os.Open`
}

func fdSuppressed(name string) int {
	f, _ := os.Open(name)
	//leakhound:ignore rawfd the caller keeps the file open through /proc
	return int(f.Fd())
}
