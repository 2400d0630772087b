package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/beckonhq/beckon/store/redisstore/redistest"
)

// The short form of the crash run: a few SIGKILL rounds against a real
// server process, then the clean-restart run. scripts/crash runs the
// long form.
func TestCrashRounds(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	bin, err := build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []options{
		{mode: "kill", rounds: 3, workers: 8, maxRun: 800 * time.Millisecond, seed: time.Now().UnixNano()},
		{mode: "stale", visitors: 300, workers: 16},
	} {
		crashRun(t, bin, o)
	}
}

// Three processes on one Redis, then on a 3-master Redis Cluster: calls
// sprayed across them at random, one SIGKILLed in the middle of each
// round while the others go on.
func TestCrashRoundsShared(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	redistest.ForTest(t) // skips (or fails, when required) without redis-server
	bin, err := build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, store := range []string{"redis", "cluster"} {
		crashRun(t, bin, options{mode: "kill", rounds: 1, workers: 8, processes: 3, store: store,
			maxRun: 1500 * time.Millisecond, seed: time.Now().UnixNano()})
	}
}

func crashRun(t *testing.T, bin string, o options) {
	t.Helper()
	o.beckon = bin
	var out, errs bytes.Buffer
	code := run(o, &out, &errs)
	t.Logf("%s %d×%s (seed %d):\n%s%s", o.mode, max(o.processes, 1), o.store, o.seed, out.String(), errs.String())
	if code != 0 || !strings.HasSuffix(out.String(), "OK\n") {
		t.Fatalf("%s: exit %d", o.mode, code)
	}
}
