// Package finalizer defines an Analyzer that reports misuses of
// runtime.SetFinalizer and runtime.AddCleanup.
//
// # Analyzer finalizer
//
// finalizer: report finalizers and cleanups that never run, abort, or block
//
// A finalizer or cleanup only runs once its object is unreachable, and runs
// on a goroutine it shares with others. The analyzer reports, at the call
// that registers it:
//
//   - a finalizer or cleanup function that refers to its own object
//     (capturing it, or a method value bound to it), and a cleanup whose
//     argument is the object or holds it: the object stays reachable, so the
//     function never runs (AddCleanup panics in the simplest cases);
//   - runtime.SetFinalizer on nil, on a value that is not a pointer, on a
//     pointer into the middle of an object, or with a second argument that
//     is not a function of one argument the object can be passed to: the
//     runtime aborts the program;
//   - an object that is not on the heap (a package-level variable) or has
//     zero size: the function may never run;
//   - a finalizer or cleanup that blocks: a channel send or receive outside
//     a select with a default case, a select that waits without a timeout,
//     WaitGroup.Wait, Cond.Wait, time.Sleep, network or database calls,
//     process waits, file reads and syncs, in its body or in the functions
//     of the package it calls. All finalizers run on one goroutine, so one
//     that blocks stalls every later finalizer, including those that close
//     files and sockets dropped without Close; cleanups share a few
//     goroutines, with the same effect on other cleanups. A send on a
//     channel the package always makes with a buffer (in a variable, a
//     struct field or a package-level variable it only ever sets to
//     make(chan T, n) with a constant n > 0) is not reported: it waits only
//     when the buffer is full.
//
// With -finalizer.locks, a mutex locked in the body of a finalizer or
// cleanup is reported too: it waits whenever another goroutine holds the
// lock. Most such locks guard a short critical section, so this is off by
// default.
//
// For example:
//
//	c := &conn{fd: fd}
//	runtime.SetFinalizer(c, func(*conn) { c.close() }) // refers to c: never runs
//
//	runtime.AddCleanup(c, func(fd int) { syscall.Close(fd) }, c.fd) // right: the argument is the descriptor
//
// Blocking work belongs in a goroutine the finalizer starts.
package finalizer
