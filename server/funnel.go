package server

import (
	"net/http"
	"time"

	"github.com/beckonhq/beckon/funnel"
)

// ruleView is a loaded rule with its controls and its funnel.
type ruleView struct {
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	Enabled     bool           `json:"enabled"`
	Mode        string         `json:"mode"` // live or shadow
	Priority    int            `json:"priority"`
	Frequency   string         `json:"frequency"`
	For         string         `json:"for,omitempty"`
	Cooldown    string         `json:"cooldown,omitempty"`
	During      string         `json:"during,omitempty"`
	Trigger     string         `json:"trigger"`
	FollowUp    bool           `json:"follow_up"`
	File        string         `json:"file"`
	Line        int            `json:"line"`
	Ready       int64          `json:"ready"` // funnel.ready, kept where it was
	Sent        int64          `json:"sent"`  // funnel.sent
	LastSent    *time.Time     `json:"last_sent,omitempty"`
	Funnel      *funnel.Funnel `json:"funnel"`
}

type rulesData struct {
	Files    []string  `json:"files"`
	LoadedAt time.Time `json:"loaded_at"`
	// Since is the start of the hour the counts start from, when asked.
	Since *time.Time `json:"since,omitempty"`
	Rules []ruleView `json:"rules"`
}

// rules is GET /v1/rules[?since=RFC3339]: the running rules with their
// funnels, over all the counts kept or from since's hour on.
func (s *Server) rules(w http.ResponseWriter, r *http.Request, ws *workspace) {
	var since time.Time
	if q := r.URL.Query().Get("since"); q != "" {
		t, err := time.Parse(time.RFC3339, q)
		if err != nil {
			s.fail(w, r, errInvalid("since", "since must be a time like 2026-01-20T14:00:00Z (RFC 3339)"))
			return
		}
		since = t
	}
	data, err := ws.rules(since)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.ok(w, r, http.StatusOK, data)
}

func (ws *workspace) rules(since time.Time) (*rulesData, error) {
	set, stats := ws.eng.Rules(), ws.eng.RuleStats()
	counts, err := ws.eng.Counts(since)
	if err != nil {
		return nil, err
	}
	byRule := funnel.ByRule(counts)
	data := &rulesData{Files: set.Files, LoadedAt: *ws.loadedAt.Load(), Rules: make([]ruleView, len(set.Rules))}
	if !since.IsZero() {
		from := since.UTC().Truncate(time.Hour)
		data.Since = &from
	}
	for i, rl := range set.Rules {
		values := make([]string, len(rl.QuickReplies))
		for j, q := range rl.QuickReplies {
			values[j] = q.Value
		}
		f := funnel.Of(byRule, rl.Name, values...)
		v := ruleView{Name: rl.Name, Description: rl.Description, Enabled: !rl.Disabled, Mode: rl.Mode(),
			Priority: rl.Priority, Frequency: string(rl.Frequency), Trigger: rl.Trigger, FollowUp: rl.FollowUp,
			File: rl.File, Line: rl.Line, Ready: f.Ready, Sent: f.Sent, Funnel: f}
		if rl.For > 0 {
			v.For = rl.For.String()
		}
		if rl.Cooldown > 0 {
			v.Cooldown = rl.Cooldown.String()
		}
		if rl.During != nil {
			v.During = rl.During.Name
		}
		if i < len(stats) && stats[i].Name == rl.Name && !stats[i].LastSent.IsZero() {
			t := stats[i].LastSent
			v.LastSent = &t
		}
		data.Rules[i] = v
	}
	return data, nil
}
