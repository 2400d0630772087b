package server

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/beckonhq/beckon/pipeline"
	"github.com/beckonhq/beckon/rules"
)

// Config is a loaded configuration file (SPEC section 6). API keys are
// already SHA-256 hashes: the plain keys are not kept once it is loaded.
type Config struct {
	Listen     string
	DataDir    string
	Workspaces []Workspace
	Limits     Limits
	// DemoSite serves the demo website at / (default true).
	DemoSite bool
	// ClientIPHeader names the header a reverse proxy puts the client's
	// address in (e.g. X-Forwarded-For, whose last entry is used); empty
	// means the connection's own address. It keys the per-IP rate limit.
	ClientIPHeader string
}

// Workspace is one tenant: its own keys, rules, engine, sites and webhooks.
type Workspace struct {
	ID        string
	KeyHashes [][sha256.Size]byte
	// Rules are rule-file paths, resolved against the config file's
	// directory. When empty, EmbeddedRules are used (the demo).
	Rules         []string
	EmbeddedRules []rules.Source
	Sites         []Site
	Webhooks      []pipeline.Webhook
}

// Site is one website that embeds beckon.js with data-site=Key.
type Site struct {
	Key     string
	Origins []string // scheme://host[:port], as browsers send them
}

// Limits are the request rate limits; zero fields take the defaults.
type Limits struct {
	APIPerSecond     float64 `yaml:"api_per_second"`     // per API key; default 50
	APIBurst         int     `yaml:"api_burst"`          // default 100
	CollectPerSecond float64 `yaml:"collect_per_second"` // events per client IP; default 100
	CollectBurst     int     `yaml:"collect_burst"`      // default 200
	MaxStreams       int     `yaml:"max_streams"`        // open widget streams in all; default 10000
}

func (l Limits) withDefaults() Limits {
	if l.APIPerSecond <= 0 {
		l.APIPerSecond = 50
	}
	if l.APIBurst <= 0 {
		l.APIBurst = 100
	}
	if l.CollectPerSecond <= 0 {
		l.CollectPerSecond = 100
	}
	if l.CollectBurst <= 0 {
		l.CollectBurst = 200
	}
	if l.MaxStreams <= 0 {
		l.MaxStreams = 10000
	}
	return l
}

// Defaults of the demo and of keys a config file leaves out.
const (
	DefaultListen  = "127.0.0.1:8080"
	DefaultDataDir = "data"
)

// DBPath is the data file inside DataDir.
func (c *Config) DBPath() string { return filepath.Join(c.DataDir, "beckon.db") }

// Override applies the command line's --addr and --data (empty: keep).
func (c *Config) Override(addr, dataDir string) error {
	if addr != "" {
		if err := checkListen(addr); err != nil {
			return fmt.Errorf("--addr: %w", err)
		}
		c.Listen = addr
	}
	if dataDir != "" {
		c.DataDir = dataDir
	}
	return nil
}

// The file's shape. Strict decoding makes unknown keys errors.
type fileConfig struct {
	Listen         string          `yaml:"listen"`
	DataDir        string          `yaml:"data_dir"`
	Workspaces     []fileWorkspace `yaml:"workspaces"`
	Limits         Limits          `yaml:"limits"`
	DemoSite       *bool           `yaml:"demo_site"`
	ClientIPHeader string          `yaml:"client_ip_header"`
}

type fileWorkspace struct {
	ID       string        `yaml:"id"`
	APIKeys  []string      `yaml:"api_keys"`
	Rules    []string      `yaml:"rules"`
	Sites    []fileSite    `yaml:"sites"`
	Webhooks []fileWebhook `yaml:"webhooks"`
}

type fileSite struct {
	Key     string   `yaml:"key"`
	Origins []string `yaml:"origins"`
}

type fileWebhook struct {
	URL    string   `yaml:"url"`
	Secret string   `yaml:"secret"`
	Events []string `yaml:"events"`
}

// ConfigError lists every problem found in a configuration file.
type ConfigError struct {
	File     string
	Problems []string // "FILE:LINE: where: what", or a rule diagnostic
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("config %s is not valid:\n  %s", e.File, strings.Join(e.Problems, "\n  "))
}

// LoadConfig reads, strictly decodes and checks a configuration file, and
// loads each workspace's rules to be sure they compile. Relative paths
// (data_dir, rules) are relative to the file's directory.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	var fc fileConfig
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&fc); err != nil && !errors.Is(err, io.EOF) {
		return nil, &ConfigError{File: path, Problems: yamlProblems(path, err)}
	}
	var doc yaml.Node
	yaml.Unmarshal(data, &doc) // decoded above, so it parses
	c := &checker{file: path, doc: &doc}
	cfg := c.config(&fc, filepath.Dir(path))
	for _, ws := range cfg.Workspaces {
		if _, diags := loadRules(ws); len(diags.Errors()) > 0 {
			for _, d := range diags.Errors() {
				c.problems = append(c.problems, d.String())
			}
		}
	}
	if len(c.problems) > 0 {
		return nil, &ConfigError{File: path, Problems: c.problems}
	}
	return cfg, nil
}

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
		DemoSite: fc.DemoSite == nil || *fc.DemoSite, ClientIPHeader: fc.ClientIPHeader}
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	} else if err := checkListen(cfg.Listen); err != nil {
		c.add([]any{"listen"}, "%v", err)
	}
	if cfg.DataDir == "" {
		cfg.DataDir = DefaultDataDir
	}
	if !filepath.IsAbs(cfg.DataDir) {
		cfg.DataDir = filepath.Join(dir, cfg.DataDir)
	}
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
		cfg.Workspaces = append(cfg.Workspaces, ws)
	}
	return cfg
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

func checkListen(addr string) error {
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

// loadRules loads a workspace's rule files, or its embedded rules.
func loadRules(ws Workspace) (*rules.Set, rules.Diagnostics) {
	if len(ws.Rules) == 0 {
		return rules.Parse(ws.EmbeddedRules...)
	}
	return rules.Load(ws.Rules...)
}
