// Package leaky is checked by the integration test of leakhound vet.
package leaky

import (
	"fmt"
	"net/http"
	"os"
)

// Fetch leaks the response body when the status is not OK.
func Fetch(url string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch %s: %s", url, resp.Status)
	}
	return resp.Body.Close()
}

// Touch leaks the file, on purpose and documented, so it is suppressed.
func Touch(name string) error {
	//leakhound:ignore unclosed the process exits right after
	_, err := os.Create(name)
	return err
}
