// Package baseline reads and writes leakhound's baseline files: the findings
// a codebase had when leakhound was switched on, so that a run reports them
// as known and fails only on new ones. Entries are keyed by the findings'
// edit-stable ids ([report.StableID]), so a baseline survives lines added
// above a leak and reformatted files. The format is documented in
// docs/report.md.
package baseline

import (
	"bytes"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/leakhound/leakhound/internal/cmdutil"
	"github.com/leakhound/leakhound/report"
)

// Schema is the value of [File.Schema].
const Schema = "leakhound.baseline/v1"

// File is a baseline: one entry per stable id, in the order of [Compare],
// so that a file written again after a change differs by the lines of the
// findings that came or went.
type File struct {
	Schema  string  `json:"schema"`
	Entries []Entry `json:"findings"`
}

// Entry is one known finding. Only StableID matches; the other fields say
// which leak it is to a person reading the file or its diff.
type Entry struct {
	StableID string `json:"stable_id"`
	Kind     string `json:"kind"`
	Reason   string `json:"reason"`
	Resource string `json:"resource,omitempty"`
	Package  string `json:"package,omitempty"`
	Test     string `json:"test,omitempty"`
	// Func is the function in the program's own code where the leak was
	// created or opened (for a static finding, the one that holds it).
	Func string `json:"func,omitempty"`
}

// Of returns the baseline of the findings of r.
func Of(r *report.Report) *File {
	seen := map[string]bool{}
	f := &File{Schema: Schema, Entries: []Entry{}}
	for _, fd := range r.Findings {
		if seen[fd.StableID] {
			continue
		}
		seen[fd.StableID] = true
		e := Entry{StableID: fd.StableID, Kind: string(fd.Kind), Reason: string(fd.Reason),
			Resource: fd.Resource, Package: fd.Package, Test: fd.Test}
		frames := fd.Origin
		if len(frames) == 0 {
			frames = fd.Stack
		}
		if fr, ok := report.UserFrame(frames); ok {
			e.Func = fr.Func
		}
		f.Entries = append(f.Entries, e)
	}
	slices.SortFunc(f.Entries, Compare)
	return f
}

// Compare orders entries by package, test, function, kind, reason,
// resource and stable id.
func Compare(a, b Entry) int {
	return cmp.Or(
		cmp.Compare(a.Package, b.Package),
		cmp.Compare(a.Test, b.Test),
		cmp.Compare(a.Func, b.Func),
		cmp.Compare(a.Kind, b.Kind),
		cmp.Compare(a.Reason, b.Reason),
		cmp.Compare(a.Resource, b.Resource),
		cmp.Compare(a.StableID, b.StableID),
	)
}

// Read reads the baseline file at path.
func Read(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the baseline: %w", err)
	}
	var f File
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("read the baseline %s: %w: write one with -write-baseline", path, err)
	}
	if f.Schema != Schema {
		return nil, fmt.Errorf("read the baseline %s: schema %q, want %q: write it again with -write-baseline", path, f.Schema, Schema)
	}
	for i, e := range f.Entries {
		if e.StableID == "" {
			return nil, fmt.Errorf("read the baseline %s: entry %d has no stable_id", path, i)
		}
	}
	return &f, nil
}

// Write writes f as indented JSON, one field per line, with a final newline.
func (f *File) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("write the baseline: %w", err)
	}
	return nil
}

// IDs returns the stable ids of the entries of f, for a policy's Known;
// none when f is nil.
func (f *File) IDs() []string {
	if f == nil {
		return nil
	}
	ids := make([]string, len(f.Entries))
	for i, e := range f.Entries {
		ids[i] = e.StableID
	}
	return ids
}

// Fixed returns the entries of f that no finding of r has: leaks fixed
// since the baseline was written.
func (f *File) Fixed(r *report.Report) []Entry {
	found := map[string]bool{}
	for _, fd := range r.Findings {
		found[fd.StableID] = true
	}
	var fixed []Entry
	for _, e := range f.Entries {
		if !found[e.StableID] {
			fixed = append(fixed, e)
		}
	}
	return fixed
}

// Flags are the baseline flags of a command: -baseline and -write-baseline.
type Flags struct {
	Read  string
	Write string
}

// AddFlags defines -baseline and -write-baseline on fs.
func AddFlags(fs *flag.FlagSet) *Flags {
	var fl Flags
	fs.StringVar(&fl.Read, "baseline", "", "report the findings listed in the baseline `FILE` as known: they do not fail the run")
	fs.StringVar(&fl.Write, "write-baseline", "", "write the findings of this run to the baseline `FILE` (\"-\" for stdout)")
	return &fl
}

// Load reads the file of -baseline; nil when the flag is not given. An
// error is a usage error: the command exits 2 before doing anything.
func (fl *Flags) Load() (*File, error) {
	if fl.Read == "" {
		return nil, nil
	}
	f, err := Read(fl.Read)
	if err != nil {
		return nil, cmdutil.Usagef("%v", err)
	}
	return f, nil
}

// Finish prints one line on w for the findings of r marked known (by a
// policy that knows [File.IDs]) and one for the entries of base that r no longer has, and
// writes the baseline of r to the file of -write-baseline ("-": stdout).
// base is nil without -baseline.
func (fl *Flags) Finish(base *File, r *report.Report, stdout, w io.Writer) error {
	if base != nil {
		known, groups := 0, 0
		for _, f := range r.Findings {
			if f.Known {
				known += f.Count
				groups++
			}
		}
		if groups > 0 {
			fmt.Fprintf(w, "leakhound: %d known leak(s) in %d group(s) listed in the baseline %s: not failing\n", known, groups, fl.Read)
		}
		if fixed := base.Fixed(r); len(fixed) > 0 {
			fmt.Fprintf(w, "leakhound: %d baseline entr%s no longer found (fixed, or not run this time): %s; rewrite the baseline with -write-baseline to drop %s\n",
				len(fixed), plural(len(fixed), "y", "ies"), describe(fixed), plural(len(fixed), "it", "them"))
		}
	}
	if fl.Write == "" {
		return nil
	}
	return cmdutil.WriteTo(fl.Write, stdout, Of(r).Write)
}

// describe lists entries as "id (func)", separated by commas.
func describe(es []Entry) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.StableID
		if where := cmp.Or(e.Func, e.Test, e.Package); where != "" {
			parts[i] += " (" + where + ")"
		}
	}
	return strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
