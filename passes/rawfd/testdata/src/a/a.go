package a

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"syscall"
)

// listenRaw is the reactor bug: only the descriptor of the listener
// survives, the listener and its file are dropped.
func listenRaw(addr string) (int, string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return -1, "", err
	}
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		return -1, "", err
	}
	return int(f.Fd()), ln.Addr().String(), nil // want `descriptor outlives the \*os.File from \(\*net.TCPListener\).File: after this function returns the file can be garbage collected and its finalizer closes the descriptor \(keep the file reachable as long as the descriptor is used, or use SyscallConn\)`
}

type poller struct {
	fd   int
	file *os.File
}

func (p *poller) watch(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	p.fd = int(f.Fd()) // want `descriptor outlives the \*os.File from os.Open`
	return nil
}

// watchKeep keeps the file with the descriptor.
func (p *poller) watchKeep(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	p.file = f
	p.fd = int(f.Fd())
	return nil
}

func sendFd(name string, ch chan<- uintptr) {
	f, _ := os.Open(name)
	ch <- f.Fd() // want `descriptor outlives`
}

// closedOnReturn returns a descriptor its deferred Close closes.
func closedOnReturn(name string) (int, error) {
	f, err := os.Open(name)
	if err != nil {
		return -1, err
	}
	defer f.Close()
	return int(f.Fd()), nil // want `descriptor outlives the \*os.File from os.Open: the file is closed when this function returns \(deferred Close at line 61\)`
}

// both returns the file with the descriptor.
func both(name string) (*os.File, int, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, -1, err
	}
	return f, int(f.Fd()), nil
}

type conn struct{ fd int }

func wrap(name string) *conn {
	f, _ := os.Open(name)
	return &conn{fd: int(f.Fd())} // want `descriptor outlives`
}

// read uses the descriptor after the last use of the file.
func read(name string, buf []byte) (int, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	n, err := syscall.Read(int(f.Fd()), buf) // want `descriptor is used at line 87 in a call after the last use of the \*os.File from os.Open: the file can be garbage collected and its finalizer close the descriptor first \(add runtime.KeepAlive after the last use of the descriptor, or use SyscallConn\)`
	return n, err
}

// readReturn cannot be fixed by one more line: the use is in the return.
func readReturn(name string, buf []byte) (int, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	return syscall.Read(int(f.Fd()), buf) // want `descriptor is used at line 97 in a call after the last use`
}

func readThenClose(name string, buf []byte) (int, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	n, err := syscall.Read(int(f.Fd()), buf)
	f.Close()
	return n, err
}

func deferClose(name string, buf []byte) (int, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return syscall.Read(int(f.Fd()), buf)
}

func deferKeepAlive(name string, buf []byte) (int, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer runtime.KeepAlive(f)
	return syscall.Read(int(f.Fd()), buf)
}

func deferKeepAliveInClosure(name string, buf []byte) (int, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer func() { runtime.KeepAlive(f) }()
	return syscall.Read(int(f.Fd()), buf)
}

func closeQuietly(f *os.File) { _ = f.Close() }

func deferHelper(name string, buf []byte) (int, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer closeQuietly(f)
	return syscall.Read(int(f.Fd()), buf)
}

func keepAliveAfter(name string, buf []byte) (int, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	n, err := syscall.Read(int(f.Fd()), buf)
	runtime.KeepAlive(f)
	return n, err
}

func useAfterClose(name string, buf []byte) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	fd := f.Fd() // want `descriptor is used at line 165 in a call after the \*os.File from os.Create is closed at line 164: the number may belong to another file by then \(use it before Close\)`
	f.Close()
	_, err = syscall.Write(int(fd), buf)
	return err
}

// printAfterClose only prints the number.
func printAfterClose(name string) {
	f, _ := os.Create(name)
	fd := f.Fd()
	f.Close()
	fmt.Println("closed descriptor", fd)
}

// stdout is kept by a package-level variable.
func stdout(buf []byte) {
	syscall.Write(int(os.Stdout.Fd()), buf)
}

// param is kept by the caller.
func param(f *os.File, buf []byte) {
	syscall.Write(int(f.Fd()), buf)
}

// field is kept by the struct.
func (p *poller) field(buf []byte) {
	syscall.Write(int(p.file.Fd()), buf)
}

func poll(fd int) {}

func goroutine(name string) {
	f, _ := os.Open(name)
	fd := int(f.Fd()) // want `descriptor is used at line 197 by a new goroutine after the last use`
	go poll(fd)
}

func goroutineWaits(name string, done chan struct{}) {
	f, _ := os.Open(name)
	fd := int(f.Fd())
	go poll(fd)
	<-done
	f.Close()
}

func closure(name string, buf []byte) {
	f, _ := os.Open(name)
	fd := int(f.Fd()) // want `descriptor is used at line 212 in a call after the last use`
	read := func() { syscall.Read(fd, buf) }
	read()
}

func loop(name string, buf []byte) {
	f, _ := os.Open(name)
	fd := int(f.Fd()) // want `descriptor is used at line 219 in a call after the last use`
	for i := 0; i < 3; i++ {
		syscall.Read(fd, buf)
	}
}

func loopThenClose(name string, buf []byte) {
	f, _ := os.Open(name)
	fd := int(f.Fd())
	for i := 0; i < 3; i++ {
		syscall.Read(fd, buf)
	}
	f.Close()
}

// loopFd takes the descriptor in every round: the next Fd call keeps the
// file reachable during the read.
func loopFd(name string, buf []byte) {
	f, _ := os.Open(name)
	for i := 0; i < 3; i++ {
		if _, err := syscall.Read(int(f.Fd()), buf); err != nil {
			return
		}
	}
}

func retry(name string, buf []byte) error {
	f, _ := os.Open(name)
	fd := int(f.Fd()) // want `descriptor is used at line 248 in a call after the last use`
	var err error
	for range 3 {
		if _, err = syscall.Read(fd, buf); err == nil {
			return nil
		}
	}
	return err
}

func either(a, b string, first bool) int {
	var f *os.File
	if first {
		f, _ = os.Open(a)
	} else {
		f, _ = os.Create(b)
	}
	return int(f.Fd()) // want `descriptor outlives its \*os.File:`
}

func deferredSyscall(name string) {
	f, _ := os.Open(name)
	fd := int(f.Fd()) // want `descriptor is used at line 268 by a deferred call after the last use`
	defer syscall.Close(fd)
}

func goroutineKeeps(name string, buf []byte) {
	f, _ := os.Open(name)
	go func() {
		defer f.Close()
		syscall.Read(int(f.Fd()), buf)
	}()
}

func capturedAndClosed(name string, buf []byte) {
	f, _ := os.Open(name)
	defer func() { f.Close() }()
	syscall.Read(int(f.Fd()), buf)
}

func setNoDelay(c *net.TCPConn) error {
	f, err := c.File()
	if err != nil {
		return err
	}
	return syscall.SetsockoptInt(int(f.Fd()), syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1) // want `descriptor is used at line 290 in a call after the last use of the \*os.File from \(\*net.TCPConn\).File`
}

func readAll[T any](name string, conv func([]byte) T) (T, error) {
	var zero T
	f, err := os.Open(name)
	if err != nil {
		return zero, err
	}
	defer f.Close()
	buf := make([]byte, 512)
	n, err := syscall.Read(int(f.Fd()), buf)
	if err != nil {
		return zero, err
	}
	return conv(buf[:n]), nil
}

func rawGeneric[T ~int](name string) T {
	f, _ := os.Open(name)
	return T(f.Fd()) // want `descriptor outlives`
}

// handedOver gives the file to a function that may keep it.
func handedOver(name string, register func(*os.File)) int {
	f, _ := os.Open(name)
	register(f)
	return int(f.Fd())
}

// pipe uses both ends while it holds them.
func pipe(buf []byte) error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	defer w.Close()
	syscall.Write(int(w.Fd()), buf)
	_, err = syscall.Read(int(r.Fd()), buf)
	return err
}

type event struct{ fd, events int32 }

func register(epfd int, ev *event) {}

// localStruct puts the descriptor in a struct used while the file is open.
func localStruct(name string, epfd int) {
	f, _ := os.Open(name)
	ev := event{fd: int32(f.Fd()), events: 1}
	register(epfd, &ev)
	f.Close()
}

func ignoredResult(name string) {
	f, _ := os.Open(name)
	f.Fd() // sets blocking mode; the number is not used
	f.Close()
}
