// Package scoring owns the engagement score: a 0-100 likelihood of
// conversion, round(100 * sigmoid(bias + sum of weight * value)) over
// behaviour signals, where every score can be explained signal by signal.
package scoring

import (
	"fmt"
	"math"

	"github.com/expr-lang/expr/vm"

	"github.com/beckonhq/beckon/rules"
)

// Model is a bias and weighted signals.
type Model struct {
	Bias    float64
	Signals []rules.Signal
}

// Part is one signal's share of a score.
type Part struct {
	Name         string  `json:"name"`
	Value        float64 `json:"value"`
	Weight       float64 `json:"weight"`
	Contribution float64 `json:"contribution"`
}

// Score is a score with its explanation.
type Score struct {
	Value int     `json:"score"`
	Bias  float64 `json:"bias"`
	Logit float64 `json:"logit"`
	Parts []Part  `json:"signals"`
}

// defaultSignals is the built-in model. Time and pages are capped so that
// long idle visits do not look like intent; the high-intent pages are the
// ones a home-services buyer visits before booking. Replies are not capped:
// every reply raises the score.
var defaultSignals = []struct {
	name, value string
	weight      float64
}{
	{"time_on_site", "min(session.duration / 60, 5)", 0.35},
	{"pages_viewed", "min(session.page_views, 8)", 0.25},
	{"high_intent_pages", `(visited("/pricing**") ? 1 : 0) + (visited("/book**") ? 1 : 0) + (visited("/quote**") ? 1 : 0) + (visited("/contact**") ? 1 : 0)`, 0.7},
	{"returning_visitor", "visitor.returning ? 1 : 0", 0.6},
	{"scroll_depth", "page.scroll_depth / 100", 0.8},
	{"replies", "session.replies", 1.0},
	{"quick_reply_clicks", "session.quick_reply_clicks", 0.5},
}

// DefaultBias puts a visitor who has just arrived near 5.
const DefaultBias = -3.0

// Default returns the built-in model.
func Default() *Model {
	m := &Model{Bias: DefaultBias}
	for _, s := range defaultSignals {
		e, err := rules.CompileNumber(s.value)
		if err != nil {
			panic(fmt.Sprintf("scoring: built-in signal %s: %v", s.name, err))
		}
		m.Signals = append(m.Signals, rules.Signal{Name: s.name, Value: e, Weight: s.weight})
	}
	return m
}

// For returns the rule set's model, or the built-in one.
func For(set *rules.Set) *Model {
	if set == nil || set.Scoring == nil {
		return Default()
	}
	return &Model{Bias: set.Scoring.Bias, Signals: set.Scoring.Signals}
}

// Value computes the score alone; a signal that fails to evaluate counts 0.
func (m *Model) Value(machine *vm.VM, env any) int {
	logit := m.Bias
	for _, s := range m.Signals {
		v, err := s.Value.Number(machine, env)
		if err == nil {
			logit += s.Weight * v
		}
	}
	return toScore(logit)
}

// Explain computes the score with every signal's contribution.
func (m *Model) Explain(machine *vm.VM, env any) Score {
	sc := Score{Bias: m.Bias, Logit: m.Bias}
	for _, s := range m.Signals {
		v, err := s.Value.Number(machine, env)
		if err != nil {
			v = 0
		}
		p := Part{Name: s.Name, Value: v, Weight: s.Weight, Contribution: s.Weight * v}
		sc.Logit += p.Contribution
		sc.Parts = append(sc.Parts, p)
	}
	sc.Value = toScore(sc.Logit)
	return sc
}

func toScore(logit float64) int {
	return int(math.Round(100 / (1 + math.Exp(-logit))))
}
