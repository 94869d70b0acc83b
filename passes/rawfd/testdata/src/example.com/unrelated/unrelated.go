package unrelated

var X int
