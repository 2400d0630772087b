package server_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"

	"github.com/beckonhq/beckon/tracker"
)

func TestBeacon(t *testing.T) {
	h := newHarness(t, "")
	etag := `"` + tracker.BeaconHash() + `"`
	r := h.do("GET", "/beckon.js", "", "Accept-Encoding", "gzip")
	if r.status != 200 || r.header.Get("Cache-Control") != "no-cache" || r.header.Get("ETag") != etag ||
		r.header.Get("Content-Encoding") != "gzip" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("%d %v", r.status, r.header)
	}
	zr, err := gzip.NewReader(bytes.NewReader(r.raw))
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); !bytes.Equal(plain, tracker.BeaconJS) {
		t.Fatal("gzipped beacon differs from tracker.BeaconJS")
	}
	if r := h.do("GET", "/beckon.js", "", "If-None-Match", etag); r.status != 304 {
		t.Errorf("revalidation: %d", r.status)
	}
	if r := h.do("GET", "/beckon.js", "", "Accept-Encoding", "identity"); !bytes.Equal(r.raw, tracker.BeaconJS) || r.header.Get("Content-Encoding") != "" {
		t.Errorf("plain beacon: %v", r.header)
	}
	r = h.do("GET", "/beckon."+tracker.BeaconHash()+".js", "", "Accept-Encoding", "identity")
	if r.status != 200 || r.header.Get("Cache-Control") != "public, max-age=31536000, immutable" || !bytes.Equal(r.raw, tracker.BeaconJS) {
		t.Errorf("hashed beacon: %d %v", r.status, r.header)
	}
	checkError(t, h.do("GET", "/beckon.0123456789ab.js", ""), 404, "not_found", "")
}

func TestDemoSite(t *testing.T) {
	off := newHarness(t, "")
	checkError(t, off.do("GET", "/", ""), 404, "not_found", "")
	h := newHarness(t, "demo_site: true\n")
	for path, want := range map[string]string{
		"/":                   "<title>Northwind Heating & Air",
		"/services/ac-repair": `data-site="site_demo"`,
		"/pricing":            "<html",
		"/spa/step-2":         `id="spa-demo"`,
		"/avatar.svg":         "<svg",
	} {
		r := h.do("GET", path, "")
		ctype := "text/html; charset=utf-8"
		if strings.HasSuffix(path, ".svg") {
			ctype = "image/svg+xml"
		}
		if r.status != 200 || r.header.Get("Content-Type") != ctype || !strings.Contains(string(r.raw), want) {
			t.Errorf("%s: %d %s", path, r.status, r.header.Get("Content-Type"))
		}
	}
	for _, path := range []string{"/nope", "/services", "/../beckon.yaml"} {
		checkError(t, h.do("GET", path, ""), 404, "not_found", "")
	}
}
