package server

import (
	"regexp"
	"strings"

	"github.com/gorilla/mux"
)

var muxVar = regexp.MustCompile(`\{(\w+):([^}]*)\}`)
var words = regexp.MustCompile(`^\w+(\|\w+)*$`)

// Routes lists the router's routes as "METHOD PATH" in the OpenAPI form:
// a variable {name:pattern} is {name}, except that an alternation of words
// names each path; a path prefix is its path.
func (s *Server) Routes() []string {
	var out []string
	s.router.Walk(func(r *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tmpl, err := r.GetPathTemplate()
		if err != nil {
			return nil
		}
		methods, _ := r.GetMethods()
		for _, p := range expand(tmpl) {
			for _, m := range methods {
				out = append(out, m+" "+p)
			}
		}
		return nil
	})
	return out
}

func expand(tmpl string) []string {
	g := muxVar.FindStringSubmatchIndex(tmpl)
	if g == nil {
		return []string{tmpl}
	}
	name, pattern := tmpl[g[2]:g[3]], tmpl[g[4]:g[5]]
	rest := expand(tmpl[g[1]:])
	var heads []string
	if words.MatchString(pattern) {
		heads = strings.Split(pattern, "|")
	} else {
		heads = []string{"{" + name + "}"}
	}
	var out []string
	for _, h := range heads {
		for _, r := range rest {
			out = append(out, tmpl[:g[0]]+h+r)
		}
	}
	return out
}
