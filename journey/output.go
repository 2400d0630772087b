package journey

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/beckonhq/beckon/engine"
	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/scoring"
	"github.com/beckonhq/beckon/tracker"
)

// MessageJSON is one line of `beckon simulate --format json`.
type MessageJSON struct {
	Journey         string               `json:"journey"`
	At              string               `json:"at"`
	Time            string               `json:"time"`
	VisitorID       string               `json:"visitor_id"`
	SessionID       string               `json:"session_id"`
	Rule            string               `json:"rule"`
	Message         string               `json:"message"`
	QuickReplies    []message.QuickReply `json:"quick_replies"`
	Trigger         *message.Trigger     `json:"trigger"`
	Personalization map[string]any       `json:"personalization"`
	EngagementScore int                  `json:"engagement_score"`
}

// WriteJSON writes one JSON object a line per message sent.
func WriteJSON(w io.Writer, j *Journey, sent []Sent) error {
	enc := json.NewEncoder(w)
	for _, s := range sent {
		m := s.Message
		qrs := m.QuickReplies
		if qrs == nil {
			qrs = []message.QuickReply{}
		}
		pers := m.Personalization
		if pers == nil {
			pers = map[string]any{}
		}
		err := enc.Encode(MessageJSON{
			Journey: j.Name, At: s.At.String(), Time: m.Time.UTC().Format(time.RFC3339Nano),
			VisitorID: m.VisitorID, SessionID: m.SessionID, Rule: m.Rule, Message: m.Message,
			QuickReplies: qrs, Trigger: m.Trigger, Personalization: pers,
			EngagementScore: m.EngagementScore,
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Timeline prints a readable timeline of a simulation as it runs: the
// journey's events and each message; with Explain also heartbeats, wakeups
// and why each rule did not send.
type Timeline struct {
	W       io.Writer
	Explain bool
	j       *Journey
	sent    int
	began   int // journeys begun, to separate them with a blank line
}

// Begin starts a journey's section.
func (tl *Timeline) Begin(j *Journey) {
	if tl.began > 0 {
		fmt.Fprintln(tl.W)
	}
	tl.j, tl.sent = j, 0
	tl.began++
	fmt.Fprintf(tl.W, "journey %q: visitor %s, start %s\n", j.Name, j.Visitor.ID, j.Start.UTC().Format(time.RFC3339))
}

// End closes a journey's section.
func (tl *Timeline) End() {
	fmt.Fprintf(tl.W, "%d message(s) sent; ran until %s\n", tl.sent, tl.j.End())
}

// Options returns simulation options that feed the timeline.
func (tl *Timeline) Options() Options {
	return Options{OnEvent: tl.event, Trace: tl.evaluation}
}

func (tl *Timeline) event(at time.Duration, ev tracker.Event) {
	if ev.Type == tracker.Heartbeat && !tl.Explain {
		return
	}
	fmt.Fprintf(tl.W, "%8s  %-12s %s\n", at, ev.Type, eventDetail(ev))
}

func eventDetail(ev tracker.Event) string {
	switch ev.Type {
	case tracker.PageView:
		return ev.URL
	case tracker.Scroll:
		return fmt.Sprintf("depth %g", ev.Depth)
	case tracker.Visibility:
		return ev.State
	case tracker.Identify, tracker.Custom:
		name := ev.Name
		if len(ev.Attributes) > 0 {
			attrs, _ := json.Marshal(ev.Attributes)
			name = strings.TrimSpace(name + " " + string(attrs))
		}
		return name
	case tracker.Reply:
		if ev.QuickReply != "" {
			return "quick reply " + ev.QuickReply
		}
		return fmt.Sprintf("%q", ev.Text)
	}
	return ""
}

func (tl *Timeline) evaluation(ev *engine.Evaluation) {
	at := ev.Time.Sub(tl.j.Start)
	if ev.Event == "timer" && (tl.Explain || ev.Sent != nil || len(ev.WouldSend) > 0) {
		fmt.Fprintf(tl.W, "%8s  %-12s (wakeup)\n", at, "timer")
	}
	if tl.Explain {
		fmt.Fprintf(tl.W, "%10s visitor %s, session %s old, score %s\n", "", ev.Status, ev.Time.Sub(ev.SessionStart), explainScore(ev.Score))
		var falseRules []string
		for _, r := range ev.Rules {
			switch {
			case r.Reason == "condition false":
				falseRules = append(falseRules, r.Rule)
			case !r.Sent && !r.WouldSend:
				fmt.Fprintf(tl.W, "%10s - %s: %s\n", "", r.Rule, r.Reason)
			}
		}
		if len(falseRules) > 0 {
			fmt.Fprintf(tl.W, "%10s - condition false: %s\n", "", strings.Join(falseRules, ", "))
		}
	}
	for _, m := range ev.WouldSend {
		tl.message(at, "WOULD SEND (shadow)", m, nil)
	}
	if m := ev.Sent; m != nil {
		tl.sent++
		tl.message(at, "SEND", m, ev.Warnings)
	}
}

// message prints a message sent (or that a shadow rule would have sent)
// with its buttons and warnings.
func (tl *Timeline) message(at time.Duration, what string, m *message.Message, warnings []string) {
	fmt.Fprintf(tl.W, "%8s  >> %s %s (score %d): %q\n", at, what, m.Rule, m.EngagementScore, m.Message)
	if len(m.QuickReplies) > 0 {
		labels := make([]string, len(m.QuickReplies))
		for i, q := range m.QuickReplies {
			labels[i] = fmt.Sprintf("[%s]", q.Text)
		}
		fmt.Fprintf(tl.W, "%10s    %s\n", "", strings.Join(labels, " "))
	}
	for _, w := range warnings {
		fmt.Fprintf(tl.W, "%10s    ! %s\n", "", w)
	}
}

// explainScore shows how the signals add up:
// "12 (logit -2.01 = bias -3 + time_on_site 0.26 + …)".
func explainScore(s scoring.Score) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d (logit %.2f = bias %g", s.Value, s.Logit, s.Bias)
	for _, p := range s.Parts {
		if p.Contribution != 0 {
			fmt.Fprintf(&b, " + %s %.2f", p.Name, p.Contribution)
		}
	}
	b.WriteString(")")
	return b.String()
}
