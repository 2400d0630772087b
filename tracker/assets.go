package tracker

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"sync"
)

// BeaconJS is beckon.js, the beacon and chat widget that sites embed with
// <script defer src="https://HOST/beckon.js" data-site="SITE_KEY"></script>.
//
//go:embed beckon.js
var BeaconJS []byte

var beaconHash = sync.OnceValue(func() string {
	sum := sha256.Sum256(BeaconJS)
	return hex.EncodeToString(sum[:])[:12]
})

// BeaconHash returns the first 12 hex digits of the SHA-256 of BeaconJS. A URL
// that carries it changes whenever the script does, so it may be cached for long.
func BeaconHash() string { return beaconHash() }
