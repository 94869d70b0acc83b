package agent

import (
	"bufio"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/leakhound/leakhound/internal/inspect"
	"github.com/leakhound/leakhound/internal/stack"
)

// serveMetrics writes the Prometheus text exposition format (version 0.0.4).
func (a *Agent) serveMetrics(w http.ResponseWriter, _ url.Values) {
	sn := a.state.snapshot()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	m := metricWriter{w: bw}

	counts := map[[3]string]int{}
	for _, f := range sn.report().Findings {
		counts[[3]string{string(f.Kind), string(f.Reason), string(f.Certainty)}] += f.Count
	}
	m.family("leakhound_findings", "gauge", "Leaked goroutines or resources in the agent's current findings, by kind, reason and certainty.")
	for _, k := range sortedKeys(counts, func(a, b [3]string) int { return strings.Compare(strings.Join(a[:], " "), strings.Join(b[:], " ")) }) {
		m.sample("leakhound_findings", counts[k], "kind", k[0], "reason", k[1], "certainty", k[2])
	}

	var last point
	if len(sn.Points) > 0 {
		last = sn.Points[len(sn.Points)-1]
	}
	m.family("leakhound_goroutines", "gauge", "Goroutines in the latest sample.")
	m.sample("leakhound_goroutines", last.Goroutines)
	m.family("leakhound_goroutines_blocked", "gauge", "Goroutines blocked in channel, select or sync waits at one site, for the largest sites of the latest sample.")
	blocked := map[[2]string]int{} // by site label and wait
	if sn.Latest != nil {
		for _, g := range sn.Latest.Groups {
			k, ok := inspect.SiteOf(&g)
			if !ok || !stack.ClassifyWait(g.Wait).WaitsOnGoroutine() {
				continue
			}
			blocked[[2]string{fmt.Sprintf("%s %s:%d", k.Site.Func, k.Site.File, k.Site.Line), g.Wait}] += g.Count
		}
	}
	for _, k := range sortedKeys(blocked, func(a, b [2]string) int { return strings.Compare(a[0]+"\x00"+a[1], b[0]+"\x00"+b[1]) }) {
		m.sample("leakhound_goroutines_blocked", blocked[k], "site", k[0], "wait", k[1])
	}
	m.family("leakhound_open_fds", "gauge", "Open file descriptors of the process by kind (tcp, tcp6, udp, unix, pipe, epoll, file...).")
	for _, k := range sortedKeys(last.FDsByKind, strings.Compare) {
		m.sample("leakhound_open_fds", last.FDsByKind[k], "kind", k)
	}
	m.family("leakhound_tcp_sockets", "gauge", "Open TCP sockets of the process by state.")
	for _, k := range sortedKeys(sn.TCPStates, strings.Compare) {
		m.sample("leakhound_tcp_sockets", sn.TCPStates[k], "state", k)
	}
	m.family("leakhound_child_processes", "gauge", "Child processes of the process not waited for, by state (running, zombie: exited, never waited for).")
	if sn.FDs != nil {
		states := sn.FDs.ChildStates()
		for _, k := range sortedKeys(states, strings.Compare) {
			m.sample("leakhound_child_processes", states[k], "state", k)
		}
	}
	m.family("leakhound_finalizer_queue", "gauge", "Finalizers queued by the garbage collector and not yet run.")
	m.sample("leakhound_finalizer_queue", last.Finalizers)
	m.family("leakhound_cleanup_queue", "gauge", "Cleanups (runtime.AddCleanup) queued and not yet run.")
	m.sample("leakhound_cleanup_queue", last.Cleanups)
	m.family("leakhound_finalizers_executed_total", "counter", "Finalizers run since the process started.")
	m.sample("leakhound_finalizers_executed_total", sn.Finalizers.finExecuted)
	m.family("leakhound_cleanups_executed_total", "counter", "Cleanups run since the process started.")
	m.sample("leakhound_cleanups_executed_total", sn.Finalizers.cleanExecuted)
	m.family("leakhound_samples_total", "counter", "Samples taken by the agent.")
	m.sample("leakhound_samples_total", sn.Samples)
	m.family("leakhound_sample_duration_seconds", "gauge", "How long the latest sample took.")
	m.sample("leakhound_sample_duration_seconds", sn.SampleCost.Seconds())
	m.family("leakhound_proven_cycles_total", "counter", "Proven detection cycles (goroutineleak garbage collections) run by the agent.")
	m.sample("leakhound_proven_cycles_total", sn.ProvenRuns)
}

func sortedKeys[K comparable, V any](m map[K]V, compare func(a, b K) int) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compare)
	return keys
}

// metricWriter writes one metric family after another.
type metricWriter struct {
	w *bufio.Writer
}

func (m metricWriter) family(name, typ, help string) {
	fmt.Fprintf(m.w, "# HELP %s %s\n# TYPE %s %s\n", name, escapeHelp(help), name, typ)
}

// sample writes "name{k="v",...} value"; labels are key, value pairs.
func (m metricWriter) sample(name string, value any, labels ...string) {
	m.w.WriteString(name)
	if len(labels) > 0 {
		m.w.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				m.w.WriteByte(',')
			}
			fmt.Fprintf(m.w, "%s=\"%s\"", labels[i], escapeLabel(labels[i+1]))
		}
		m.w.WriteByte('}')
	}
	fmt.Fprintf(m.w, " %v\n", value)
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }

var helpEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`)

func escapeHelp(s string) string { return helpEscaper.Replace(s) }
