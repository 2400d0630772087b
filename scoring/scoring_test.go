package scoring_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"math"
	"strings"
	"testing"

	"github.com/expr-lang/expr/vm"

	"github.com/beckonhq/beckon/rules"
	"github.com/beckonhq/beckon/scoring"
)

func env(duration float64, pages int, scroll float64, replies int, returning bool, visited ...string) rules.Env {
	return rules.Env{
		Page:    rules.PageEnv{ScrollDepth: scroll},
		Session: rules.SessionEnv{Duration: duration, PageViews: pages, Replies: replies, Engaged: replies > 0, Pages: visited},
		Visitor: rules.VisitorEnv{Returning: returning, Visits: 1},
		Visited: func(glob string) bool {
			for _, p := range visited {
				if rules.MatchGlob(glob, p) {
					return true
				}
			}
			return false
		},
	}
}

func TestDefaultModelExplains(t *testing.T) {
	var m vm.VM
	model := scoring.Default()
	s := model.Explain(&m, env(120, 3, 60, 0, true, "/", "/pricing", "/book/ac"))
	sum := s.Bias
	byName := map[string]scoring.Part{}
	for _, p := range s.Parts {
		if p.Contribution != p.Weight*p.Value {
			t.Errorf("%s: contribution %v != weight %v * value %v", p.Name, p.Contribution, p.Weight, p.Value)
		}
		sum += p.Contribution
		byName[p.Name] = p
	}
	if math.Abs(sum-s.Logit) > 1e-9 {
		t.Errorf("bias + contributions = %v, logit %v", sum, s.Logit)
	}
	if want := int(math.Round(100 / (1 + math.Exp(-s.Logit)))); s.Value != want {
		t.Errorf("score %d, want round(100*sigmoid(%v)) = %d", s.Value, s.Logit, want)
	}
	checks := map[string]float64{"time_on_site": 2, "pages_viewed": 3, "high_intent_pages": 2, "returning_visitor": 1, "scroll_depth": 0.6, "replies": 0}
	for name, v := range checks {
		if byName[name].Value != v {
			t.Errorf("signal %s = %v, want %v", name, byName[name].Value, v)
		}
	}
	if v := model.Value(&m, env(120, 3, 60, 0, true, "/", "/pricing", "/book/ac")); v != s.Value {
		t.Errorf("Value %d != Explain %d", v, s.Value)
	}
}

func TestReplyRaisesScore(t *testing.T) {
	var m vm.VM
	model := scoring.Default()
	prev := model.Value(&m, env(30, 1, 0, 0, false))
	for replies := 1; replies <= 3; replies++ {
		s := model.Explain(&m, env(30, 1, 0, replies, false))
		if s.Value <= prev {
			t.Errorf("%d replies: score %d, not above %d", replies, s.Value, prev)
		}
		prev = s.Value
	}
}

func TestRuleFileModelReplacesDefault(t *testing.T) {
	set, diags := rules.Parse(rules.Source{Name: "r.yaml", Data: []byte(`version: 1
scoring:
  bias: -1
  signals:
    - {name: long, value: "min(session.duration / 60, 5)", weight: 0.5}
    - {name: pricing, value: 'visited("/pricing") ? 1 : 0', weight: 1}
rules: []
`)})
	if set == nil {
		t.Fatal(diags)
	}
	var m vm.VM
	s := scoring.For(set, nil).Explain(&m, env(120, 1, 0, 0, false, "/pricing"))
	if len(s.Parts) != 2 || s.Logit != -1+0.5*2+1 {
		t.Fatalf("explained %+v, want 2 signals and logit 1", s)
	}
	if s.Value != 73 { // round(100 * sigmoid(1))
		t.Errorf("score %d, want 73", s.Value)
	}
}

// Signals that overflow (Inf, NaN) or are huge still give a score of
// 0-100 and an explanation JSON can carry; each bad signal is reported
// once per model.
func TestNonFiniteSignalsAreClampedAndReportedOnce(t *testing.T) {
	for _, tc := range []struct {
		name, signals string
		want          int
	}{
		{"infinite", `{name: inf, value: "session.duration * 1e308 * 10", weight: 1}`, 50},
		{"not a number", `{name: nan, value: "session.duration * 1e308 * 10 - session.duration * 1e308 * 10", weight: 1}`, 50},
		{"overflowing sum", `{name: big, value: "session.duration * 1e306", weight: 1e10}`, 100},
		{"overflowing below", `{name: small, value: "-session.duration * 1e306", weight: 1e10}`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set, diags := rules.Parse(rules.Source{Name: "r.yaml", Data: []byte("version: 1\nscoring:\n  bias: 0\n  signals:\n    - " + tc.signals + "\nrules: []\n")})
			if set == nil {
				t.Fatal(diags)
			}
			var logs bytes.Buffer
			model := scoring.For(set, slog.New(slog.NewTextHandler(&logs, nil)))
			var m vm.VM
			for range 3 {
				s := model.Explain(&m, env(120, 1, 0, 0, false))
				if v := model.Value(&m, env(120, 1, 0, 0, false)); s.Value != tc.want || v != tc.want {
					t.Fatalf("score %d / %d, want %d", s.Value, v, tc.want)
				}
				if _, err := json.Marshal(s); err != nil {
					t.Fatalf("explanation does not encode: %v", err)
				}
			}
			warnings := strings.Count(logs.String(), "level=WARN")
			if wantWarn := map[bool]int{true: 1, false: 0}[tc.want == 50]; warnings != wantWarn {
				t.Errorf("%d warnings, want %d:\n%s", warnings, wantWarn, logs.String())
			}
		})
	}
}
