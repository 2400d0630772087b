package server

import (
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/beckonhq/beckon/funnel"
	"github.com/beckonhq/beckon/rules"
)

// consoleWindow is a span of the rules page; counts are kept by hour, so
// each window is a whole number of hours ending with the current one.
type consoleWindow struct {
	Key, Label string
	hours      int
}

var consoleWindows = []consoleWindow{{"hour", "This hour", 1}, {"day", "Last 24 hours", 24}, {"week", "Last 7 days", 7 * 24}}

// rulesView is the rules page.
type rulesView struct {
	Window   consoleWindow
	Windows  []consoleWindow
	Files    []string
	LoadedAt time.Time
	Reload   *reloadOutcome
	Rules    []ruleCard
}

// ruleCard is one rule on the rules page.
type ruleCard struct {
	ruleView
	Funnel     chart
	Suppressed chart
	Clicks     chart
	ReplyRate  string
}

// chart is a bar chart drawn as inline SVG.
type chart struct {
	Label               string
	Width, Height, BarX int
	Bars                []chartBar
}

type chartBar struct {
	Key, Label, Class string
	Short             string // the label cut to fit beside the bar
	N                 int64
	Y, W, TextY, NX   int
}

// Chart geometry, in SVG units: labels on the left, then the bars and
// their counts.
const (
	chartWidth  = 320
	chartBarX   = 126
	chartBarMax = 150
	chartRow    = 24
	chartLabel  = 18 // characters of a label shown
)

// newChart lays out bars scaled to the largest.
func newChart(label string, bars []chartBar) chart {
	var top int64
	for _, b := range bars {
		top = max(top, b.N)
	}
	for i := range bars {
		b := &bars[i]
		b.Y, b.TextY, b.Short = i*chartRow+4, i*chartRow+17, shorten(b.Label, chartLabel)
		if top > 0 {
			b.W = int(b.N * chartBarMax / top)
		}
		if b.N > 0 {
			b.W = max(b.W, 2)
		}
		b.NX = chartBarX + b.W + 6
	}
	return chart{Label: label, Width: chartWidth, Height: len(bars)*chartRow + 4, BarX: chartBarX, Bars: bars}
}

// shownPath is a rule file's path as the console shows it: relative to
// the server's working directory when it is under it.
func shownPath(p string) string {
	wd, err := os.Getwd()
	if err != nil || !filepath.IsAbs(p) {
		return p
	}
	if rel, err := filepath.Rel(wd, p); err == nil && filepath.IsLocal(rel) {
		return rel
	}
	return p
}

// shorten cuts s to n characters, with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// rulesPage is GET /console/rules[?window=hour|day|week].
func (s *Server) rulesPage(w http.ResponseWriter, r *http.Request, sess *consoleSession) {
	win := consoleWindows[1]
	for _, cw := range consoleWindows {
		if cw.Key == r.URL.Query().Get("window") {
			win = cw
		}
	}
	now := s.clock.Now().UTC()
	since := now.Truncate(time.Hour).Add(-time.Duration(win.hours-1) * time.Hour)
	data, err := sess.ws.rules(since)
	if err != nil {
		s.log.Error("console: read the funnels", "workspace", sess.ws.id, "err", err)
		s.consoleError(w, r, http.StatusInternalServerError, "The counts could not be read; try again.")
		return
	}
	set := sess.ws.eng.Rules()
	view := rulesView{Window: win, Windows: consoleWindows, LoadedAt: data.LoadedAt, Reload: sess.ws.lastReload.Load()}
	for _, f := range data.Files {
		view.Files = append(view.Files, shownPath(f))
	}
	for i, rv := range data.Rules {
		rv.File = shownPath(rv.File)
		view.Rules = append(view.Rules, newRuleCard(rv, set.Rules[i]))
	}
	s.page(w, sess, "rules", "Rules", view)
}

func newRuleCard(rv ruleView, rl *rules.Rule) ruleCard {
	f := rv.Funnel
	stages := []chartBar{{Key: "ready", Label: "Ready", N: f.Ready}}
	if rl.Shadow || f.WouldSend > 0 {
		stages = append(stages, chartBar{Key: "would_send", Label: "Would send", N: f.WouldSend, Class: "shadow"})
	}
	stages = append(stages, chartBar{Key: "sent", Label: "Sent", N: f.Sent}, chartBar{Key: "delivered", Label: "Delivered", N: f.Delivered},
		chartBar{Key: "read", Label: "Read", N: f.Read}, chartBar{Key: "replied", Label: "Replied", N: f.Replied})
	var held []chartBar
	for _, reason := range funnel.Reasons {
		if n := f.Suppressed[reason]; n > 0 {
			held = append(held, chartBar{Key: reason, Label: reasonLabel[reason], N: n, Class: "held"})
		}
	}
	c := ruleCard{ruleView: rv, Funnel: newChart("Funnel of "+rv.Name, stages),
		Suppressed: newChart("Why "+rv.Name+" was held back", held), Clicks: newChart("Clicks on the buttons of "+rv.Name, clickBars(rl, f)),
		ReplyRate: "no message sent"}
	if f.Sent > 0 {
		c.ReplyRate = fmt.Sprintf("%.0f%% (%d of %d)", 100*f.ReplyRate(), f.Replied, f.Sent)
	}
	return c
}

// reasonLabel says each reason in a marketer's words.
var reasonLabel = map[string]string{
	"schedule": "Schedule closed", "frequency": "Already sent", "cooldown": "Cooling down", "presence": "Visitor away",
	"cap": "Session capped", "min_wait": "Too early", "quiet": "Quiet after reply", "disabled": "Disabled",
}

// clickBars has a bar for each button of the rule (labelled as written),
// then for values it no longer offers.
func clickBars(rl *rules.Rule, f *funnel.Funnel) []chartBar {
	var bars []chartBar
	seen := map[string]bool{}
	for _, q := range rl.QuickReplies {
		if !seen[q.Value] {
			bars = append(bars, chartBar{Key: q.Value, Label: q.Text.Source, N: f.Clicks[q.Value], Class: "click"})
			seen[q.Value] = true
		}
	}
	for _, v := range slices.Sorted(maps.Keys(f.Clicks)) {
		if !seen[v] {
			bars = append(bars, chartBar{Key: v, Label: v, N: f.Clicks[v], Class: "click"})
		}
	}
	return bars
}
