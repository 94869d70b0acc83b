// Package assert has the signatures of testify's assertions the analyzer
// knows.
package assert

// TestingT is what the assertions report failures to.
type TestingT interface {
	Errorf(format string, args ...any)
}

// NoError reports whether err is nil.
func NoError(t TestingT, err error, msgAndArgs ...any) bool { return err == nil }

// Nil reports whether object is nil.
func Nil(t TestingT, object any, msgAndArgs ...any) bool { return object == nil }

// Error reports whether err is not nil.
func Error(t TestingT, err error, msgAndArgs ...any) bool { return err != nil }

// Assertions are the assertions bound to a TestingT.
type Assertions struct{ t TestingT }

// New returns the assertions bound to t.
func New(t TestingT) *Assertions { return &Assertions{t} }

// NoError reports whether err is nil.
func (a *Assertions) NoError(err error, msgAndArgs ...any) bool { return err == nil }
