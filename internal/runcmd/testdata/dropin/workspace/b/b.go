// Package b is the second module of the workspace; it imports a, which only
// go.work makes available.
package b

import "example.com/dropin/workspace/a"

// Greet returns a's greeting.
func Greet() string { return a.Greeting }
