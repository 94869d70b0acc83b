package agent_test

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/leakhound/leakhound/agent"
)

// The agent is started once by the program and its handler mounted on a mux
// the program already serves; the report is a leakhound.report/v1 document.
func ExampleHandler() {
	if err := agent.Start(agent.Options{}); err != nil {
		log.Fatal(err)
	}
	defer agent.Stop()

	mux := http.NewServeMux()
	mux.Handle("/debug/leakhound/", agent.Handler())
	srv := httptest.NewServer(mux) // 127.0.0.1
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/debug/leakhound/report.json")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var report struct {
		Schema string `json:"schema"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&report); err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Status, report.Schema)
	// Output: 200 OK leakhound.report/v1
}

// Without a mux of its own, a program serves the agent on a loopback
// address with ListenAndServe; a port alone binds 127.0.0.1.
func ExampleListenAndServe() {
	if err := agent.Start(agent.Options{}); err != nil {
		log.Fatal(err)
	}
	defer agent.Stop()
	go func() { log.Println(agent.ListenAndServe(":6061")) }()
}
