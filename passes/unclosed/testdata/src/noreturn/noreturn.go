// Package noreturn holds paths that end in calls that never return: no
// resource leaks through them.
package noreturn

import (
	"net/http"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"noreturn/fail"
)

func requireFailEnds(t *testing.T, name string, mode int) {
	f, err := os.Open(name)
	require.NoError(t, err)
	switch mode {
	case 0:
		f.Close()
	case 1:
		require.FailNow(t, "mode 1")
	default:
		require.Fail(t, "bad mode")
	}
}

func boundRequireFailEnds(t *testing.T, name string, mode int) {
	r := require.New(t)
	f, err := os.Open(name)
	r.NoError(err)
	switch mode {
	case 0:
		f.Close()
	default:
		r.FailNow("bad mode")
	}
}

func requireErrorOwesNothing(t *testing.T, name string) {
	_, err := os.Open(name)
	require.Error(t, err)
}

func boundRequireErrorOwesNothing(t *testing.T, name string) {
	f, err := os.Open(name)
	require.New(t).Error(err)
	println(f.Name())
}

func requireNilResourceOwesNothing(t *testing.T, name string) {
	f, _ := os.Open(name)
	require.Nil(t, f)
}

func requireNoErrorLeavesItLive(t *testing.T, url string) {
	resp, err := http.Get(url) // want `response body opened here is never closed on the path through line 59`
	require.NoError(t, err)
	println(resp.StatusCode)
}

func requireOtherErrorOwes(t *testing.T, name string, other error) {
	_, err := os.Open(name) // want `file opened here is never closed on the path through line 65`
	require.Error(t, other)
	println(err)
}

func prepare(name string) error { return nil }

func requiredNilErrNeverFails(t *testing.T, name string) {
	err := prepare(name)
	require.NoError(t, err)
	f, ferr := os.Open(name)
	if ferr != nil {
		return
	}
	if err != nil {
		return // never: err was required to be nil
	}
	f.Close()
}

func uncheckedErrMayFail(t *testing.T, name string) {
	err := prepare(name)
	f, ferr := os.Open(name) // want `file opened here is never closed on the path through line 90`
	if ferr != nil {
		return
	}
	if err != nil {
		return
	}
	f.Close()
}

func fatalf(t *testing.T, format string, args ...any) {
	t.Helper()
	t.Fatalf(format, args...)
}

func localHelperEnds(t *testing.T, name string, mode int) {
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	switch mode {
	case 0:
		f.Close()
	default:
		fatalf(t, "bad mode %d", mode)
	}
}

func importedHelpersEnd(t *testing.T, s *fail.Suite, name string, mode int) {
	f, err := os.Open(name)
	if err != nil {
		fail.Exit(2, err.Error())
	}
	switch mode {
	case 0:
		f.Close()
	case 1:
		s.Abort("mode 1")
	default:
		fail.Now(t, "bad mode")
	}
}

func helperThatMayReturnOwes(t *testing.T, name string, mode int, err error) {
	f, ferr := os.Open(name) // want `file opened here is never closed on the path through line 139`
	if ferr != nil {
		t.Fatal(ferr)
	}
	switch mode {
	case 0:
		f.Close()
	default:
		fail.OnError(t, err)
	}
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func checkedErrNeverFails(t *testing.T, name string) {
	err := prepare(name)
	check(t, err)
	f, ferr := os.Open(name)
	if ferr != nil {
		return
	}
	if err != nil {
		return // never: check ended the test when err was not nil
	}
	f.Close()
}

func importedCheckErrNeverFails(t *testing.T, name string) {
	err := prepare(name)
	fail.OnError(t, err)
	f, ferr := os.Open(name)
	if ferr != nil {
		return
	}
	if err != nil {
		return
	}
	f.Close()
}

func checkedOpenErrLeavesItLive(t *testing.T, name string) {
	f, err := os.Open(name) // want `file opened here is never closed on the path through line 177`
	check(t, err)
	println(f.Name())
}
