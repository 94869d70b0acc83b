package srcedit

import (
	"strings"
	"testing"
)

func TestShiftMovesEveryFunctionBody(t *testing.T) {
	src := "package p\n\nfunc F() {\n\tx := 1\n\t_ = x\n}\n\nfunc G() { go func() { select {} }() }\n"
	out, err := shift("p.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	lineOf := func(s, sub string) int { return strings.Count(s[:strings.Index(s, sub)], "\n") + 1 }
	for _, code := range []string{"x := 1", "select {}"} {
		if lineOf(got, code) <= lineOf(src, code) {
			t.Errorf("%q did not move down:\n%s", code, got)
		}
	}
	if lineOf(got, "select {}")-lineOf(src, "select {}") <= lineOf(got, "x := 1")-lineOf(src, "x := 1") {
		t.Errorf("a later function moved no further than an earlier one:\n%s", got)
	}
	if strings.Contains(got, "      //") {
		t.Errorf("the result is not gofmt'ed:\n%s", got)
	}
}
