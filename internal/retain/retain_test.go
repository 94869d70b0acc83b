package retain

import (
	"bufio"
	"bytes"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/leakhound/leakhound/internal/heapdump"
)

const mb = 1 << 20

var (
	buildOnce sync.Once
	leakyBin  string
	buildErr  error
)

// runLeaky builds testdata/leaky (once), runs a scenario and returns the
// parsed dump and the goroutine groups the program printed.
func runLeaky(t *testing.T, scenario string) (*heapdump.Dump, map[string][]int64) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs a program")
	}
	buildOnce.Do(func() {
		dir, err := mkdirTemp()
		if err != nil {
			buildErr = err
			return
		}
		leakyBin = filepath.Join(dir, "leaky")
		out, err := exec.Command("go", "build", "-o", leakyBin, "./testdata/leaky").CombinedOutput()
		if err != nil {
			buildErr = &buildError{err, out}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	dump := filepath.Join(t.TempDir(), scenario+".dump")
	out, err := exec.Command(leakyBin, scenario, dump).Output()
	if err != nil {
		t.Fatalf("leaky %s: %v", scenario, err)
	}
	groups := map[string][]int64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || f[0] != "group" {
			t.Fatalf("leaky %s: unexpected line %q", scenario, sc.Text())
		}
		for _, s := range f[2:] {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			groups[f[1]] = append(groups[f[1]], id)
		}
	}
	d, err := heapdump.ParseFile(dump)
	if err != nil {
		t.Fatal(err)
	}
	return d, groups
}

// within reports whether got is in [lo, hi].
func within(got, lo, hi int64) bool { return got >= lo && got <= hi }

func TestForgottenChannel(t *testing.T) {
	d, groups := runLeaky(t, "forgotten")
	leaked := groups["leaked"]
	if len(leaked) != 5 {
		t.Fatalf("got %d leaked goroutines, want 5", len(leaked))
	}
	sets := [][]int64{leaked}
	for _, id := range leaked {
		sets = append(sets, []int64{id})
	}
	res, err := Goroutines(d, sets)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(50 * mb); !within(res[0].Bytes, want*95/100, want*105/100) {
		t.Errorf("5 goroutines retain %d bytes, want 50 MB +/- 5%%", res[0].Bytes)
	}
	if res[0].Goroutines != 5 {
		t.Errorf("Goroutines = %d, want 5", res[0].Goroutines)
	}
	if len(res[0].Top) == 0 || !strings.Contains(res[0].Top[0].Name, "main.forgotten") || res[0].Top[0].Objects != 5 {
		t.Errorf("Top = %+v, want first the 5 buffers allocated at main.forgotten", res[0].Top)
	}
	if !slices.ContainsFunc(res[0].Top, func(ts TypeSize) bool { return ts.Name == gRecord && ts.Objects == 5 }) {
		t.Errorf("Top = %+v, want the 5 goroutine records", res[0].Top)
	}
	for i, r := range res[1:] {
		if want := int64(10 * mb); !within(r.Bytes, want, want*105/100) {
			t.Errorf("goroutine %d retains %d bytes, want 10 MB +/- 5%%", leaked[i], r.Bytes)
		}
	}
	t.Logf("retained: %+v", res[0])
}

func TestSharedWithGlobal(t *testing.T) {
	d, groups := runLeaky(t, "global")
	res, err := Goroutines(d, [][]int64{groups["global"]})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Goroutines != 1 || res[0].Bytes > 64*1024 {
		t.Errorf("goroutine sharing its buffer with a global retains %d bytes (%d goroutines), want ~0 (1)", res[0].Bytes, res[0].Goroutines)
	}
}

func TestStructures(t *testing.T) {
	d, groups := runLeaky(t, "structures")
	tests := []struct {
		name   string
		lo, hi int64
		top    string // substring of the largest Top entry, if not empty
	}{
		{name: "nested", lo: 2 * mb, hi: 2*mb + 4096, top: "main.nested"},
		{name: "maps", lo: 100 * 64 * 1024, hi: 100 * 64 * 1024 * 105 / 100}, // 64 KB objects are not all sampled
		{name: "slices", lo: 1000 * 4096, hi: 1000*4096 + 16*1024, top: "unknown (no pointers)"},
		{name: "closure", lo: 3 * mb, hi: 3*mb + 4096, top: "allocated at main."}, // closure is inlined
		{name: "iface", lo: mb + 81920, hi: mb + 81920 + 4096, top: "main.iface"},
	}
	var sets [][]int64
	for _, tt := range tests {
		sets = append(sets, groups[tt.name])
	}
	res, err := Goroutines(d, sets)
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := res[i]
			if r.Goroutines != 1 {
				t.Fatalf("Goroutines = %d, want 1", r.Goroutines)
			}
			if !within(r.Bytes, tt.lo, tt.hi) {
				t.Errorf("retains %d bytes, want %d..%d", r.Bytes, tt.lo, tt.hi)
			}
			if tt.top != "" && (len(r.Top) == 0 || !strings.Contains(r.Top[0].Name, tt.top)) {
				t.Errorf("Top = %+v, want first %q", r.Top, tt.top)
			}
		})
	}
	// The *bytes.Reader is named from the io.Reader itab that points to it
	// (the runtime writes the names of pointer types as their package only).
	if !containsName(res[4].Top, "bytes.?") {
		t.Errorf("iface Top = %+v, want a bytes.? entry", res[4].Top)
	}
}

func containsName(top []TypeSize, name string) bool {
	for _, ts := range top {
		if ts.Name == name {
			return true
		}
	}
	return false
}

func TestSharedAmongGoroutines(t *testing.T) {
	d, groups := runLeaky(t, "shared")
	ids := groups["sharing"]
	if len(ids) != 3 {
		t.Fatalf("got %d goroutines, want 3", len(ids))
	}
	sets := [][]int64{ids, {ids[0]}, {ids[1]}, {ids[2]}}
	res, err := Goroutines(d, sets)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(10 * mb); !within(res[0].Bytes, want, want*105/100) {
		t.Errorf("the 3 goroutines together retain %d bytes, want 10 MB +/- 5%%", res[0].Bytes)
	}
	for i, r := range res[1:] {
		if r.Bytes > 64*1024 {
			t.Errorf("goroutine %d alone retains %d bytes, want ~0", ids[i], r.Bytes)
		}
	}
}

func TestMissingGoroutine(t *testing.T) {
	d, err := heapdump.CaptureParsed()
	if err != nil {
		t.Fatal(err)
	}
	res, err := Goroutines(d, [][]int64{{-1}})
	if err != nil {
		t.Fatal(err)
	}
	if r := res[0]; r.Bytes != 0 || r.Objects != 0 || r.Goroutines != 0 || r.StackBytes != 0 || len(r.Top) != 0 {
		t.Errorf("missing goroutine: got %+v, want zero Result", res[0])
	}
}
