package testify

import (
	"net/http"
	"os"

	"github.com/stretchr/testify/assert"
)

func noErrorFalseOwesNothing(t assert.TestingT, url string) {
	resp, err := http.Get(url)
	if !assert.NoError(t, err) {
		return
	}
	defer resp.Body.Close()
}

func nilFalseOwesNothing(t assert.TestingT, name string) {
	f, err := os.Open(name)
	if !assert.Nil(t, err) {
		return
	}
	f.Close()
}

func errorTrueOwesNothing(t assert.TestingT, name string) {
	f, err := os.Open(name)
	if assert.Error(t, err) {
		return
	}
	f.Close()
}

func boundNoErrorFalseOwesNothing(t assert.TestingT, url string) {
	a := assert.New(t)
	resp, err := http.Get(url)
	if !a.NoError(err) {
		return
	}
	resp.Body.Close()
}

func noErrorTrueOwes(t assert.TestingT, url string) {
	resp, err := http.Get(url) // want `response body opened here is never closed on the path through line 47`
	if assert.NoError(t, err) {
		println(resp.StatusCode)
		return
	}
}

func otherErrorOwes(t assert.TestingT, name string, other error) {
	f, err := os.Open(name) // want `file opened here is never closed`
	if err != nil {
		return
	}
	if !assert.NoError(t, other) {
		return
	}
	f.Close()
}
