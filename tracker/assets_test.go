package tracker

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"testing"
)

// The beacon is loaded on every page of a customer's site, so it stays small.
func TestAssetBeaconGzippedSize(t *testing.T) {
	const limit = 10500 // the visitor token's handling took it past 10,000
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(BeaconJS); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("beckon.js: %d bytes, %d gzipped (limit %d)", len(BeaconJS), buf.Len(), limit)
	if buf.Len() > limit {
		t.Errorf("beckon.js is %d bytes gzipped, over the %d byte limit", buf.Len(), limit)
	}
}

// Visitor-facing text (messages, button labels, replies) must never be parsed
// as markup, so the script does not use any API that parses HTML.
func TestAssetBeaconNoMarkupSinks(t *testing.T) {
	for _, sink := range []string{
		"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write",
		"createContextualFragment", "parseFromString", "srcdoc", "eval(", "new Function",
	} {
		if i := bytes.Index(BeaconJS, []byte(sink)); i >= 0 {
			line := bytes.Count(BeaconJS[:i], []byte("\n")) + 1
			t.Errorf("beckon.js:%d: uses %s", line, sink)
		}
	}
}

func TestAssetBeaconHash(t *testing.T) {
	sum := sha256.Sum256(BeaconJS)
	want := hex.EncodeToString(sum[:])[:12]
	if got := BeaconHash(); got != want {
		t.Errorf("BeaconHash() = %q, want %q", got, want)
	}
	if !regexp.MustCompile(`^[0-9a-f]{12}$`).MatchString(BeaconHash()) {
		t.Errorf("BeaconHash() = %q, want 12 lowercase hex digits", BeaconHash())
	}
}
