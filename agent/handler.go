package agent

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/leakhound/leakhound/internal/fdtable"
)

// Handler returns the agent's HTTP handler. Serve it at the root, mount it
// on an [http.ServeMux] under a path that ends in "/" (the mux's pattern
// tells the handler where it is mounted), or under [http.StripPrefix]
// elsewhere. Paths relative to that point are matched exactly:
//
//	/                      the live page
//	report.json            the JSON report (leakhound.report/v1);
//	                       ?certainty=proven|suspected filters it;
//	                       ?retained=1 first runs a proven cycle that measures
//	                       the memory each proven leak keeps alive (a heap
//	                       dump: the process stops while it is written), at
//	                       most once per [Options.RetainedInterval] (429
//	                       otherwise), and only until the first leak of the
//	                       process is proven (409 after: see docs/retained.md)
//	series.json            the sampled history; ?last=N keeps the N latest points
//	fds.json               the open descriptors of the latest sample, sockets
//	                       with addresses and TCP state; ?kind=tcp filters
//	metrics                Prometheus text exposition format
//	pprof/goroutineleak    the goroutineleak profile as a pprof proto
//	                       (?debug=1|2 for text); 501 when the Go runtime lacks it
//	pprof/goroutine        the goroutine profile, as net/http/pprof serves it
//	                       (?debug=1 text, ?debug=2 a full dump), for
//	                       leakhound inspect and continuous profilers
//
// Every request answers 503 until [Start] and after [Stop], 401 without the
// bearer token when [Options.Token] is set ("Authorization: Bearer <token>",
// the scheme in any case), 404 on any other path, and 400 on unknown or bad
// query parameters.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := running()
		if a == nil {
			http.Error(w, "leakhound agent not started: call agent.Start", http.StatusServiceUnavailable)
			return
		}
		a.ServeHTTP(w, r)
	})
}

// endpoint is one route: its query parameters and their allowed values
// (nil: any value its handler parses).
type endpoint struct {
	params map[string][]string
	serve  func(a *Agent, w http.ResponseWriter, q url.Values)
}

var endpoints = map[string]endpoint{
	"":                    {serve: (*Agent).servePage},
	"report.json":         {params: map[string][]string{"certainty": {"proven", "suspected"}, "retained": {"1"}}, serve: (*Agent).serveReport},
	"series.json":         {params: map[string][]string{"last": nil}, serve: (*Agent).serveSeries},
	"fds.json":            {params: map[string][]string{"kind": fdtable.Kinds}, serve: (*Agent).serveFDs},
	"metrics":             {serve: (*Agent).serveMetrics},
	"pprof/goroutineleak": {params: map[string][]string{"debug": {"0", "1", "2"}}, serve: (*Agent).serveLeakProfile},
	"pprof/goroutine":     {params: map[string][]string{"debug": {"0", "1", "2"}}, serve: (*Agent).serveGoroutineProfile},
}

// route returns the endpoint name of a request: its path after the point
// where the handler is mounted, exactly; "?" when no endpoint has that name.
func route(r *http.Request) string {
	rel := strings.TrimPrefix(r.URL.Path, mountPoint(r.Pattern))
	rel = strings.TrimPrefix(rel, "/")
	if _, ok := endpoints[rel]; ok {
		return rel
	}
	return "?"
}

// mountPoint returns the path where an [http.ServeMux] pattern mounts the
// handler: "GET example.com/debug/leakhound/" gives "/debug/leakhound/", a
// pattern naming one endpoint its directory, "" without a pattern (served
// at the root, or under [http.StripPrefix], which leaves the path relative).
func mountPoint(pattern string) string {
	if _, p, ok := strings.Cut(pattern, " "); ok {
		pattern = strings.TrimLeft(p, " \t")
	}
	i := strings.IndexByte(pattern, '/')
	if i < 0 {
		return ""
	}
	pattern = pattern[i:] // without the host
	if j := strings.IndexByte(pattern, '{'); j >= 0 {
		pattern = pattern[:j]
	}
	return pattern[:strings.LastIndexByte(pattern, '/')+1]
}

// ServeHTTP serves the agent's endpoints; see [Handler].
func (a *Agent) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a.opts.Token != "" && !a.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="leakhound"`)
		http.Error(w, "missing or wrong bearer token: send \"Authorization: Bearer <token>\"", http.StatusUnauthorized)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "only GET and HEAD are served", http.StatusMethodNotAllowed)
		return
	}
	name := route(r)
	ep, ok := endpoints[name]
	if !ok {
		http.Error(w, fmt.Sprintf("no such page %q: try report.json, series.json, fds.json, metrics, pprof/goroutineleak or pprof/goroutine", r.URL.Path), http.StatusNotFound)
		return
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		http.Error(w, "bad query string: "+err.Error(), http.StatusBadRequest)
		return
	}
	for k, vs := range q {
		allowed, known := ep.params[k]
		if !known {
			http.Error(w, fmt.Sprintf("unknown query parameter %q for %q", k, "/"+name), http.StatusBadRequest)
			return
		}
		if len(vs) != 1 {
			http.Error(w, fmt.Sprintf("query parameter %q given %d times: give it once", k, len(vs)), http.StatusBadRequest)
			return
		}
		if allowed != nil && !slices.Contains(allowed, vs[0]) {
			http.Error(w, fmt.Sprintf("bad value %q for %q: want one of %s", vs[0], k, strings.Join(allowed, ", ")), http.StatusBadRequest)
			return
		}
	}
	ep.serve(a, w, q)
}

// authorized reports whether r carries the bearer token. The scheme is
// case-insensitive (RFC 7235: "bearer" is "Bearer").
func (a *Agent) authorized(r *http.Request) bool {
	scheme, got, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	got = strings.TrimLeft(got, " ")
	return ok && strings.EqualFold(scheme, "Bearer") && subtle.ConstantTimeCompare([]byte(got), []byte(a.opts.Token)) == 1
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func (a *Agent) serveReport(w http.ResponseWriter, q url.Values) {
	if q.Get("retained") == "1" {
		if code, msg := a.state.measureRetained(time.Now()); code != http.StatusOK {
			if code == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(a.state.retainedWait(time.Now()).Seconds()))))
			}
			http.Error(w, msg, code)
			return
		}
	}
	r := a.state.snapshot().report()
	if c := q.Get("certainty"); c != "" {
		kept := r.Findings[:0]
		for _, f := range r.Findings {
			if string(f.Certainty) == c {
				kept = append(kept, f)
			}
		}
		r.Findings = kept
	}
	writeJSON(w, r)
}

func (a *Agent) serveSeries(w http.ResponseWriter, q url.Values) {
	pts := a.state.snapshot().Points
	if s := q.Get("last"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			http.Error(w, fmt.Sprintf("bad value %q for \"last\": want a positive number of points", s), http.StatusBadRequest)
			return
		}
		pts = pts[max(len(pts)-n, 0):]
	}
	writeJSON(w, struct {
		Interval float64 `json:"interval_seconds"`
		Points   []point `json:"points"`
	}{a.opts.Interval.Seconds(), pts})
}

// serveFDs writes the descriptor table of the latest sample.
func (a *Agent) serveFDs(w http.ResponseWriter, q url.Values) {
	sn := a.state.snapshot()
	if sn.FDs == nil {
		msg := "no descriptor table yet"
		if sn.FDErr != nil {
			msg = sn.FDErr.Error()
		}
		http.Error(w, msg, http.StatusNotImplemented)
		return
	}
	fds := sn.FDs.FDs
	if k := q.Get("kind"); k != "" {
		fds = slices.DeleteFunc(slices.Clone(fds), func(fd fdtable.FD) bool { return fd.Kind != k })
	}
	if fds == nil {
		fds = []fdtable.FD{}
	}
	writeJSON(w, fdtable.Table{FDs: fds, Children: sn.FDs.Children})
}

// serveLeakProfile writes the goroutineleak profile. Writing it runs a
// leak-detecting garbage collection.
func (a *Agent) serveLeakProfile(w http.ResponseWriter, q url.Values) {
	p := pprof.Lookup("goroutineleak")
	if p == nil {
		http.Error(w, "the goroutineleak profile is not available in this Go runtime: build with Go 1.27, or Go 1.26 with GOEXPERIMENT=goroutineleakprofile", http.StatusNotImplemented)
		return
	}
	// Writing the profile marks leaked goroutines, after which the heap
	// cannot be dumped: not while a retained measurement runs.
	a.state.proveMu.Lock()
	defer a.state.proveMu.Unlock()
	writeProfile(w, p, q)
}

// serveGoroutineProfile writes the goroutine profile. With debug=2 it is a
// full dump, which stops the world while it is written.
func (a *Agent) serveGoroutineProfile(w http.ResponseWriter, q url.Values) {
	writeProfile(w, pprof.Lookup("goroutine"), q)
}

// writeProfile writes p as a gzip'd proto, or as text with ?debug=1 or 2.
// The profile is written to memory first, so that a failure is an error
// status, not a truncated body.
func writeProfile(w http.ResponseWriter, p *pprof.Profile, q url.Values) {
	debug, _ := strconv.Atoi(q.Get("debug"))
	var b bytes.Buffer
	if err := p.WriteTo(&b, debug); err != nil {
		http.Error(w, "write "+p.Name()+" profile: "+err.Error(), http.StatusInternalServerError)
		return
	}
	if debug == 0 {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="`+p.Name()+`.pb.gz"`)
	} else {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.Write(b.Bytes())
}

// leakProfileAvailable reports whether the Go runtime has the goroutineleak
// profile (Go 1.27, or Go 1.26 built with GOEXPERIMENT=goroutineleakprofile).
func leakProfileAvailable() bool { return pprof.Lookup("goroutineleak") != nil }
