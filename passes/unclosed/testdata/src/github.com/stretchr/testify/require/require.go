// Package require has the signatures of testify's require checks the
// analyzer knows: each calls t.FailNow when it fails.
package require

// TestingT is what the checks report failures to.
type TestingT interface {
	Errorf(format string, args ...any)
	FailNow()
}

// NoError stops the test unless err is nil.
func NoError(t TestingT, err error, msgAndArgs ...any) {
	if err != nil {
		t.FailNow()
	}
}

// Error stops the test unless err is not nil.
func Error(t TestingT, err error, msgAndArgs ...any) {
	if err == nil {
		t.FailNow()
	}
}

// Nil stops the test unless object is nil.
func Nil(t TestingT, object any, msgAndArgs ...any) {
	if object != nil {
		t.FailNow()
	}
}

// NotNil stops the test unless object is not nil.
func NotNil(t TestingT, object any, msgAndArgs ...any) {
	if object == nil {
		t.FailNow()
	}
}

// Fail stops the test, as testify's does: through an assertion that
// always reports false.
func Fail(t TestingT, failureMessage string, msgAndArgs ...any) {
	if fail(t, failureMessage) {
		return
	}
	t.FailNow()
}

// FailNow stops the test.
func FailNow(t TestingT, failureMessage string, msgAndArgs ...any) {
	if fail(t, failureMessage) {
		return
	}
	t.FailNow()
}

func fail(t TestingT, msg string) bool {
	t.Errorf("%s", msg)
	return false
}

// Assertions are the checks bound to a TestingT.
type Assertions struct{ t TestingT }

// New returns the checks bound to t.
func New(t TestingT) *Assertions { return &Assertions{t} }

// NoError stops the test unless err is nil.
func (a *Assertions) NoError(err error, msgAndArgs ...any) { NoError(a.t, err, msgAndArgs...) }

// Error stops the test unless err is not nil.
func (a *Assertions) Error(err error, msgAndArgs ...any) { Error(a.t, err, msgAndArgs...) }

// FailNow stops the test.
func (a *Assertions) FailNow(failureMessage string, msgAndArgs ...any) {
	FailNow(a.t, failureMessage, msgAndArgs...)
}
