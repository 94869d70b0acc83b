// Command h2body fetches from an HTTPS server speaking HTTP/2, as most calls
// from one service to another do, and keeps the responses without closing
// their bodies: each unread body holds its stream's share of the
// connection's flow-control window and one of the connection's concurrent
// streams, until the program ends.
package main

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
)

// fetch returns the response of url, whose body the caller forgets to close.
func fetch(c *http.Client, url string) (*http.Response, error) {
	return c.Get(url)
}

func main() {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s over %s\n", r.URL.Path, r.Proto)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()

	var kept []*http.Response
	for i := range 3 {
		resp, err := fetch(srv.Client(), fmt.Sprintf("%s/item/%d", srv.URL, i))
		if err != nil {
			log.Fatal(err)
		}
		kept = append(kept, resp)
	}
	fmt.Printf("%d responses over %s, bodies never closed\n", len(kept), kept[0].Proto)
}
