package server

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

// maxWidgetName bounds the sender's name: it sits in a header line.
const maxWidgetName = 80

var hexColor = regexp.MustCompile(`^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// widget checks a workspace's widget block and fills in its defaults. The
// colour is strictly a hex colour and the avatar an http(s) URL or a path,
// so that neither can carry anything else into the visitor's page.
func (c *checker) widget(at []any, w Widget) Widget {
	if utf8.RuneCountInString(w.Name) > maxWidgetName {
		c.add(append(at, "name"), "has at most %d characters", maxWidgetName)
	}
	if w.Avatar != "" && !okAvatar(w.Avatar) {
		c.add(append(at, "avatar"), "%q is not an http(s) URL or a path starting with /", w.Avatar)
	}
	if w.Color != "" && !hexColor.MatchString(w.Color) {
		c.add(append(at, "color"), "%q is not a colour like #1d4ed8", w.Color)
	}
	switch w.Launcher {
	case "":
		w.Launcher = LauncherAlways
	case LauncherAlways, LauncherOnMessage:
	default:
		c.add(append(at, "launcher"), "%q: use %s or %s", w.Launcher, LauncherAlways, LauncherOnMessage)
	}
	return w
}

func okAvatar(s string) bool {
	if strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") {
		return !strings.ContainsAny(s, " \\\"'<>")
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil
}

// widgetSettings is GET /v1/widget: how the widget of a site presents its
// workspace. It is public, like the beacon's other endpoints.
func (s *Server) widgetSettings(w http.ResponseWriter, r *http.Request) {
	st, err := s.admit(w, r, r.URL.Query().Get("site"), 1)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ws := st.ws.cfg.Widget
	if ws.Launcher == "" {
		ws.Launcher = LauncherAlways
	}
	s.ok(w, r, http.StatusOK, ws)
}
