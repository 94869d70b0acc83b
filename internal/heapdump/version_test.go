package heapdump

import (
	"errors"
	"runtime"
	"strings"
	"testing"
)

func TestCheckVersion(t *testing.T) {
	tests := []struct {
		give    string
		wantErr string // "" for accepted
	}{
		{give: "go1.26.8"},
		{give: "go1.27.4"},
		{give: "go1.27rc1"},
		{give: "go1.26.8 X:goroutineleakprofile"},
		{give: "devel go1.27-0a1b2c3 Tue Jan 6 10:00:00 2026 +0000"},
		{give: runtime.Version()},
		{give: "go1.25.5", wantErr: "older than this leakhound reads (Go 1.26 to 1.27): build the program with a newer Go"},
		{give: "go1.7", wantErr: "older"},
		{give: "go1.28.0", wantErr: "newer than this leakhound reads (Go 1.26 to 1.27): update leakhound"},
		{give: "go1.100", wantErr: "newer"},
		{give: "go2.0", wantErr: "not a release this leakhound knows"},
		{give: "", wantErr: "not a release"},
		{give: "go1.", wantErr: "not a release"},
		{give: "go1.99999999999999999999", wantErr: "not a release"},
	}
	for _, tt := range tests {
		err := checkVersion(tt.give)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("checkVersion(%q) = %v, want nil", tt.give, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrUnsupported)):
			t.Errorf("checkVersion(%q) = %v, want ErrUnsupported containing %q", tt.give, err, tt.wantErr)
		}
	}
}

func TestParseUnsupportedVersion(t *testing.T) {
	in := newEnc().u(tagParams, 0, 8, 0x10000, 0x20000).s("amd64").s("go1.30.1").u(2).object(0x11000).eof()
	_, err := Parse(strings.NewReader(string(in)))
	var fe *FormatError
	if !errors.Is(err, ErrUnsupported) || !errors.As(err, &fe) || fe.Record != "params" {
		t.Fatalf("Parse = %v, want ErrUnsupported in the params record", err)
	}
	const want = "heap dump offset 40 (params record): unsupported heap dump format: written by go1.30.1, newer than this leakhound reads (Go 1.26 to 1.27): update leakhound"
	if err.Error() != want {
		t.Errorf("error\n%s\nwant\n%s", err, want)
	}
}
