package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// StableID returns the edit-stable identifier of finding f, the one
// baselines use: a hash of its package, test, kind, reason, resource and the
// functions of its origin (of its stack when it has no origin), without
// files or lines, and of rank, the place of f's lines among the findings
// that share all of those (see [AssignStableIDs]). Adding lines above a leak
// or reformatting its file changes [Finding.ID], not the stable id.
func StableID(f Finding, rank int) string {
	h := sha256.New()
	fmt.Fprintf(h, "stable\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s", f.Package, f.Test, f.Kind, f.Reason, f.Resource, funcsKey(idFrames(f)))
	fmt.Fprintf(h, "\x00%d", rank)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// AssignStableIDs sets [Finding.StableID] of every finding of fs. Findings
// that share package, test, kind, reason, resource and origin functions
// (two leaks in one function, say) are told apart by rank: their distinct
// origin lines are ordered (innermost frame first, line by line) and each
// finding gets the index of its lines, so that moving every line of a file
// keeps each rank. Findings with the same lines share one stable id.
// [New] and [Merge] call it; so the stable ids depend on the whole set of
// findings in a scope, and a producer that drops findings does so after.
func AssignStableIDs(fs []Finding) {
	type scope struct{ pkg, test, kind, reason, resource, funcs string }
	lines := map[scope][][]int{}
	keys := make([]scope, len(fs))
	for i, f := range fs {
		k := scope{f.Package, f.Test, string(f.Kind), string(f.Reason), f.Resource, funcsKey(idFrames(f))}
		keys[i] = k
		ls := linesOf(idFrames(f))
		if !slices.ContainsFunc(lines[k], func(o []int) bool { return slices.Equal(o, ls) }) {
			lines[k] = append(lines[k], ls)
		}
	}
	for _, ls := range lines {
		slices.SortFunc(ls, slices.Compare)
	}
	for i := range fs {
		ls := linesOf(idFrames(fs[i]))
		rank := slices.IndexFunc(lines[keys[i]], func(o []int) bool { return slices.Equal(o, ls) })
		fs[i].StableID = StableID(fs[i], rank)
	}
}

// idFrames is what the ids of f hash: its origin, or its stack when it has
// none.
func idFrames(f Finding) []Frame {
	if len(f.Origin) > 0 {
		return f.Origin
	}
	return f.Stack
}

// funcsKey joins the function names of frames.
func funcsKey(frames []Frame) string {
	names := make([]string, len(frames))
	for i, fr := range frames {
		names[i] = fr.Func
	}
	return strings.Join(names, "\x00")
}

// linesOf returns the line of each frame: what rank orders.
func linesOf(frames []Frame) []int {
	ls := make([]int, len(frames))
	for i, fr := range frames {
		ls[i] = fr.Line
	}
	return ls
}

// isHexID reports whether id is 16 lowercase hex digits, the form of both ids.
func isHexID(id string) bool {
	if len(id) != 16 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil && id == strings.ToLower(id)
}

// UserFrame returns the first of frames in the program's own code (a
// function whose import path has a dot in its first element, or of a main
// or test package), else the first frame; false when frames is empty.
func UserFrame(frames []Frame) (Frame, bool) {
	if len(frames) == 0 {
		return Frame{}, false
	}
	for _, fr := range frames {
		pkg := pkgOf(fr.Func)
		first, _, _ := strings.Cut(pkg, "/")
		if strings.Contains(first, ".") || pkg == "main" || strings.HasSuffix(pkg, "_test") {
			return fr, true
		}
	}
	return frames[0], true
}

// pkgOf returns the import path of the function fn ("net/http" for
// "net/http.(*Client).Do").
func pkgOf(fn string) string {
	slash := strings.LastIndex(fn, "/")
	pkg, _, _ := strings.Cut(fn[slash+1:], ".")
	return fn[:slash+1] + pkg
}
