package cmdflag

import (
	"bytes"
	"flag"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/internal/status"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		name       string
		give       []string
		wantHelped bool
		wantErr    string // substring; "" for no error
		wantOut    string // substring of stdout
		wantN      int
	}{
		{name: "ok", give: []string{"-n", "3", "pkg"}, wantN: 3},
		{name: "help", give: []string{"-h"}, wantHelped: true, wantOut: "usage: leakhound demo\n  -n N"},
		{name: "long help", give: []string{"-help"}, wantHelped: true, wantOut: "usage: leakhound demo"},
		{name: "unknown flag", give: []string{"-nosuch"}, wantErr: `demo: flag provided but not defined: -nosuch: run "leakhound demo -h" for usage`},
		{name: "bad value", give: []string{"-n", "x"}, wantErr: `demo: invalid value "x" for flag -n`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("demo", flag.ContinueOnError)
			n := fs.Int("n", 0, "how many `N`")
			var out bytes.Buffer
			helped, err := Parse(fs, tt.give, "usage: leakhound demo\n", &out)
			if helped != tt.wantHelped {
				t.Errorf("helped = %v, want %v", helped, tt.wantHelped)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("err = %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
			case tt.wantErr != "" && status.Code(err) != 2:
				t.Errorf("exit status of %v = %d, want 2", err, status.Code(err))
			case tt.wantErr != "" && strings.Contains(err.Error(), "\n"):
				t.Errorf("error %q is not one line", err)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stdout = %q, want it to contain %q", out.String(), tt.wantOut)
			}
			if tt.wantErr != "" && out.Len() > 0 {
				t.Errorf("a bad flag printed to stdout: %q", out.String())
			}
			if *n != tt.wantN {
				t.Errorf("n = %d, want %d", *n, tt.wantN)
			}
		})
	}
}
