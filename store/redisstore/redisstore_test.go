package redisstore

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/beckonhq/beckon/store"
	"github.com/beckonhq/beckon/store/redisstore/redistest"
	"github.com/beckonhq/beckon/store/storetest"
)

// backend opens each test's store under a prefix of its own on url.
func backend(url string) storetest.Backend {
	var n atomic.Int64
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	open := func(t *testing.T, u string) store.Store {
		s, err := Open(u, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	return storetest.Backend{
		Open: func(t *testing.T) store.Store {
			return open(t, fmt.Sprintf("%s%sprefix=t%d", url, sep, n.Add(1)))
		},
		Twin: func(t *testing.T, s store.Store) store.Store {
			twin := open(t, fmt.Sprintf("%s%sprefix=%s", url, sep, s.(*Store).cfg.Prefix))
			t.Cleanup(func() { twin.Close() })
			return twin
		},
	}
}

func TestConformance(t *testing.T) {
	srv := redistest.ForTest(t)
	storetest.RunBackend(t, backend(srv.URL()))
}

// Four partitions on one server: a workspace's visitors spread over them.
func TestConformancePartitions(t *testing.T) {
	srv := redistest.ForTest(t)
	b := backend(srv.URL() + "?partitions=4")
	storetest.RunBackend(t, b)
}

func TestConformanceCluster(t *testing.T) {
	c := redistest.ClusterForTest(t)
	storetest.RunBackend(t, backend(c.URL()))
}
