package runcmd_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/internal/cmdutil"
	"github.com/leakhound/leakhound/internal/runcmd"
)

// TestFlags checks the command lines run and test refuse before building
// anything, and that help goes to stdout.
func TestFlags(t *testing.T) {
	cmds := map[string]func(args []string) (string, string, error){
		"run": func(args []string) (string, string, error) {
			var out, errb bytes.Buffer
			err := runcmd.Run(args, strings.NewReader(""), &out, &errb)
			return out.String(), errb.String(), err
		},
		"test": func(args []string) (string, string, error) {
			var out, errb bytes.Buffer
			err := runcmd.Test(args, strings.NewReader(""), &out, &errb)
			return out.String(), errb.String(), err
		},
	}
	for name, cmd := range cmds {
		for _, tt := range []struct {
			name    string
			give    []string
			wantErr string // "" when the command must succeed
			wantOut string
		}{
			{name: "help", give: []string{"-h"}, wantOut: "usage: leakhound " + name},
			{name: "unknown flag", give: []string{"-nosuch"}, wantErr: name + `: flag provided but not defined: -nosuch: run "leakhound ` + name + ` -h" for usage`},
			{name: "bad duration", give: []string{"-held", "soon"}, wantErr: name + `: invalid value "soon" for flag -held`},
			{name: "two reports on stdout", give: []string{"-json", "-", "-html", "-", "./x"}, wantErr: "both write to stdout"},
		} {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				stdout, stderr, err := cmd(tt.give)
				if tt.wantErr == "" {
					if err != nil || !strings.Contains(stdout, tt.wantOut) {
						t.Errorf("err = %v, stdout:\n%s\nwant no error and %q", err, stdout, tt.wantOut)
					}
					return
				}
				if cmdutil.Code(err) != 2 || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "\n") {
					t.Errorf("err = %v (exit %d), want a one-line usage error containing %q", err, cmdutil.Code(err), tt.wantErr)
				}
				if stdout != "" || stderr != "" {
					t.Errorf("a refused command line printed:\nstdout: %s\nstderr: %s", stdout, stderr)
				}
			})
		}
	}
}
