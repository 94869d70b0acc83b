// Package rawfd defines an Analyzer that reports raw file descriptors used
// after the *os.File that owns them may have been garbage collected.
//
// # Analyzer rawfd
//
// rawfd: report descriptors from Fd used after their file may be collected
//
// (*os.File).Fd returns a number, not a reference: once the program stops
// using the *os.File, the garbage collector may run the file's finalizer,
// which closes the descriptor while the program still uses the number, or
// after the number was reused for another file. The analyzer follows every
// descriptor taken from a file the function opened itself (os.Open,
// os.Create, os.NewFile, os.Pipe, or the File method of a net connection or
// listener) and reports it when
//
//   - the descriptor leaves the function (returned, stored, sent on a
//     channel) while the file does not: the reactor bug, where a server keeps
//     only the descriptor of its listener for its event loop;
//   - the descriptor is used (passed to a system call, a goroutine or a
//     deferred call) after the last use of the file, with no
//     runtime.KeepAlive or deferred use keeping the file reachable;
//   - the descriptor is used after the file was closed.
//
// For example:
//
//	f, err := ln.(*net.TCPListener).File()
//	if err != nil {
//		return -1, err
//	}
//	return int(f.Fd()), nil // the listener and the file are dropped: the descriptor outlives them
//
// and
//
//	n, err := syscall.Read(int(f.Fd()), buf) // f may be collected during the call
//	return n, err
//
// Where the fix is mechanical, the diagnostic suggests inserting
// runtime.KeepAlive(f) after the last use of the descriptor. The better fix
// is often SyscallConn, whose Control method lends the descriptor only for
// the duration of a callback.
//
// Files held by package-level variables (os.Stdin, os.Stdout, os.Stderr),
// by fields, or received as parameters are kept reachable by someone else
// and are not reported; neither are files handed to another function, which
// may keep them.
package rawfd
