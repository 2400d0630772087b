package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/beckonhq/beckon/store/redisstore/redistest"
)

// fleet is the `beckon serve` processes of a run: one on a bbolt file, or
// several sharing Redis (alone or a cluster), behind no load balancer:
// each call goes to one picked at random.
type fleet struct {
	mu      sync.Mutex
	servers []*server
	alive   []bool
	redis   func() // stops the Redis the fleet started; nil without
}

// newFleet makes n servers in dir. With store "redis" or "cluster" it
// starts that Redis first and gives every server its URL.
func newFleet(bin, dir, hook string, n int, storeKind string) (*fleet, error) {
	f := &fleet{}
	url := ""
	switch storeKind {
	case "", "bolt":
	case "redis":
		srv, err := redistest.Start(mkdir(dir, "redis"))
		if err != nil {
			return nil, fmt.Errorf("start redis-server: %w", err)
		}
		url, f.redis = srv.URL(), srv.Stop
	case "cluster":
		c, err := redistest.StartCluster(mkdir(dir, "cluster"), 3)
		if err != nil {
			return nil, fmt.Errorf("start a Redis Cluster: %w", err)
		}
		url, f.redis = c.URL(), c.Stop
	default:
		return nil, fmt.Errorf("-store %q: bolt, redis or cluster", storeKind)
	}
	key := make([]byte, 32)
	rand.Read(key)
	for i := range n {
		d := mkdir(dir, fmt.Sprint("server", i))
		s, err := newServer(bin, d, hook, url)
		if err == nil && n > 1 { // every process signs and checks visitor tokens with one key
			err = os.WriteFile(filepath.Join(mkdir(d, "data"), "visitor-token.keys"), []byte(hex.EncodeToString(key)+"\n"), 0o600)
		}
		if err != nil {
			f.close()
			return nil, err
		}
		f.servers, f.alive = append(f.servers, s), append(f.alive, false)
	}
	return f, nil
}

func mkdir(dir, name string) string {
	d := filepath.Join(dir, name)
	os.MkdirAll(d, 0o755)
	return d
}

// start starts every server that is not running.
func (f *fleet) start() error {
	for i, s := range f.servers {
		if f.isAlive(i) {
			continue
		}
		if err := s.start(); err != nil {
			return err
		}
		f.mu.Lock()
		f.alive[i] = true
		f.mu.Unlock()
	}
	return nil
}

func (f *fleet) isAlive(i int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.alive[i]
}

// pick is a running server chosen at random (any server when none runs).
func (f *fleet) pick(rng *mrand.Rand) *server {
	f.mu.Lock()
	defer f.mu.Unlock()
	var live []*server
	for i, s := range f.servers {
		if f.alive[i] {
			live = append(live, s)
		}
	}
	if len(live) == 0 {
		return f.servers[rng.IntN(len(f.servers))]
	}
	return live[rng.IntN(len(live))]
}

// kill stops server i with sig.
func (f *fleet) kill(i int, sig syscall.Signal) {
	f.mu.Lock()
	f.alive[i] = false
	f.mu.Unlock()
	f.servers[i].stop(sig)
}

// close stops every server, then the Redis.
func (f *fleet) close() {
	for i := range f.servers {
		if f.isAlive(i) {
			f.kill(i, syscall.SIGTERM)
		}
	}
	if f.redis != nil {
		f.redis()
	}
}
