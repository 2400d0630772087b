package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
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
		o.beckon = bin
		var out, errs bytes.Buffer
		code := run(o, &out, &errs)
		t.Logf("%s (seed %d):\n%s%s", o.mode, o.seed, out.String(), errs.String())
		if code != 0 || !strings.HasSuffix(out.String(), "OK\n") {
			t.Fatalf("%s: exit %d", o.mode, code)
		}
	}
}
