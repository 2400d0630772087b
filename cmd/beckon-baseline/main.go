// Command beckon-baseline is the cheapest possible collector, kept only to
// measure Beckon against: a net/http + gorilla/mux server whose
// POST /v1/collect strictly decodes the same JSON event (or batch) as
// `beckon serve` and answers 202 with a small JSON body, doing nothing
// else. scripts/bench runs the same load against both.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"log"
	"net/http"

	"github.com/gorilla/mux"
)

// event has the fields of a beacon event.
type event struct {
	Site       string         `json:"site"`
	VisitorID  string         `json:"visitor_id"`
	Token      string         `json:"token"`
	Type       string         `json:"type"`
	URL        string         `json:"url"`
	Title      string         `json:"title"`
	Referrer   string         `json:"referrer"`
	Depth      float64        `json:"depth"`
	State      string         `json:"state"`
	Name       string         `json:"name"`
	Attributes map[string]any `json:"attributes"`
	Device     string         `json:"device"`
}

func collect(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 32<<10))
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var ev event
	if err := dec.Decode(&ev); err != nil || ev.VisitorID == "" {
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusAccepted)
	w.Write([]byte(`{"data":{"accepted":1}}`))
}

func main() {
	addr := flag.String("addr", "127.0.0.1:18081", "listen address")
	flag.Parse()
	r := mux.NewRouter()
	r.HandleFunc("/v1/collect", collect).Methods(http.MethodPost)
	r.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`{"status":"ok"}`)) })
	log.Fatal(http.ListenAndServe(*addr, r))
}
