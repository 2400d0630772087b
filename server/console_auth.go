package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Console sign-in. A session is a cookie the server signs: the workspace,
// which of its API keys signed in (a fingerprint, not the key), an expiry
// and a random nonce, with an HMAC keyed by a value derived from that
// key's hash. Any server with the same configuration accepts it, and
// removing the key from the configuration ends its sessions. Forms carry
// a CSRF token derived from the session; the sign-in form, before any
// session, a random token also set as a cookie (double submit).
const (
	consoleCookie       = "beckon_console"
	consoleSigninCookie = "beckon_console_signin"
	consoleTTL          = 12 * time.Hour
	consoleMaxForm      = 16 << 10
)

// consoleAuth remembers the sessions signed out before their expiry.
type consoleAuth struct {
	mu      sync.Mutex
	revoked map[string]time.Time // nonce → expiry
}

func (a *consoleAuth) revoke(nonce string, exp time.Time, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.revoked == nil {
		a.revoked = map[string]time.Time{}
	}
	for n, e := range a.revoked {
		if now.After(e) {
			delete(a.revoked, n)
		}
	}
	a.revoked[nonce] = exp
}

func (a *consoleAuth) isRevoked(nonce string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.revoked[nonce]
	return ok
}

// consoleClaims is what a session cookie says.
type consoleClaims struct {
	Workspace string `json:"w"`
	Key       string `json:"k"` // fingerprint of the key's hash
	Expires   int64  `json:"e"` // Unix seconds
	Nonce     string `json:"n"`
}

// consoleSession is a signed-in person's access to one workspace.
type consoleSession struct {
	ws     *workspace
	claims consoleClaims
	csrf   string
}

func derive(label string, keyHash [sha256.Size]byte) []byte {
	h := sha256.Sum256(append([]byte("beckon console "+label+"\x00"), keyHash[:]...))
	return h[:]
}

func keyFingerprint(keyHash [sha256.Size]byte) string {
	return hex.EncodeToString(derive("key", keyHash)[:8])
}

func mac(key []byte, parts ...string) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

var b64 = base64.RawURLEncoding

func randomToken() string {
	var b [24]byte
	rand.Read(b[:])
	return b64.EncodeToString(b[:])
}

// signIn checks an API key and, if it is valid, sets a session cookie for
// its workspace.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, key string) bool {
	hash := sha256.Sum256([]byte(strings.TrimSpace(key)))
	ws := s.keyWorkspace(hash)
	if ws == nil {
		return false
	}
	c := consoleClaims{Workspace: ws.id, Key: keyFingerprint(hash), Expires: s.clock.Now().Add(consoleTTL).Unix(), Nonce: randomToken()}
	payload, _ := json.Marshal(c)
	body := b64.EncodeToString(payload)
	value := body + "." + b64.EncodeToString(mac(derive("session", hash), "session", body))
	s.setCookie(w, r, consoleCookie, value, consoleTTL)
	return true
}

// session reads and checks the request's session cookie.
func (s *Server) session(r *http.Request) (*consoleSession, bool) {
	ck, err := r.Cookie(consoleCookie)
	if err != nil {
		return nil, false
	}
	body, sig, ok := strings.Cut(ck.Value, ".")
	payload, err1 := b64.DecodeString(body)
	got, err2 := b64.DecodeString(sig)
	var c consoleClaims
	if !ok || err1 != nil || err2 != nil || json.Unmarshal(payload, &c) != nil {
		return nil, false
	}
	ws := s.workspaces[c.Workspace]
	if ws == nil || s.clock.Now().Unix() >= c.Expires || s.consoleAuth.isRevoked(c.Nonce) {
		return nil, false
	}
	for _, k := range s.keys {
		if k.workspace != ws || keyFingerprint(k.hash) != c.Key {
			continue
		}
		key := derive("session", k.hash)
		if hmac.Equal(got, mac(key, "session", body)) {
			return &consoleSession{ws: ws, claims: c, csrf: b64.EncodeToString(mac(key, "csrf", c.Nonce))}, true
		}
	}
	return nil, false
}

// signOut ends the request's session: its cookie goes, and its nonce is
// refused until it would have expired.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request, sess *consoleSession) {
	s.consoleAuth.revoke(sess.claims.Nonce, time.Unix(sess.claims.Expires, 0), s.clock.Now())
	s.setCookie(w, r, consoleCookie, "", -1)
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, ttl time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: "/console", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil}
	if ttl < 0 {
		c.MaxAge = -1
	} else {
		c.MaxAge = int(ttl / time.Second)
	}
	http.SetCookie(w, c)
}

// postedFromHere refuses a form posted from another site: when the browser
// says where the request comes from, it must be this server.
func postedFromHere(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "null" {
		return origin == ""
	}
	host, ok := strings.CutPrefix(origin, "http://")
	if !ok {
		host, ok = strings.CutPrefix(origin, "https://")
	}
	return ok && host == r.Host
}

// checkForm reads a posted form (bounded) and checks its CSRF token
// against want.
func checkForm(w http.ResponseWriter, r *http.Request, want string) bool {
	r.Body = http.MaxBytesReader(w, r.Body, consoleMaxForm)
	if err := r.ParseForm(); err != nil || !postedFromHere(r) {
		return false
	}
	got := r.PostForm.Get("csrf")
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
