package agent

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/leakhound/leakhound/internal/fdtable"
)

// TestChildProcesses starts a command that exits at once and does not wait
// for it: fds.json, the page and the metrics show a zombie child until it is
// waited for.
func TestChildProcesses(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("no /proc/self/fd on this system")
	}
	p, err := os.StartProcess("/bin/sh", []string{"sh", "-c", "exit 0"}, &os.ProcAttr{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Wait()
	startAgent(t, Options{Interval: 20 * time.Millisecond, ProvenInterval: -1})
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	var tab fdtable.Table
	zombie := func() bool {
		for _, c := range tab.Children {
			if c.PID == p.Pid && c.State == "zombie" {
				return true
			}
		}
		return false
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !zombie(); time.Sleep(20 * time.Millisecond) {
		_, body := get(t, srv, "/fds.json")
		tab = fdtable.Table{}
		if err := json.Unmarshal([]byte(body), &tab); err != nil {
			t.Fatalf("fds.json: %v", err)
		}
	}
	if !zombie() {
		t.Fatalf("fds.json children %+v: want process %d, zombie", tab.Children, p.Pid)
	}
	if _, page := get(t, srv, "/"); !strings.Contains(page, fmt.Sprintf(`<td class="num">%d</td><td>zombie</td>`, p.Pid)) {
		t.Errorf("the page does not show child %d as a zombie", p.Pid)
	}
	if _, metrics := get(t, srv, "/metrics"); !strings.Contains(metrics, `leakhound_child_processes{state="zombie"}`) {
		t.Errorf("metrics have no zombie child:\n%s", metrics)
	}
}
