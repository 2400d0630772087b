// Package scoring owns the engagement score: a 0-100 likelihood of
// conversion, round(100 * sigmoid(bias + sum of weight * value)) over
// behaviour signals, where every score can be explained signal by signal.
package scoring

import (
	"fmt"
	"log/slog"
	"math"
	"sync/atomic"

	"github.com/expr-lang/expr/vm"

	"github.com/beckonhq/beckon/rules"
)

// Model is a bias and weighted signals. A signal whose value is not a
// finite number (an attribute read by a signal can make it overflow) counts
// 0; the first time each signal does so the model logs a warning, so a
// rule set reports it once per load.
type Model struct {
	Bias    float64
	Signals []rules.Signal

	log    *slog.Logger
	warned []atomic.Bool // by signal index
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

// Default returns the built-in model; it logs nothing.
func Default() *Model {
	m := &Model{Bias: DefaultBias}
	for _, s := range defaultSignals {
		e, err := rules.CompileNumber(s.value)
		if err != nil {
			panic(fmt.Sprintf("scoring: built-in signal %s: %v", s.name, err))
		}
		m.Signals = append(m.Signals, rules.Signal{Name: s.name, Value: e, Weight: s.weight})
	}
	return m.logTo(nil)
}

// For returns the rule set's model, or the built-in one, warning log of
// signals that give no finite number (nil: no warnings).
func For(set *rules.Set, log *slog.Logger) *Model {
	if set == nil || set.Scoring == nil {
		return Default().logTo(log)
	}
	return (&Model{Bias: set.Scoring.Bias, Signals: set.Scoring.Signals}).logTo(log)
}

func (m *Model) logTo(log *slog.Logger) *Model {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m.log, m.warned = log, make([]atomic.Bool, len(m.Signals))
	return m
}

// Value computes the score alone; a signal that fails to evaluate counts 0.
func (m *Model) Value(machine *vm.VM, env any) int {
	logit := finite(m.Bias)
	for i, s := range m.Signals {
		logit = finite(logit + finite(s.Weight*m.value(i, machine, env)))
	}
	return toScore(logit)
}

// Explain computes the score with every signal's contribution.
func (m *Model) Explain(machine *vm.VM, env any) Score {
	sc := Score{Bias: finite(m.Bias), Logit: finite(m.Bias)}
	for i, s := range m.Signals {
		v := m.value(i, machine, env)
		p := Part{Name: s.Name, Value: v, Weight: s.Weight, Contribution: finite(s.Weight * v)}
		sc.Logit = finite(sc.Logit + p.Contribution)
		sc.Parts = append(sc.Parts, p)
	}
	sc.Value = toScore(sc.Logit)
	return sc
}

// value is signal i's value: 0 when it fails or is not a finite number.
func (m *Model) value(i int, machine *vm.VM, env any) float64 {
	v, err := m.Signals[i].Value.Number(machine, env)
	switch {
	case err != nil:
		return 0
	case math.IsNaN(v) || math.IsInf(v, 0):
		if m.warned != nil && !m.warned[i].Swap(true) {
			m.log.Warn("scoring signal gave no finite number; it counts 0", "signal", m.Signals[i].Name, "value", fmt.Sprint(v))
		}
		return 0
	}
	return v
}

// finite keeps a sum finite (JSON has no Inf): an overflow stays at the
// largest value of its sign.
func finite(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return 0
	case math.IsInf(x, 1):
		return math.MaxFloat64
	case math.IsInf(x, -1):
		return -math.MaxFloat64
	}
	return x
}

// toScore maps a logit to 0-100.
func toScore(logit float64) int {
	s := math.Round(100 / (1 + math.Exp(-finite(logit))))
	return int(max(0, min(100, s)))
}
