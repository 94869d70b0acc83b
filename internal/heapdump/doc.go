// Package heapdump reads the heap dumps written by runtime/debug.WriteHeapDump
// and keeps them in a compact, indexable form.
//
// # Format
//
// A dump starts with the header line "go1.7 heap dump\n" (unchanged from Go 1.7
// through Go 1.27) and is followed by records until an EOF record. Since the
// header says nothing about the release, the runtime version in the params
// record is checked: dumps of Go releases other than those listed in
// [SupportedVersions] are refused with [ErrUnsupported]. Every number
// is an unsigned varint as written by encoding/binary.PutUvarint; a string or a
// memory range is a varint length followed by that many bytes; a bool is the
// varint 0 or 1. Each record starts with its tag:
//
//	 0 EOF
//	 1 object          addr, contents, fields
//	 2 other root      description, pointer            (not written since Go 1.4)
//	 3 type            addr, size, name, pointer data
//	 4 goroutine       addr, sp, goid, gopc, status, system, background,
//	                   waitsince, waitreason, ctxt, m, defer, panic
//	 5 stack frame     sp, depth, child sp, contents, entry pc, pc, continuation pc,
//	                   function name, fields
//	 6 params          big endian, pointer size, arena start, arena end, GOARCH,
//	                   runtime version, ncpu
//	 7 finalizer       object, funcval, entry pc, finalizer type, object type
//	 8 itab            addr, type addr
//	 9 OS thread       addr, id, OS id
//	10 mem stats       the first fields of runtime.MemStats, 256 pauses, NumGC
//	11 queued finalizer (as finalizer)
//	12 data segment    addr, contents, fields
//	13 bss segment     addr, contents, fields
//	14 defer           addr, goroutine, sp, pc, funcval, entry pc, link
//	15 panic           addr, goroutine, arg type, arg data, 0, link
//	16 mem profile     bucket, size, nstk, nstk x (function, file, line), allocs, frees
//	17 alloc sample    object addr, bucket
//
// "fields" is a list of (kind, offset) pairs ended by kind 0; the runtime only
// writes kind 1 (a pointer at offset) today. The runtime writes records in the
// order params, itabs (each preceded by its type), objects, goroutines (each
// followed by its stack frames, innermost first, then its defers and panics),
// OS threads, data, bss, finalizers, queued finalizers, mem stats, mem profile
// buckets and alloc samples.
//
// Objects carry no type: the only type names in a dump are those of the
// concrete types of itabs. [Dump.TypeOf] uses them to name objects that an
// interface value points to.
//
// # Memory
//
// Object contents are read once and dropped: only each object's address, size
// and the heap objects its pointer fields point to are kept, as sorted address
// slices and int32 edge indices, about 20 bytes per object plus 4 bytes per
// pointer.
package heapdump
