package leaky

import "os"

// LockFd returns the descriptor of a file its deferred Close closes.
func LockFd(name string) (int, error) {
	f, err := os.Open(name)
	if err != nil {
		return -1, err
	}
	defer f.Close()
	return int(f.Fd()), nil
}

// LogFd returns the same, on purpose and documented, so it is suppressed.
func LogFd(name string) (int, error) {
	f, err := os.Open(name)
	if err != nil {
		return -1, err
	}
	defer f.Close()
	//leakhound:ignore rawfd the caller only logs the number
	return int(f.Fd()), nil
}
