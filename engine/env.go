package engine

import (
	"time"

	"github.com/beckonhq/beckon/rules"
	"github.com/beckonhq/beckon/tracker"
)

// env builds the expression environment for an evaluation of v at t. It
// shares v's maps and slices rather than copying them: rules only read.
// Its functions are the scratch's, which read the evaluation's visitor,
// time and rule set from it.
func (v *visitorState) env(sc *scratch, t time.Time, ev *tracker.Event, l *loaded) rules.Env {
	set := l.set
	sc.visitor, sc.at, sc.set = v, t, set
	if sc.visited == nil {
		sc.visited = func(glob string) bool {
			for _, p := range sc.visitor.Session.Pages {
				if rules.MatchGlob(glob, p) {
					return true
				}
			}
			return false
		}
		sc.open = func(name string) bool {
			s := sc.set.Schedules[name]
			return s != nil && s.Open(sc.at)
		}
	}
	s, p := &v.Session, &v.Page
	env := rules.Env{
		Page: rules.PageEnv{
			URL: p.URL, Path: p.Path, Host: p.Host, Title: p.Title, Referrer: p.Referrer,
			TimeOnPage: v.TimeOnPage(t), ScrollDepth: p.ScrollDepth,
		},
		Session: rules.SessionEnv{
			ID: s.ID, Duration: t.Sub(s.Start).Seconds(), PageViews: s.PageViews, Pages: s.Pages,
			LandingPage: s.LandingPage, Referrer: s.Referrer, Device: v.Device,
			UTM:          rules.UTMEnv(s.UTM),
			MessagesSent: s.MessagesSent, Engaged: s.Engaged, Replies: s.Replies,
			LastReply:        rules.ReplyEnv(s.LastReply),
			QuickReplyClicks: s.QuickReplyClicks,
		},
		Visitor: rules.VisitorEnv{
			ID: v.ID, Returning: v.Visits > 1, Visits: v.Visits, Status: v.Status(t),
			EngagementScore: v.Score, Attributes: v.Attributes,
		},
		Now:     t.UTC(),
		Lists:   set.Lists,
		Visited: sc.visited,
		Open:    sc.open,
	}
	if l.readsQuery {
		env.Page.Query = p.QueryMap()
	}
	if ev == nil {
		env.Event.Type = "timer"
	} else {
		env.Event.Type = ev.Type
		if ev.Type == tracker.Custom {
			env.Event.Name = ev.Name
		}
	}
	return env
}
