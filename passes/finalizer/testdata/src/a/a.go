package a

import (
	"net"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"
)

type T struct {
	fd  int
	buf []byte
}

func (t *T) close()          { syscall.Close(t.fd) }
func (t *T) closeArg(x *T)   { syscall.Close(x.fd) }
func closeT(t *T)            { syscall.Close(t.fd) }
func newT() *T               { return &T{fd: -1} }
func (t *T) String() string  { return "T" }
func closeStringer(s any)    {}
func closeFile(f *os.File)   {}
func closeTwo(t *T, n int)   {}
func closeVariadic(ts ...*T) {}
func closeValue(t T)         {}

var global T

func fine() {
	t := newT()
	runtime.SetFinalizer(t, func(t *T) { syscall.Close(t.fd) })
	runtime.SetFinalizer(t, (*T).close)
	runtime.SetFinalizer(t, closeT)
	runtime.SetFinalizer(t, closeStringer)
	runtime.SetFinalizer(t, func(fmtStringer interface{ String() string }) {})
	runtime.SetFinalizer(t, nil)
	local := T{}
	runtime.SetFinalizer(&local, closeT)
}

func nonPointer() {
	var t T
	runtime.SetFinalizer(t, closeValue) // want `runtime.SetFinalizer on a T, not a pointer: the runtime aborts the program \(pass a pointer to a heap object\)`
}

func nonPointerMap(m map[string]int) {
	runtime.SetFinalizer(m, func(map[string]int) {}) // want `on a map\[string\]int, not a pointer`
}

func nilObject() {
	runtime.SetFinalizer(nil, closeT) // want `runtime.SetFinalizer on nil: the runtime aborts the program`
}

func globalVar() {
	runtime.SetFinalizer(&global, closeT) // want `finalizer set on package-level variable global, which is not allocated on the heap: it never runs`
}

func globalField() {
	runtime.SetFinalizer(&global.fd, func(*int) {}) // want `package-level variable global`
}

func innerField(t *T) {
	runtime.SetFinalizer(&t.buf, func(*[]byte) {}) // want `runtime.SetFinalizer on a pointer to field buf, not to the start of an object: the runtime aborts the program`
}

func firstField(t *T) {
	runtime.SetFinalizer(&t.fd, func(*int) {})
}

func notAFunction(t *T) {
	runtime.SetFinalizer(t, 42) // want `runtime.SetFinalizer with a int, not a function`
}

func wrongArgument(t *T) {
	runtime.SetFinalizer(t, closeFile) // want `finalizer takes a \*os.File, and a \*T cannot be passed to it: the runtime aborts the program`
}

func twoArguments(t *T) {
	runtime.SetFinalizer(t, closeTwo) // want `finalizer of type func\(t \*T, n int\) does not take exactly one argument`
}

func variadic(t *T) {
	runtime.SetFinalizer(t, closeVariadic) // want `does not take exactly one argument`
}

func capturesObject() {
	t := newT()
	runtime.SetFinalizer(t, func(*T) { t.close() }) // want `finalizer refers to the object it finalizes \(through t\): the object stays reachable and the finalizer never runs \(use the finalizer's argument instead\)`
}

func capturesParam(t *T) {
	runtime.SetFinalizer(t, func(x *T) { // want `through t\)`
		x.close()
		_ = t.buf
	})
}

func capturesOther(t, other *T) {
	runtime.SetFinalizer(t, func(x *T) { other.closeArg(x) })
}

func methodValueOnObject(t *T) {
	runtime.SetFinalizer(t, t.closeArg) // want `through the receiver of the method value closeArg\)`
}

func methodValueOnOther(t, other *T) {
	runtime.SetFinalizer(t, other.closeArg)
}

func methodValueNoArgument(t *T) {
	runtime.SetFinalizer(t, t.close) // want `finalizer of type func\(\) does not take exactly one argument`
}

type wrapper struct {
	name  string
	inner *T
}

func capturesContainer(w *wrapper) {
	runtime.SetFinalizer(w.inner, func(*T) { println(w.name) }) // want `through w\)`
}

type empty struct{}

func zeroSize() {
	runtime.SetFinalizer(&empty{}, func(*empty) {}) // want `finalizer set on a zero-size empty: it may share its address with other zero-size values and never run`
}

func blockingReceive(done chan struct{}) {
	runtime.SetFinalizer(newT(), func(*T) { // want `finalizer blocks on a channel receive at line 132: all finalizers run on one goroutine, so every later finalizer \(and every file or socket the garbage collector closes\) waits behind it \(do blocking work in a new goroutine\)`
		<-done
	})
}

func blockingSend(ch chan *T) {
	runtime.SetFinalizer(newT(), func(t *T) { ch <- t }) // want `blocks on a channel send`
}

func nonBlockingSend(ch chan *T) {
	runtime.SetFinalizer(newT(), func(t *T) {
		select {
		case ch <- t:
		default:
		}
	})
}

func timedSelect(ch chan *T) {
	runtime.SetFinalizer(newT(), func(t *T) {
		select {
		case ch <- t:
		case <-time.After(time.Millisecond):
		}
	})
}

func waitingSelect(a, b chan *T) {
	runtime.SetFinalizer(newT(), func(t *T) { // want `blocks on a select without default case`
		select {
		case a <- t:
		case b <- t:
		}
	})
}

func inGoroutine(ch chan *T) {
	runtime.SetFinalizer(newT(), func(t *T) {
		go func() { ch <- t }()
	})
}

func locks(mu *sync.Mutex) {
	runtime.SetFinalizer(newT(), func(*T) { // reported with -finalizer.locks (package locks)
		mu.Lock()
		defer mu.Unlock()
	})
}

type pool struct {
	mu   sync.Mutex
	wg   sync.WaitGroup
	free []*T
}

func (p *pool) put(t *T) {
	p.mu.Lock()
	p.free = append(p.free, t)
	p.mu.Unlock()
}

func (p *pool) drain(*T) { p.wg.Wait() }

func (p *pool) waitHelper(*T) { p.helper() }

func (p *pool) helper() { p.wg.Wait() }

func lockInHelper(p *pool) {
	runtime.SetFinalizer(newT(), p.put)
}

func waitsInMethod(p *pool) {
	runtime.SetFinalizer(newT(), p.drain) // want `blocks on WaitGroup.Wait at line 192`
}

func waitsInHelper(p *pool) {
	runtime.SetFinalizer(newT(), p.waitHelper) // want `blocks on WaitGroup.Wait at line 196`
}

func deferredHelper(p *pool) {
	runtime.SetFinalizer(newT(), func(*T) { defer p.helper() }) // want `blocks on WaitGroup.Wait`
}

func sleeps() {
	runtime.SetFinalizer(newT(), func(*T) { time.Sleep(time.Second) }) // want `blocks on time.Sleep`
}

func dials() {
	runtime.SetFinalizer(newT(), func(*T) { // want `blocks on net.Dial`
		if c, err := net.Dial("tcp", "127.0.0.1:1"); err == nil {
			c.Close()
		}
	})
}

func registeredTwice(p *pool) {
	runtime.SetFinalizer(newT(), p.drain) // reported once, above
}

func closesFile(f *os.File) {
	runtime.SetFinalizer(f, (*os.File).Close)
}

func track[P any](p *P, done chan struct{}) {
	runtime.SetFinalizer(p, func(*P) { <-done }) // want `finalizer blocks on a channel receive`
}

func trackSelf[P any](p *P) {
	runtime.SetFinalizer(p, func(*P) { _ = p }) // want `finalizer refers to the object`
}

func trackFine[P any](p *P) {
	runtime.SetFinalizer(p, func(*P) {})
}

func cleanupFine(t *T) {
	runtime.AddCleanup(t, func(fd int) { syscall.Close(fd) }, t.fd)
	runtime.AddCleanup(&t.buf, func(int) {}, 0)
}

func cleanupArgIsObject(t *T) {
	runtime.AddCleanup(t, func(x *T) { x.close() }, t) // want `cleanup argument is the object itself: AddCleanup panics, the object would never be unreachable \(pass only what the cleanup needs, such as a field\)`
}

func cleanupArgHoldsObject(w *wrapper) {
	runtime.AddCleanup(w.inner, func(w *wrapper) {}, w) // want `cleanup argument holds the object: the object stays reachable and the cleanup never runs`
}

func cleanupCaptures(t *T) {
	runtime.AddCleanup(t, func(int) { t.close() }, 0) // want `cleanup refers to the object it cleans up \(through t\): the object stays reachable and the cleanup never runs \(pass what it needs as the argument\)`
}

func cleanupMethodValue(t *T) {
	runtime.AddCleanup(t, t.closeArg, t) // want `cleanup argument is the object itself`
}

func cleanupGlobal() {
	runtime.AddCleanup(&global, func(int) {}, 0) // want `cleanup set on package-level variable global, which is not allocated on the heap: it never runs`
}

func cleanupNil() {
	runtime.AddCleanup((*T)(nil), func(int) {}, 0) // want `runtime.AddCleanup on nil: it panics`
}

func cleanupZeroSize() {
	runtime.AddCleanup(&empty{}, func(int) {}, 0) // want `cleanup set on a zero-size empty`
}

func cleanupBlocks(t *T, ch chan int) {
	runtime.AddCleanup(t, func(fd int) { ch <- fd }, t.fd) // want `cleanup blocks on a channel send at line 280: cleanups share a few goroutines, so other cleanups wait behind it \(do blocking work in a new goroutine\)`
}

type box[V any] struct {
	head  int
	val   V
	count int
}

func genericConcreteField[V any](b *box[V]) {
	runtime.SetFinalizer(&b.count, func(*int) {})
}

func genericField[V any](b *box[V]) {
	runtime.SetFinalizer(&b.val, func(*V) {})
}

func genericElem[V any](a *[4]V) {
	runtime.SetFinalizer(&a[2], func(*V) {})
}
