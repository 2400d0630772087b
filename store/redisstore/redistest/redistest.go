// Package redistest starts private redis-server processes, alone or as a
// cluster, for tests and measurements. It needs the redis-server binary;
// a test that cannot find it is skipped unless BECKON_REQUIRE_REDIS is
// set (as the CI run does), when it fails instead.
package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is one redis-server process.
type Server struct {
	Addr string
	dir  string
	cmd  *exec.Cmd
}

// Binary is the redis-server to run.
var Binary = "redis-server"

// Start runs a redis-server on a free port of 127.0.0.1, keeping nothing
// on disk, with extra configuration lines args (e.g. "--cluster-enabled",
// "yes"); its files go in dir.
func Start(dir string, args ...string) (*Server, error) {
	bin, err := exec.LookPath(Binary)
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), dir: dir}
	all := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--logfile", filepath.Join(dir, fmt.Sprintf("redis-%d.log", port))}, args...)
	s.cmd = exec.Command(bin, all...)
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	if err := s.waitReady(10 * time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// freePort finds a port free for a server and for its cluster bus (the
// port plus 10000).
func freePort() (int, error) {
	for range 50 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if port > 55000 {
			continue
		}
		if bus, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port+10000)); err == nil {
			bus.Close()
			return port, nil
		}
	}
	return 0, errors.New("redistest: no free port")
}

func (s *Server) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if reply, err := Command(s.Addr, "PING"); err == nil && reply == "PONG" {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("redistest: redis-server on %s did not answer in %s", s.Addr, limit)
}

// URL is the server's store URL.
func (s *Server) URL() string { return "redis://" + s.Addr }

// Stop ends the server and waits for it.
func (s *Server) Stop() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

// Command sends one command to addr and returns its reply as text
// (arrays joined by newlines).
func Command(addr string, args ...string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := conn.Write([]byte(b.String())); err != nil {
		return "", err
	}
	return readReply(bufio.NewReader(conn))
}

func readReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("redistest: empty reply")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", errors.New(line[1:])
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return "", nil
		}
		buf := make([]byte, n+2)
		_, err := io.ReadFull(r, buf)
		return string(buf[:n]), err
	case '*':
		n, _ := strconv.Atoi(line[1:])
		parts := make([]string, 0, max(n, 0))
		for range n {
			p, err := readReply(r)
			if err != nil {
				return "", err
			}
			parts = append(parts, p)
		}
		return strings.Join(parts, "\n"), nil
	}
	return "", fmt.Errorf("redistest: unexpected reply %q", line)
}

// Cluster is a Redis Cluster of masters without replicas.
type Cluster struct {
	Nodes []*Server
}

// StartCluster runs n masters in dir and joins them into a cluster with
// the hash slots shared out evenly.
func StartCluster(dir string, n int) (*Cluster, error) {
	c := &Cluster{}
	for i := range n {
		nd := filepath.Join(dir, fmt.Sprintf("node%d", i))
		if err := os.MkdirAll(nd, 0o755); err != nil {
			return nil, err
		}
		s, err := Start(nd, "--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(nd, "nodes.conf"),
			"--cluster-node-timeout", "2000")
		if err != nil {
			c.Stop()
			return nil, err
		}
		c.Nodes = append(c.Nodes, s)
	}
	if err := c.join(); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// join gives each node its slots, introduces them and waits until every
// node sees the cluster as ok.
func (c *Cluster) join() error {
	const slots = 16384
	n := len(c.Nodes)
	for i, s := range c.Nodes {
		from, to := i*slots/n, (i+1)*slots/n-1
		if _, err := Command(s.Addr, "CLUSTER", "ADDSLOTSRANGE", strconv.Itoa(from), strconv.Itoa(to)); err != nil {
			return fmt.Errorf("redistest: add slots to %s: %w", s.Addr, err)
		}
	}
	for _, s := range c.Nodes[1:] {
		host, port, _ := net.SplitHostPort(s.Addr)
		if _, err := Command(c.Nodes[0].Addr, "CLUSTER", "MEET", host, port); err != nil {
			return fmt.Errorf("redistest: meet %s: %w", s.Addr, err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c.ok() {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("redistest: the cluster did not become ok in 30s")
}

func (c *Cluster) ok() bool {
	for _, s := range c.Nodes {
		info, err := Command(s.Addr, "CLUSTER", "INFO")
		if err != nil || !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, fmt.Sprintf("cluster_known_nodes:%d", len(c.Nodes))) {
			return false
		}
	}
	return true
}

// URL is the cluster's store URL.
func (c *Cluster) URL() string {
	addrs := make([]string, len(c.Nodes))
	for i, s := range c.Nodes {
		addrs[i] = s.Addr
	}
	return "redis+cluster://" + strings.Join(addrs, ",")
}

// Stop ends every node.
func (c *Cluster) Stop() {
	var wg sync.WaitGroup
	for _, s := range c.Nodes {
		wg.Go(s.Stop)
	}
	wg.Wait()
}

// skipOrFail skips t when redis-server cannot be run here, unless the
// run requires it.
func skipOrFail(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("BECKON_REQUIRE_REDIS") != "" {
		t.Fatalf("redis-server is required (BECKON_REQUIRE_REDIS is set): %v", err)
	}
	t.Skipf("no redis-server to test with: %v", err)
}

// ForTest starts a server for t, stopped when t ends.
func ForTest(t testing.TB) *Server {
	t.Helper()
	s, err := Start(t.TempDir())
	if err != nil {
		skipOrFail(t, err)
	}
	t.Cleanup(s.Stop)
	return s
}

// ClusterForTest starts a 3-master cluster for t, stopped when t ends.
func ClusterForTest(t testing.TB) *Cluster {
	t.Helper()
	c, err := StartCluster(t.TempDir(), 3)
	if err != nil {
		skipOrFail(t, err)
	}
	t.Cleanup(c.Stop)
	return c
}
