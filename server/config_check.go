package server

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/beckonhq/beckon/pipeline"
)

var yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)
var yamlUnknown = regexp.MustCompile(`^field (\S+) not found in type \S+$`)

// yamlProblems turns yaml.v3's errors into "FILE:LINE: what" lines.
func yamlProblems(file string, err error) []string {
	var te *yaml.TypeError
	msgs := []string{strings.TrimPrefix(err.Error(), "yaml: ")}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	out := make([]string, 0, len(msgs))
	for _, m := range msgs {
		m = strings.TrimSpace(m)
		line := "1"
		if g := yamlLine.FindStringSubmatch(m); g != nil {
			line, m = g[1], g[2]
		}
		if g := yamlUnknown.FindStringSubmatch(m); g != nil {
			m = fmt.Sprintf("unknown key %q", g[1])
		}
		out = append(out, fmt.Sprintf("%s:%s: %s", file, line, m))
	}
	return out
}

// checker converts the file's shape into a Config, collecting problems
// with the line of the node they concern.
type checker struct {
	file     string
	doc      *yaml.Node
	problems []string
}

func (c *checker) add(path []any, format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf("%s:%d: %s: %s", c.file, lineOf(c.doc, path), fieldName(path), fmt.Sprintf(format, args...)))
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func (c *checker) config(fc *fileConfig, dir string) *Config {
	cfg := &Config{Listen: fc.Listen, DataDir: fc.DataDir, Limits: fc.Limits.withDefaults(),
		DemoSite: fc.DemoSite != nil && *fc.DemoSite, ClientIPHeader: fc.ClientIPHeader}
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	} else if err := CheckListen(cfg.Listen); err != nil {
		c.add([]any{"listen"}, "%v", err)
	}
	if fc.MetricsToken != "" {
		if len(fc.MetricsToken) < 16 {
			c.add([]any{"metrics_token"}, "the metrics token must have at least 16 characters")
		}
		h := sha256.Sum256([]byte(fc.MetricsToken))
		cfg.MetricsTokenHash = &h
	}
	if cfg.DataDir == "" {
		cfg.DataDir = DefaultDataDir
	}
	if !filepath.IsAbs(cfg.DataDir) {
		cfg.DataDir = filepath.Join(dir, cfg.DataDir)
	}
	cfg.Store = c.store(fc.Store, dir)
	cfg.Retention = c.retention(fc.Retention)
	if len(fc.Workspaces) == 0 {
		c.add([]any{"workspaces"}, "at least one workspace is required")
	}
	ids, keys, sites := map[string]bool{}, map[[sha256.Size]byte]string{}, map[string]string{}
	for i, fw := range fc.Workspaces {
		at := []any{"workspaces", i}
		ws := Workspace{ID: fw.ID}
		switch {
		case fw.ID == "":
			c.add(append(at, "id"), "id is required")
		case !idPattern.MatchString(fw.ID):
			c.add(append(at, "id"), "%q: use 1-64 letters, digits, _ or -", fw.ID)
		case ids[fw.ID]:
			c.add(append(at, "id"), "workspace %q is defined twice", fw.ID)
		}
		ids[fw.ID] = true
		label := workspaceLabel(fw.ID, i)
		ws.KeyHashes = c.keys(at, fw.APIKeys, label, keys)
		ws.Rules = c.rules(at, fw.Rules, dir)
		ws.Sites = c.sites(at, fw.Sites, label, sites)
		ws.Webhooks = c.webhooks(at, fw.Webhooks)
		ws.Widget = c.widget(append(slices.Clone(at), "widget"), fw.Widget)
		cfg.Workspaces = append(cfg.Workspaces, ws)
	}
	return cfg
}

// store checks the store URL's scheme (its backend reads the rest when it
// opens it) and makes a relative bolt: path relative to dir.
func (c *checker) store(url, dir string) string {
	if url == "" {
		return ""
	}
	scheme, rest, _ := strings.Cut(url, ":")
	switch scheme {
	case "bolt":
		if rest == "" {
			c.add([]any{"store"}, "bolt: needs the data file's path, e.g. bolt:data/beckon.db")
		} else if !filepath.IsAbs(rest) {
			url = "bolt:" + filepath.Join(dir, rest)
		}
	case "redis", "rediss", "redis+cluster":
	default:
		c.add([]any{"store"}, "%q: use bolt:PATH, redis://HOST:PORT/DB, rediss://… or redis+cluster://HOST:PORT,HOST:PORT", scheme)
	}
	return url
}

// retention reads the retention periods: durations such as 30d, 72h or
// 90d (d is a day of 24 hours).
func (c *checker) retention(fr fileRetention) Retention {
	var r Retention
	for _, f := range []struct {
		name, text string
		to         *time.Duration
	}{{"visitors", fr.Visitors, &r.Visitors}, {"messages", fr.Messages, &r.Messages}} {
		if f.text == "" {
			continue
		}
		d, err := parseDays(f.text)
		if err != nil || d < time.Hour {
			c.add([]any{"retention", f.name}, "%q is not a period of an hour or more such as 30d or 72h", f.text)
			continue
		}
		*f.to = d
	}
	return r.withDefaults()
}

// parseDays is time.ParseDuration with a "d" (24 hours) unit as well.
func parseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 {
			return 0, fmt.Errorf("bad number of days %q", n)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

func (c *checker) keys(at []any, keys []string, label string, seen map[[sha256.Size]byte]string) [][sha256.Size]byte {
	var out [][sha256.Size]byte
	for j, k := range keys {
		h := sha256.Sum256([]byte(k))
		switch {
		case len(k) < 8:
			c.add(append(at, "api_keys", j), "an API key must have at least 8 characters")
		case seen[h] != "":
			c.add(append(at, "api_keys", j), "this key is already a key of %s", seen[h])
		}
		if seen[h] == "" {
			seen[h] = label
		}
		out = append(out, h)
	}
	return out
}

func (c *checker) rules(at []any, paths []string, dir string) []string {
	if len(paths) == 0 {
		c.add(append(at, "rules"), "at least one rule file is required")
	}
	out := make([]string, len(paths))
	for j, p := range paths {
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		out[j] = p
	}
	return out
}

func (c *checker) sites(at []any, sites []fileSite, label string, seen map[string]string) []Site {
	var out []Site
	for j, fs := range sites {
		sat := append(slices.Clone(at), "sites", j)
		switch {
		case fs.Key == "":
			c.add(append(sat, "key"), "key is required")
		case !idPattern.MatchString(fs.Key):
			c.add(append(sat, "key"), "%q: use 1-64 letters, digits, _ or -", fs.Key)
		case seen[fs.Key] != "":
			c.add(append(sat, "key"), "site %q is already a site of %s", fs.Key, seen[fs.Key])
		default:
			seen[fs.Key] = label
		}
		s := Site{Key: fs.Key}
		for k, o := range fs.Origins {
			norm, err := normalizeOrigin(o)
			if err != nil {
				c.add(append(sat, "origins", k), "%v", err)
			}
			s.Origins = append(s.Origins, norm)
		}
		out = append(out, s)
	}
	return out
}

var webhookEvents = []string{pipeline.EventVisitorResponded, pipeline.EventMessageSent, pipeline.EventMessageStatus}

func (c *checker) webhooks(at []any, hooks []fileWebhook) []pipeline.Webhook {
	var out []pipeline.Webhook
	for j, fh := range hooks {
		hat := append(slices.Clone(at), "webhooks", j)
		if u, err := url.Parse(fh.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			c.add(append(hat, "url"), "%q is not an http(s) URL", fh.URL)
		}
		if fh.Secret == "" {
			c.add(append(hat, "secret"), "secret is required: deliveries are signed with it")
		}
		for k, e := range fh.Events {
			if !slices.Contains(webhookEvents, e) {
				c.add(append(hat, "events", k), "unknown event %q (known: %s)", e, strings.Join(webhookEvents, ", "))
			}
		}
		out = append(out, pipeline.Webhook{URL: fh.URL, Secret: fh.Secret, Events: fh.Events})
	}
	return out
}

// workspaceLabel names a workspace in a message: by id, or by position
// when it has none.
func workspaceLabel(id string, i int) string {
	if id == "" {
		return fmt.Sprintf("workspaces[%d]", i)
	}
	return "workspace " + strconv.Quote(id)
}

// CheckListen checks a listen address: HOST:PORT, or :PORT.
func CheckListen(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not HOST:PORT", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q has no valid port", addr)
	}
	return nil
}

// normalizeOrigin checks an origin (scheme://host[:port], nothing more)
// and lower-cases it, as browsers send it.
func normalizeOrigin(o string) (string, error) {
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return o, fmt.Errorf("%q is not an origin like https://www.example.com", o)
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

// fieldName renders a path like workspaces[0].sites[1].key.
func fieldName(path []any) string {
	var b strings.Builder
	for _, p := range path {
		switch p := p.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", p)
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(p)
		}
	}
	return b.String()
}

// lineOf finds the line of the node at path, or of its nearest ancestor
// that exists (a missing key is reported where it should have been).
func lineOf(doc *yaml.Node, path []any) int {
	n := doc
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := max(n.Line, 1)
	for _, p := range path {
		var next *yaml.Node
		switch p := p.(type) {
		case string:
			for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == p {
					next = n.Content[i+1]
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && p < len(n.Content) {
				next = n.Content[p]
			}
		}
		if next == nil {
			return line
		}
		n, line = next, next.Line
	}
	return line
}
