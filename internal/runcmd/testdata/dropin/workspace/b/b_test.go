package b

import "testing"

func TestGreet(t *testing.T) {
	if got := Greet(); got != "hello from a" {
		t.Fatalf("Greet() = %q", got)
	}
}
