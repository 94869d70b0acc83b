// Package a is the first module of the workspace.
package a

// Greeting is what b says.
const Greeting = "hello from a"
