package server

import (
	"net/http"
	"strings"
)

// site is a configured site key with the origins its pages are served from.
type site struct {
	key     string
	ws      *workspace
	origins map[string]bool
}

func newSite(sc Site, ws *workspace) *site {
	st := &site{key: sc.Key, ws: ws, origins: map[string]bool{}}
	for _, o := range sc.Origins {
		st.origins[strings.ToLower(o)] = true
	}
	return st
}

// allows reports whether a browser page at origin may use the site. Only
// the configured origins may: the Host header is the client's to choose,
// so a page "served from here" proves nothing (the demo lists its own).
func (st *site) allows(origin string) bool {
	return st.origins[strings.ToLower(origin)]
}

// admit lets a public request in for a site: the site must exist (404),
// a browser's Origin must be one of the site's (403; requests without an
// Origin, such as curl's, pass), and the client's IP must be within its
// rate (429, cost tokens). An allowed origin gets the CORS headers.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, key string, cost int) (*site, error) {
	w.Header().Add("Vary", "Origin")
	if key == "" {
		return nil, errInvalid("site", "site is required")
	}
	st := s.sites[key]
	if st == nil {
		return nil, errNotFound("site_not_found", "site", "no site %s is configured", quote(key))
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		if !st.allows(origin) {
			return nil, errForbidden("origin " + quote(origin) + " may not use site " + quote(key))
		}
		w.Header().Set("Access-Control-Allow-Origin", origin)
	}
	if ok, wait := s.publicLimit.take(clientIP(r, s.cfg.ClientIPHeader), cost); !ok {
		return nil, errRateLimited(wait)
	}
	return st, nil
}

// preflight answers a CORS preflight for the public endpoints. The site
// is in the body, which a preflight does not carry, so any configured
// site's origin is allowed here; the request itself is checked by admit.
func (s *Server) preflight(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	allowed := false
	for _, st := range s.sites {
		allowed = allowed || (origin != "" && st.allows(origin))
	}
	if !allowed {
		s.fail(w, r, errForbidden("origin "+quote(origin)+" is not an origin of any site"))
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Methods", "POST, GET")
	h.Set("Access-Control-Allow-Headers", "Content-Type")
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}
