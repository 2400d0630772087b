package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/beckonhq/beckon/store/redisstore/redistest"
)

// Every example rule test passes on Redis as on bbolt, through the same
// command, and leaves nothing behind in Redis; simulate prints the same.
func TestRuleTestsOnRedis(t *testing.T) {
	files, err := filepath.Glob("../../examples/tests/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("example tests: %v %v", files, err)
	}
	bolt, code := beckon(t, append([]string{"test"}, files...)...)
	if code != 0 {
		t.Fatalf("on bbolt: exit %d\n%s", code, bolt)
	}
	srv := redistest.ForTest(t)
	onRedis, code := beckon(t, append([]string{"test", "--store", srv.URL()}, files...)...)
	if code != 0 || onRedis != bolt || !strings.HasSuffix(onRedis, " passed, 0 failed\n") {
		t.Fatalf("on Redis: exit %d\n%s\nwant, as on bbolt:\n%s", code, onRedis, bolt)
	}
	if keys, _ := redistest.Command(srv.Addr, "DBSIZE"); keys != "1" {
		t.Errorf("the tests left %s keys in Redis, want 1 (the store's mark)", keys)
	}
	journeys, _ := filepath.Glob("../../examples/journeys/*.yaml")
	args := append([]string{"simulate", "--rules", "../../rules.example.yaml", "--format", "json"}, journeys...)
	want, _ := beckon(t, args...)
	got, code := beckon(t, append(args, "--store", srv.URL()+"/2")...)
	if code != 0 || got != want || want == "" {
		t.Errorf("simulate on Redis: exit %d\n%s\nwant\n%s", code, got, want)
	}
}

func TestStoreURLs(t *testing.T) {
	for _, url := range []string{"mysql://h/1", "bolt:", "redis://h:1?nope=1"} {
		out, code := beckon(t, "test", "--store", url, "testdata/pass.test.yaml")
		if code != 1 || !strings.Contains(out, "--store") && !strings.Contains(out, "nope") {
			t.Errorf("--store %s: exit %d, %q", url, code, out)
		}
	}
	out, code := beckon(t, "test", "--store", "bolt:"+filepath.Join(t.TempDir(), "sim.db"), "testdata/pass.test.yaml")
	if code != 0 || out != "2 passed, 0 failed\n" {
		t.Errorf("--store bolt:PATH: exit %d, %q", code, out)
	}
}
