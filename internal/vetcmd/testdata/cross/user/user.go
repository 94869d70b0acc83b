// Package user leaks the file package opener opened.
package user

import "example.com/cross/opener"

// Size returns the size of the log file, and leaks the file.
func Size() (int64, error) {
	f, err := opener.Open()
	if err != nil {
		return 0, err
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}
