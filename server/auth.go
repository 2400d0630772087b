package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// apiKey is a key's SHA-256 and the workspace it opens.
type apiKey struct {
	hash      [sha256.Size]byte
	workspace *workspace
}

// apiHandler is a handler of an authenticated route.
type apiHandler func(w http.ResponseWriter, r *http.Request, ws *workspace)

// authenticated checks `Authorization: Bearer KEY` (401 when missing or
// unknown) and that X-Workspace-ID names the key's workspace (403 when
// not), then applies the key's rate limit (429).
func (s *Server) authenticated(h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, ok := bearer(r)
		if !ok {
			s.fail(w, r, errUnauthorized("send your API key as Authorization: Bearer KEY"))
			return
		}
		hash := sha256.Sum256([]byte(key))
		ws := s.keyWorkspace(hash)
		if ws == nil {
			s.fail(w, r, errUnauthorized("the API key is not valid"))
			return
		}
		id := r.Header.Get("X-Workspace-ID")
		if id == "" {
			s.fail(w, r, errInvalid("X-Workspace-ID", "the X-Workspace-ID header is required"))
			return
		}
		if id != ws.id {
			s.fail(w, r, errForbidden("this API key does not belong to workspace "+quote(id)))
			return
		}
		if ok, wait := s.apiLimit.take(hex.EncodeToString(hash[:]), 1); !ok {
			s.fail(w, r, errRateLimited(wait))
			return
		}
		h(w, r, ws)
	})
}

func bearer(r *http.Request) (string, bool) {
	scheme, key, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	key = strings.TrimSpace(key)
	return key, ok && strings.EqualFold(scheme, "Bearer") && key != ""
}

// keyWorkspace compares the hash with every configured key in constant
// time, looking at all of them whatever matches.
func (s *Server) keyWorkspace(hash [sha256.Size]byte) *workspace {
	var found *workspace
	for _, k := range s.keys {
		if subtle.ConstantTimeCompare(hash[:], k.hash[:]) == 1 {
			found = k.workspace
		}
	}
	return found
}

// quote shows a client-supplied value in a message, bounded and quoted.
func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strconv.Quote(strings.ToValidUTF8(s, "?"))
}
