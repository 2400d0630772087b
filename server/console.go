package server

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/gorilla/mux"
)

// The console: server-rendered pages at /console for people with an API
// key of a workspace (its rules with their funnels, the visitors on the
// site, the inbox), a style sheet and a small script. Nothing is built:
// the templates and assets are embedded as written.

//go:embed console
var consoleFiles embed.FS

// consolePages are the page templates, each with the layout.
var consolePages = func() map[string]*template.Template {
	layout := template.Must(template.New("layout").Funcs(consoleFuncs).ParseFS(consoleFiles, "console/layout.html"))
	pages := map[string]*template.Template{}
	for _, name := range []string{"signin", "rules", "visitors", "inbox", "conversation"} {
		pages[name] = template.Must(template.Must(layout.Clone()).ParseFS(consoleFiles, "console/"+name+".html"))
	}
	return pages
}()

// consoleAsset is a static file with its ETag.
type consoleAsset struct {
	body  []byte
	ctype string
	etag  string
}

var consoleAssets = func() map[string]consoleAsset {
	out := map[string]consoleAsset{}
	for _, name := range []string{"console.css", "console.js"} {
		body, err := fs.ReadFile(consoleFiles, "console/"+name)
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		ctype := "text/css; charset=utf-8"
		if path.Ext(name) == ".js" {
			ctype = "text/javascript; charset=utf-8"
		}
		out[name] = consoleAsset{body: body, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
	}
	return out
}()

// consoleVersion changes with the assets, so pages ask for the new ones.
var consoleVersion = strings.Trim(consoleAssets["console.css"].etag+consoleAssets["console.js"].etag, `"`)

// consoleRoutes adds the console's routes.
func (s *Server) consoleRoutes(r *mux.Router) {
	const get, post = http.MethodGet, http.MethodPost
	in := s.signedIn
	r.HandleFunc("/console", s.consoleHome).Methods(get).Name("console")
	r.HandleFunc("/console/signin", s.signinPage).Methods(get).Name("console_signin_page")
	r.HandleFunc("/console/signin", s.signinForm).Methods(post).Name("console_signin")
	r.Handle("/console/signout", in(s.signoutForm)).Methods(post).Name("console_signout")
	r.Handle("/console/rules", in(s.rulesPage)).Methods(get).Name("console_rules")
	r.Handle("/console/visitors", in(s.visitorsPage)).Methods(get).Name("console_visitors")
	r.Handle("/console/inbox", in(s.inboxPage)).Methods(get).Name("console_inbox")
	r.Handle("/console/inbox/{session}", in(s.conversationPage)).Methods(get).Name("console_conversation")
	r.Handle("/console/inbox/{session}", in(s.answerForm)).Methods(post).Name("console_answer")
	r.Handle("/console/events", in(s.consoleEvents)).Methods(get).Name("console_events")
	r.HandleFunc("/console/static/{name:console\\.(?:css|js)}", s.consoleStatic).Methods(get).Name("console_static")
}

// consoleHandler is a console handler for a signed-in person.
type consoleHandler func(w http.ResponseWriter, r *http.Request, sess *consoleSession)

// signedIn admits a request with a valid session (and, for a form, a
// valid CSRF token): a page without one goes to the sign-in page, the
// rest are refused.
func (s *Server) signedIn(h consoleHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, ok := s.session(r)
		switch {
		case !ok && r.Method == http.MethodGet && r.URL.Path != "/console/events":
			seeOther(w, "/console/signin")
		case !ok:
			s.consoleError(w, r, http.StatusUnauthorized, "Sign in first.")
		case r.Method == http.MethodPost && !checkForm(w, r, sess.csrf):
			s.consoleError(w, r, http.StatusForbidden, "This form has expired or did not come from this console. Go back, reload the page and try again.")
		default:
			h(w, r, sess)
		}
	})
}

// consoleHome is GET /console.
func (s *Server) consoleHome(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.session(r); ok {
		seeOther(w, "/console/rules")
		return
	}
	seeOther(w, "/console/signin")
}

// consolePage is what every page template gets.
type consolePage struct {
	Title     string
	Page      string
	Workspace string
	CSRF      string
	Version   string
	Error     string
	Data      any
}

// render writes a page. Pages are never cached and never framed; the
// policy lets them run only this server's script and style sheet.
func (s *Server) render(w http.ResponseWriter, status int, p consolePage) {
	p.Version = consoleVersion
	var buf bytes.Buffer
	if err := consolePages[p.Page].ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.Error("console: render page", "page", p.Page, "err", err)
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	consoleHeaders(w.Header())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func consoleHeaders(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
}

// page renders a signed-in page.
func (s *Server) page(w http.ResponseWriter, sess *consoleSession, name, title string, data any) {
	s.render(w, http.StatusOK, consolePage{Title: title, Page: name, Workspace: sess.ws.id, CSRF: sess.csrf, Data: data})
}

// consoleError answers a refused console request in plain words.
func (s *Server) consoleError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	consoleHeaders(w.Header())
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(msg + "\n"))
}

// consoleStatic is GET /console/static/NAME: revalidated by ETag.
func (s *Server) consoleStatic(w http.ResponseWriter, r *http.Request) {
	a := consoleAssets[mux.Vars(r)["name"]]
	h := w.Header()
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Type", a.ctype)
	if etagMatch(r.Header.Get("If-None-Match"), a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(a.body)
}

// signinPage is GET /console/signin.
func (s *Server) signinPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.session(r); ok {
		seeOther(w, "/console/rules")
		return
	}
	s.signinAgain(w, r, http.StatusOK, "")
}

// signinAgain shows the sign-in form with a fresh token.
func (s *Server) signinAgain(w http.ResponseWriter, r *http.Request, status int, msg string) {
	token := randomToken()
	s.setCookie(w, r, consoleSigninCookie, token, consoleTTL)
	s.render(w, status, consolePage{Title: "Sign in", Page: "signin", CSRF: token, Error: msg})
}

// signinForm is POST /console/signin: the key from the form. Each attempt
// costs a token of the client's public rate limit, so keys cannot be
// guessed quickly.
func (s *Server) signinForm(w http.ResponseWriter, r *http.Request) {
	ck, err := r.Cookie(consoleSigninCookie)
	if err != nil || !checkForm(w, r, ck.Value) {
		s.consoleError(w, r, http.StatusForbidden, "This form has expired or did not come from this console. Reload the sign-in page and try again.")
		return
	}
	if ok, _ := s.publicLimit.take(clientIP(r, s.cfg.ClientIPHeader), 1); !ok {
		s.signinAgain(w, r, http.StatusTooManyRequests, "Too many attempts; wait a minute and try again.")
		return
	}
	if !s.signIn(w, r, r.PostForm.Get("key")) {
		s.signinAgain(w, r, http.StatusUnauthorized, "That key is not an API key of any workspace here.")
		return
	}
	s.setCookie(w, r, consoleSigninCookie, "", -1)
	seeOther(w, "/console/rules")
}

// signoutForm is POST /console/signout.
func (s *Server) signoutForm(w http.ResponseWriter, r *http.Request, sess *consoleSession) {
	s.signOut(w, r, sess)
	seeOther(w, "/console/signin")
}

// seeOther redirects with 303 and no body.
func seeOther(w http.ResponseWriter, url string) {
	w.Header().Set("Location", url)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusSeeOther)
}
