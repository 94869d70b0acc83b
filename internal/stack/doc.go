// Package stack parses the goroutine dumps and text profiles the Go runtime
// emits, fast: a line-driven state machine over the bytes, with no regular
// expressions, no per-line allocation, function and file names interned once,
// and frames handed out as subslices of one shared arena.
//
// # Dumps (ParseDump)
//
// The same text comes from runtime.Stack(buf, true), the "goroutine" and
// "goroutineleak" profiles with debug=2, an unrecovered panic, a fatal error,
// and SIGQUIT. The runtime writes it in goroutineheader, traceback2,
// printcreatedby1 and printAncestorTraceback (runtime/traceback.go); the
// formats below were checked against the sources of Go 1.26 and 1.27, and
// testdata/gen.go regenerates real examples of each. Where a version is named
// it is the one that introduced the line; lines without one are older or
// were only checked in 1.26 and 1.27.
//
// A goroutine starts with a header (State, Leaked, Waiting, LockedToThread,
// Bubble, Labels):
//
//	goroutine 18 [chan receive]:
//	goroutine 26 [chan receive, 12 minutes, locked to thread]:
//	goroutine 7 gp=0x1e8441b0d860 m=0 mp=0x584f60 [running]:     GOTRACEBACK=system or crash, and fatal runtime errors
//	goroutine 20 [chan receive (nil chan) (leaked)]:             Go 1.26, goroutineleak GC
//	goroutine 8 [chan receive (durable), synctest bubble 1]:     testing/synctest (GA in Go 1.25)
//	goroutine 23 [sleep (durable), synctest bubble 1]:           " (durable)" added to other idle reasons in a bubble
//	goroutine 19 [chan receive labels:{"k": "v"}]:               Go 1.26, GODEBUG=tracebacklabels=1
//	goroutine 19 [chan receive] {note: "a, b", request: r-42}:   Go 1.27, the default for go >= 1.27 modules
//
// The parts always come in the order the runtime prints them: wait reason,
// " (leaked)", " (scan)" (dropped by the parser), " (durable)" (kept in
// State), ", N minutes" (only after a minute of waiting), ", locked to
// thread", ", synctest bubble N", labels.
//
// Then come the frames, innermost first, each a call line and a file line:
//
//	main.(*T).wait(...)                                    inlined call
//		/src/main.go:19
//	main.generic[...](0x1, {0x2, 0x3})                     generic function, struct argument
//		/src/main.go:21 +0x18
//	panic({0x4a3b20?, 0xc000012345?})                      runtime.gopanic prints as "panic"
//		/goroot/src/runtime/panic.go:860 +0x13a
//	runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
//		/goroot/src/runtime/proc.go:462 +0xce fp=0xc000042fa8 sp=0xc000042f88 pc=0x47978e
//
// Frame.Func is the call line without its arguments, exactly as printed.
// Other lines inside a goroutine:
//
//	...51 frames elided...                                 Go 1.21: the 50 innermost and 50 outermost frames are printed
//	...additional frames elided...                         before Go 1.21, and in ancestors (Elided)
//	created by main.blockers in goroutine 1                " in goroutine N" since Go 1.21 (CreatedBy, CreatorID)
//		/src/main.go:67 +0x7a
//		goroutine running on other thread; stack unavailable   (StackUnavailable)
//	[originating from goroutine 5]:                        Go 1.11, GODEBUG=tracebackancestors=N (Ancestors)
//	non-Go function at pc=0x4a1b2c                         cgo frame without a symbolizer (a Frame with only Func)
//
// A blank line ends a goroutine. Text before the first header is the
// Preamble ("panic: boom", "fatal error: all goroutines are asleep -
// deadlock!", "SIGQUIT: quit\nPC=0x49e480 m=0 sigcode=0", a fatal error's
// "runtime stack:" section). Non-blank text after a goroutine that is not
// another header goes to Trailer: the register dump ("rax    0xca") and the
// further "-----\n\nSIGQUIT: quit" sections of GOTRACEBACK=crash, and the
// "exit status 2" that go run appends.
//
// # Text profiles (ParseProfile)
//
// runtime/pprof writes debug=1 profiles in printCountProfile, columns aligned
// with tabs:
//
//	goroutine profile: total 11                            goroutineleak: Go 1.26 (GOEXPERIMENT=goroutineleakprofile), Go 1.27
//	1 @ 0x47f40a 0x41512e 0x414c72 0x4e46fc 0x485341
//	# labels: {"path":"/api/v1", "request":"r-42"}         Go 1.9, pprof.Do / SetGoroutineLabels
//	#	0x4e46fb	main.main.func1.1+0x1b	/src/main.go:110
//
// # Errors
//
// Input that is not a dump (an HTML page, a binary, a debug=1 profile given
// to ParseDump) or that was cut short (a header without frames, a call line
// without its file line, a last line cut in the middle, profile counts that
// do not add up to the total) returns a *ParseError with the line number,
// the line and the reason. ParseDump still returns the goroutines parsed
// before the bad line, dropping the incomplete one.
//
// # Taking a dump (TakeDump)
//
// TakeDump takes the dump of the running process: runtime.Stack(buf, true)
// into a buffer grown until the dump fits, within a bound the caller sets.
//
// # Wait classes (ClassifyWait)
//
// ClassifyWait sorts the wait reasons of Goroutine.State into a WaitClass:
// Provable (the channel, select and sync waits the collector's leak
// detection can prove), Blocked (other waits on a goroutine), Sleeping,
// IOWait, Running, OtherWait and WaitUnknown.
package stack
