package engine_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/beckonhq/beckon/journey"
	"github.com/beckonhq/beckon/store/boltstore"
	"github.com/beckonhq/beckon/store/redisstore"
	"github.com/beckonhq/beckon/store/redisstore/redistest"
)

// The journey-driven tests of docs/semantics.md, again with the engine in
// shared mode: on a bbolt file, and on Redis (where every event is read
// from and committed to Redis, and wakeups are claimed from it). The
// results must be the same as on one process.
var semanticsTests = []struct {
	name string
	fn   func(*testing.T)
}{
	{"Spec1EventOrderAndWakeups", TestSpec1EventOrderAndWakeups},
	{"Spec2For", TestSpec2For},
	{"Spec3Fired", TestSpec3Fired},
	{"Spec4Blocks", TestSpec4Blocks},
	{"Spec5Priority", TestSpec5Priority},
	{"Spec6ReplyEngages", TestSpec6ReplyEngages},
	{"Spec7Presence", TestSpec7Presence},
	{"Spec8Sessions", TestSpec8Sessions},
	{"Spec9Heartbeats", TestSpec9Heartbeats},
	{"PageQuery", TestPageQuery},
	{"DismissDeclines", TestDismissDeclines},
	{"QuietAfterReply", TestQuietAfterReply},
	{"QuickReplyAcrossSessions", TestQuickReplyAcrossSessions},
	{"QuickReplyOfferedLongAgo", TestQuickReplyOfferedLongAgo},
	{"EmptyValueReported", TestEmptyValueReported},
}

func TestSemanticsShared(t *testing.T) {
	t.Run("bolt", func(t *testing.T) {
		st, err := boltstore.Open(filepath.Join(t.TempDir(), "beckon.db"), boltstore.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		runSemantics(t, &journey.Options{Store: st, Shared: true})
	})
	t.Run("redis", func(t *testing.T) {
		srv := redistest.ForTest(t)
		st, err := redisstore.Open(srv.URL(), redisstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		runSemantics(t, &journey.Options{Store: st})
		if keys, _ := redistest.Command(srv.Addr, "DBSIZE"); keys != "1" {
			t.Errorf("the runs left %s keys in Redis, want 1 (the store's mark)", keys)
		}
	})
}

func runSemantics(t *testing.T, opts *journey.Options) {
	onStore = opts
	defer func() { onStore = nil }()
	for _, tc := range semanticsTests {
		t.Run(tc.name, tc.fn)
	}
}

// Every test of the semantics and controls files runs again in shared
// mode, but those that drive an engine of their own rather than journeys.
func TestSemanticsSharedListsEveryTest(t *testing.T) {
	own := map[string]bool{"WhenNotBoolReported": true}
	listed := map[string]bool{}
	for _, tc := range semanticsTests {
		listed[tc.name] = true
	}
	for _, file := range []string{"semantics_test.go", "controls_test.go"} {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`(?m)^func Test(\w+)\(`).FindAllSubmatch(src, -1) {
			if name := string(m[1]); !listed[name] && !own[name] {
				t.Errorf("Test%s (%s) is not in semanticsTests", name, file)
			}
		}
	}
}
