package server

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/beckonhq/beckon/pipeline"
	"github.com/beckonhq/beckon/rules"
	"github.com/beckonhq/beckon/store"
)

// Config is a loaded configuration file (docs/server.md). API keys are
// already SHA-256 hashes: the plain keys are not kept once it is loaded.
type Config struct {
	Listen  string
	DataDir string
	// Store is the store's URL (docs/scale-out.md): empty for the bbolt
	// file in DataDir, bolt:PATH for another file, redis://,
	// rediss:// or redis+cluster:// for Redis or Valkey shared by any
	// number of processes.
	Store      string
	Workspaces []Workspace
	Limits     Limits
	Retention  Retention
	// DemoSite serves the demo website at /: the demo's default, and with
	// a config file only when it says demo_site: true.
	DemoSite bool
	// ClientIPHeader names the header a reverse proxy puts the client's
	// address in (e.g. X-Forwarded-For, whose last entry is used); empty
	// means the connection's own address. It keys the per-IP rate limit.
	ClientIPHeader string
	// MetricsTokenHash is the SHA-256 of metrics_token; /metrics answers
	// only requests bearing it, and is off when it is unset.
	MetricsTokenHash *[sha256.Size]byte
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
	Widget        Widget
}

// Widget is how the chat widget presents a workspace to its visitors.
type Widget struct {
	Name     string `yaml:"name" json:"name"`         // the sender's name, e.g. the company's
	Avatar   string `yaml:"avatar" json:"avatar"`     // image URL, or a path on this server
	Color    string `yaml:"color" json:"color"`       // brand colour, #rgb or #rrggbb
	Launcher string `yaml:"launcher" json:"launcher"` // always (default) or on_message
}

// Launcher modes: the chat button is always shown, or only once a message
// has arrived.
const (
	LauncherAlways    = "always"
	LauncherOnMessage = "on_message"
)

// Site is one website that embeds beckon.js with data-site=Key.
type Site struct {
	Key     string
	Origins []string // scheme://host[:port], as browsers send them
}

// Limits are the request rate limits, the shares of the widget streams
// and what one visitor may store; zero fields take the defaults.
type Limits struct {
	APIPerSecond      float64 `yaml:"api_per_second"`                  // per API key; default 50
	APIBurst          int     `yaml:"api_burst"`                       // default 100
	CollectPerSecond  float64 `yaml:"collect_per_second"`              // events per client IP; default 100
	CollectBurst      int     `yaml:"collect_burst"`                   // default 200
	MaxStreams        int     `yaml:"max_streams"`                     // open widget streams in all; default 10000
	MaxAttributes     int     `yaml:"max_attributes_per_visitor"`      // default 100
	MaxAttributeBytes int     `yaml:"max_attribute_bytes_per_visitor"` // names and JSON values; default 16384
	// MaxStreamsPerSite defaults to MaxStreams with one site configured,
	// else to half of it, so that no site can take every stream.
	MaxStreamsPerSite int     `yaml:"max_streams_per_site"`
	MaxStreamsPerIP   int     `yaml:"max_streams_per_ip"` // per client IP; default 50
	ReplyPerSecond    float64 `yaml:"reply_per_second"`   // per visitor; default 1
	ReplyBurst        int     `yaml:"reply_burst"`        // default 10
	AckPerSecond      float64 `yaml:"ack_per_second"`     // per visitor; default 10
	AckBurst          int     `yaml:"ack_burst"`          // default 100
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
	if l.MaxAttributes <= 0 {
		l.MaxAttributes = 100
	}
	if l.MaxAttributeBytes <= 0 {
		l.MaxAttributeBytes = 16 << 10
	}
	l.widgetDefaults()
	return l
}

// Retention is how long what the store keeps is kept, and how often what
// is past it is swept away.
type Retention struct {
	Visitors time.Duration // after a visitor's last event; default 30 days
	Messages time.Duration // after sending (rule counts too); default 90 days
	// SweepEvery is how often the sweep runs (default an hour).
	SweepEvery time.Duration
}

// Defaults of Retention.
const (
	DefaultVisitorRetention = 30 * 24 * time.Hour
	DefaultMessageRetention = 90 * 24 * time.Hour
	defaultSweepEvery       = time.Hour
)

func (r Retention) withDefaults() Retention {
	if r.Visitors <= 0 {
		r.Visitors = DefaultVisitorRetention
	}
	if r.Messages <= 0 {
		r.Messages = DefaultMessageRetention
	}
	if r.SweepEvery <= 0 {
		r.SweepEvery = defaultSweepEvery
	}
	return r
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
		if err := CheckListen(addr); err != nil {
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
	Store          string          `yaml:"store"`
	Workspaces     []fileWorkspace `yaml:"workspaces"`
	Limits         Limits          `yaml:"limits"`
	Retention      fileRetention   `yaml:"retention"`
	DemoSite       *bool           `yaml:"demo_site"`
	ClientIPHeader string          `yaml:"client_ip_header"`
	MetricsToken   string          `yaml:"metrics_token"`
}

type fileWorkspace struct {
	ID       string        `yaml:"id"`
	APIKeys  []string      `yaml:"api_keys"`
	Rules    []string      `yaml:"rules"`
	Sites    []fileSite    `yaml:"sites"`
	Webhooks []fileWebhook `yaml:"webhooks"`
	Widget   Widget        `yaml:"widget"`
}

type fileRetention struct {
	Visitors string `yaml:"visitors"`
	Messages string `yaml:"messages"`
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

// loadRules loads a workspace's rule files, or its embedded rules.
func loadRules(ws Workspace) (*rules.Set, rules.Diagnostics) {
	if len(ws.Rules) == 0 {
		return rules.Parse(ws.EmbeddedRules...)
	}
	return rules.Load(ws.Rules...)
}

// StoreRetention is the retention a store keeps by expiring keys.
func (c *Config) StoreRetention() store.Retention {
	r := c.Retention.withDefaults()
	return store.Retention{Visitors: r.Visitors, Messages: r.Messages, Idempotency: idemTTL}
}
