package server

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/gorilla/mux"

	"github.com/beckonhq/beckon/examples"
	"github.com/beckonhq/beckon/tracker"
)

// beaconAsset is beckon.js with its gzip form, made once.
type beaconAsset struct {
	hash string
	etag string
	raw  []byte
	gz   []byte
}

func newBeaconAsset() beaconAsset {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(tracker.BeaconJS)
	zw.Close()
	h := tracker.BeaconHash()
	return beaconAsset{hash: h, etag: `"` + h + `"`, raw: tracker.BeaconJS, gz: buf.Bytes()}
}

// beacon is GET /beckon.js: always revalidated, so a new version is picked
// up at once (the ETag is the content hash).
func (s *Server) beacon(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-cache")
	s.serveBeacon(w, r)
}

// hashedBeacon is GET /beckon.HASH.js: the URL changes with the content,
// so it may be cached for a year.
func (s *Server) hashedBeacon(w http.ResponseWriter, r *http.Request) {
	if mux.Vars(r)["hash"] != s.script.hash {
		s.notFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	s.serveBeacon(w, r)
}

func (s *Server) serveBeacon(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("ETag", s.script.etag)
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Add("Vary", "Accept-Encoding")
	if etagMatch(r.Header.Get("If-None-Match"), s.script.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := s.script.raw
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = s.script.gz
	}
	w.Write(body)
}

func etagMatch(header, etag string) bool {
	for tag := range strings.SplitSeq(header, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == etag || tag == "*" {
			return true
		}
	}
	return false
}

func acceptsGzip(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.ReplaceAll(params, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// sitePage maps a URL path to a file of the demo site: "/" is index.html,
// "/services/ac-repair" is services/ac-repair.html, and every /spa/ path is
// index.html so the single-page-app demo survives a reload.
func sitePage(urlPath string) (string, bool) {
	p := path.Clean("/" + urlPath)
	if p == "/" || p == "/spa" || strings.HasPrefix(p, "/spa/") {
		return "site/index.html", true
	}
	name := "site" + p
	if path.Ext(p) == "" {
		name += ".html"
	}
	fi, err := fs.Stat(examples.Site, name)
	return name, err == nil && !fi.IsDir()
}

// site serves the demo website.
func (s *Server) site(w http.ResponseWriter, r *http.Request) {
	name, ok := sitePage(r.URL.Path)
	if !ok {
		s.notFound(w, r)
		return
	}
	body, err := fs.ReadFile(examples.Site, name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(body)
}
