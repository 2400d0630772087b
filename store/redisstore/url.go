package redisstore

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/valkey-io/valkey-go"
)

// Config is what a store URL says:
//
//	redis://[USER:PASSWORD@]HOST:PORT[/DB][?OPTIONS]
//	rediss://…                     the same over TLS
//	redis+cluster://[USER:PASSWORD@]HOST:PORT,HOST:PORT[?OPTIONS]
//
// Options: prefix (of every key; default beckon), partitions (how many
// hash slots one workspace is spread over; default 1, and 16 on a
// cluster), wait (replicas each write waits for, with WAIT; default 0),
// wait_timeout (default 1s), dial_timeout (default 5s).
type Config struct {
	Addrs      []string
	Username   string
	Password   string
	DB         int
	TLS        bool
	Cluster    bool
	Prefix     string
	Partitions int
	// Wait is how many replicas must have each write before it counts as
	// done; WaitTimeout bounds the wait.
	Wait        int
	WaitTimeout time.Duration
	DialTimeout time.Duration
}

var urlOptions = []string{"prefix", "partitions", "wait", "wait_timeout", "dial_timeout"}

// ParseURL reads a store URL.
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Config{}, fmt.Errorf("store URL: %w", err)
	}
	c := Config{Prefix: "beckon", Partitions: 1, WaitTimeout: time.Second, DialTimeout: 5 * time.Second}
	switch u.Scheme {
	case "redis":
	case "rediss":
		c.TLS = true
	case "redis+cluster":
		c.Cluster, c.Partitions = true, 16
	default:
		return Config{}, fmt.Errorf("store URL %q: the scheme must be redis, rediss or redis+cluster", redact(u))
	}
	if err := c.readHosts(u); err != nil {
		return Config{}, err
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	if err := c.readOptions(u.Query()); err != nil {
		return Config{}, fmt.Errorf("store URL %q: %w", redact(u), err)
	}
	return c, nil
}

func (c *Config) readHosts(u *url.URL) error {
	for _, h := range strings.Split(u.Host, ",") {
		if h == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(strings.Trim(h, "[]"), "6379")
		}
		c.Addrs = append(c.Addrs, h)
	}
	if len(c.Addrs) == 0 {
		return fmt.Errorf("store URL %q names no host", redact(u))
	}
	if len(c.Addrs) > 1 && !c.Cluster {
		return fmt.Errorf("store URL %q names several hosts: use redis+cluster:// for a cluster", redact(u))
	}
	path := strings.Trim(u.Path, "/")
	if path == "" {
		return nil
	}
	db, err := strconv.Atoi(path)
	if err != nil || db < 0 || c.Cluster && db != 0 {
		return fmt.Errorf("store URL %q: the path must be a database number (and 0 on a cluster)", redact(u))
	}
	c.DB = db
	return nil
}

func (c *Config) readOptions(q url.Values) error {
	for k := range q {
		if !slices.Contains(urlOptions, k) {
			return fmt.Errorf("unknown option %q (known: %s)", k, strings.Join(urlOptions, ", "))
		}
	}
	if v := q.Get("prefix"); v != "" {
		c.Prefix = v
	}
	ints := []struct {
		name string
		to   *int
		min  int
	}{{"partitions", &c.Partitions, 1}, {"wait", &c.Wait, 0}}
	for _, o := range ints {
		if v := q.Get(o.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < o.min || n > 1024 {
				return fmt.Errorf("%s=%q: want a whole number from %d to 1024", o.name, v, o.min)
			}
			*o.to = n
		}
	}
	durations := []struct {
		name string
		to   *time.Duration
	}{{"wait_timeout", &c.WaitTimeout}, {"dial_timeout", &c.DialTimeout}}
	for _, o := range durations {
		if v := q.Get(o.name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("%s=%q: want a duration such as 500ms", o.name, v)
			}
			*o.to = d
		}
	}
	return nil
}

// redact is u without its password, for messages.
func redact(u *url.URL) string { return u.Redacted() }

// clientOption is c as the client takes it.
func (c Config) clientOption() valkey.ClientOption {
	o := valkey.ClientOption{
		InitAddress: c.Addrs, Username: c.Username, Password: c.Password, SelectDB: c.DB,
		DisableCache: true, ForceSingleClient: !c.Cluster,
	}
	o.Dialer.Timeout = c.DialTimeout
	if c.TLS {
		host, _, _ := net.SplitHostPort(c.Addrs[0])
		o.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host}
	}
	return o
}
