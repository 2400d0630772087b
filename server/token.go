package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/beckonhq/beckon/store"
)

// Visitor tokens make the visitor id a name, not a credential. A token is
// HMAC-SHA256(key, workspace + NUL + visitor id), so checking one needs no
// store lookup. The keys live in DATA_DIR/visitor-token.keys, one hex key a
// line: the first signs, all verify, so a new key can be put first while
// the old ones still let returning visitors in (and get them a new token).
const (
	tokenKeyFile = "visitor-token.keys"
	tokenKeySize = 32
	tokenLen     = 43 // base64url of a SHA-256 without padding
)

// visitorTokens signs and checks tokens; the store records who was given
// one, so that a collect without one is refused for them.
type visitorTokens struct {
	keys  [][]byte // keys[0] signs
	store store.Store
	now   func() time.Time
	// macs are HMACs ready to use, by key: making one costs more than
	// signing with it.
	macs []sync.Pool
}

// mac returns a reset HMAC under key i; put it back in macs[i] after use.
func (vt *visitorTokens) mac(i int) hash.Hash {
	if vt.macs == nil {
		return hmac.New(sha256.New, vt.keys[i])
	}
	h, _ := vt.macs[i].Get().(hash.Hash)
	if h == nil {
		return hmac.New(sha256.New, vt.keys[i])
	}
	h.Reset()
	return h
}

func (vt *visitorTokens) initMACs() {
	vt.macs = make([]sync.Pool, len(vt.keys))
}

// loadTokenKeys reads the key file, making it (mode 0600) on the first
// start. A file others may read is used, with a warning. Without a data
// directory the key is made for this process only.
func loadTokenKeys(dataDir string, log *slog.Logger) ([][]byte, error) {
	if dataDir == "" {
		log.Warn("no data directory: visitor tokens last as long as this process")
		key := make([]byte, tokenKeySize)
		_, err := rand.Read(key)
		return [][]byte{key}, err
	}
	path := filepath.Join(dataDir, tokenKeyFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return makeTokenKey(dataDir, path)
	}
	if err != nil {
		return nil, fmt.Errorf("visitor tokens: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		log.Warn("the visitor token key file can be read by others; chmod 600 it", "path", path)
	}
	return parseTokenKeys(path, data)
}

func makeTokenKey(dataDir, path string) ([][]byte, error) {
	key := make([]byte, tokenKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("visitor tokens: make a key: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("visitor tokens: %w", err)
	}
	text := "# Visitor token keys: the first signs, every one verifies. Keep this file secret.\n" + hex.EncodeToString(key) + "\n"
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // another process sharing the directory made it first
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("visitor tokens: %w", err)
		}
		return parseTokenKeys(path, data)
	}
	if err != nil {
		return nil, fmt.Errorf("visitor tokens: %w", err)
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return nil, fmt.Errorf("visitor tokens: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("visitor tokens: write %s: %w", path, err)
	}
	return [][]byte{key}, nil
}

// parseTokenKeys reads one hex key a line; blank lines and # comments are
// skipped.
func parseTokenKeys(path string, data []byte) ([][]byte, error) {
	var keys [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, err := hex.DecodeString(line)
		if err != nil || len(key) < 16 {
			return nil, fmt.Errorf("visitor tokens: %s:%d: not a hex key of at least 16 bytes", path, n)
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("visitor tokens: %s holds no key", path)
	}
	return keys, nil
}

// sign writes the token of a visitor under key i into buf.
func (vt *visitorTokens) sign(i int, ws, visitorID string, buf *[tokenLen]byte) {
	mac := vt.mac(i)
	mac.Write([]byte(ws))
	mac.Write([]byte{0})
	mac.Write([]byte(visitorID))
	var sum [sha256.Size]byte
	base64.RawURLEncoding.Encode(buf[:], mac.Sum(sum[:0]))
	if vt.macs != nil {
		vt.macs[i].Put(mac)
	}
}

// current is the token of a visitor under the signing key.
func (vt *visitorTokens) current(ws, visitorID string) string {
	var buf [tokenLen]byte
	vt.sign(0, ws, visitorID, &buf)
	return string(buf[:])
}

// check reports whether token is the visitor's under any key, and whether
// that key is an older one (the visitor should get a current token).
func (vt *visitorTokens) check(ws, visitorID, token string) (ok, old bool) {
	if len(token) != tokenLen {
		return false, false
	}
	var buf [tokenLen]byte
	for i := range vt.keys {
		vt.sign(i, ws, visitorID, &buf)
		if hmac.Equal([]byte(token), buf[:]) {
			return true, i > 0
		}
	}
	return false, false
}

// Why a call's token is refused.
const (
	tokenWrong   = "the token is not this visitor's"
	tokenMissing = "send the visitor's token as token: its first collect answered it"
	tokenClaimed = "this visitor has a token: send it as token"
)

func errVisitorToken(msg string) *apiError {
	return &apiError{Status: http.StatusUnauthorized, Code: "invalid_visitor_token", Field: "token", Message: msg}
}

// authorize checks a public call's token for a visitor. A call without a
// token is allowed only when mayClaim (a collect) and the visitor never had
// one; then the new token is returned. A token under an older key is
// accepted and the current one returned.
func (vt *visitorTokens) authorize(ws, visitorID, token string, mayClaim bool) (fresh string, err error) {
	if token != "" {
		ok, old := vt.check(ws, visitorID, token)
		switch {
		case !ok:
			return "", errVisitorToken(tokenWrong)
		case old:
			return vt.current(ws, visitorID), nil
		}
		return "", nil
	}
	if !mayClaim {
		return "", errVisitorToken(tokenMissing)
	}
	claimed, err := vt.store.ClaimVisitorToken(context.Background(), ws, visitorID, vt.now())
	if err != nil {
		return "", err
	}
	if !claimed {
		return "", errVisitorToken(tokenClaimed)
	}
	return vt.current(ws, visitorID), nil
}
