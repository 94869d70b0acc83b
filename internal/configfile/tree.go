// Package configfile reads leakhound's configuration file format
// (docs/config.md) from a document tree: one schema walker for every
// reader of the file. A front end turns a file into the tree: [ParseJSON]
// here, the YAML one in the leakhound command. [Decode] walks the tree into
// a [Config], so that the same file, written in either format, gives the
// same Config or the same errors, each naming the file and line.
//
// It imports only the standard library and leakhound's policy package: the
// agent and the library read .leakhound.json through it ([ReadJSON])
// without depending on a YAML parser.
package configfile

import "strconv"

// Kind is the kind of a [Node].
type Kind int

// The kinds of nodes.
const (
	Mapping  Kind = iota + 1 // keys and values, in the order written
	Sequence                 // a list
	String
	Number
	Bool
	Null
)

// Node is a value of a configuration document, with the line it starts at.
type Node struct {
	Kind Kind
	Line int // 1-based
	// Value is the text of a scalar: a String's string, a Number as
	// written, "true" or "false" for a Bool, "" for Null.
	Value   string
	Items   []*Node // the items of a Sequence
	Entries []Entry // the entries of a Mapping, in the order written
}

// Entry is a key of a mapping and its value.
type Entry struct {
	Key   string
	Line  int // the key's line
	Value *Node
}

// MaxDepth bounds how deep a front end nests nodes: far deeper than the
// format goes, so that a pathological file is an error, not a deep
// recursion.
const MaxDepth = 32

// describe shows a value in a message: a string quoted, another scalar as
// written, a collection by its kind.
func describe(n *Node) string {
	switch n.Kind {
	case String:
		return strconv.Quote(n.Value)
	case Number, Bool:
		return n.Value
	case Mapping:
		return "a mapping"
	case Sequence:
		return "a list"
	}
	return "nothing"
}
