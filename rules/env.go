package rules

import "time"

// Env is the environment every expression is compiled against and run on:
// the names marketers write in `when`, templates and scoring signals. The
// engine fills one per evaluation; it is a flat value (no pointers at the
// top) because expr runs fastest on that.
type Env struct {
	Event   EventEnv            `expr:"event"`
	Page    PageEnv             `expr:"page"`
	Session SessionEnv          `expr:"session"`
	Visitor VisitorEnv          `expr:"visitor"`
	Now     time.Time           `expr:"now"`
	Lists   map[string][]string `expr:"lists"`
	// Visited reports whether the session visited a path matching the glob.
	Visited func(glob string) bool `expr:"visited"`
	// Open reports whether the named schedule is open now.
	Open func(schedule string) bool `expr:"open"`
}

// TemplateEnv is Env plus the rule's rendered personalization values.
type TemplateEnv struct {
	Env
	Personalization map[string]any `expr:"personalization"`
}

// EventEnv is the event being processed.
type EventEnv struct {
	Type string `expr:"type"`
	Name string `expr:"name"`
}

// PageEnv is the visitor's current page; all zero after page_leave.
type PageEnv struct {
	URL         string            `expr:"url"`
	Path        string            `expr:"path"`
	Host        string            `expr:"host"`
	Query       map[string]string `expr:"query"`
	Title       string            `expr:"title"`
	Referrer    string            `expr:"referrer"`
	TimeOnPage  float64           `expr:"time_on_page"`
	ScrollDepth float64           `expr:"scroll_depth"`
}

// SessionEnv is the current visit and the conversation in it.
type SessionEnv struct {
	ID               string   `expr:"id"`
	Duration         float64  `expr:"duration"`
	PageViews        int      `expr:"page_views"`
	Pages            []string `expr:"pages"`
	LandingPage      string   `expr:"landing_page"`
	Referrer         string   `expr:"referrer"`
	UTM              UTMEnv   `expr:"utm"`
	Device           string   `expr:"device"`
	MessagesSent     int      `expr:"messages_sent"`
	Engaged          bool     `expr:"engaged"`
	LastReply        ReplyEnv `expr:"last_reply"`
	Replies          int      `expr:"replies"`
	QuickReplyClicks int      `expr:"quick_reply_clicks"`
}

// UTMEnv holds the landing page's utm_* parameters.
type UTMEnv struct {
	Source   string `expr:"source"`
	Medium   string `expr:"medium"`
	Campaign string `expr:"campaign"`
	Term     string `expr:"term"`
	Content  string `expr:"content"`
}

// ReplyEnv is the visitor's latest reply; empty strings before any.
type ReplyEnv struct {
	Value  string `expr:"value"`
	Action string `expr:"action"`
	Text   string `expr:"text"`
}

// VisitorEnv is the visitor across sessions.
type VisitorEnv struct {
	ID              string         `expr:"id"`
	Returning       bool           `expr:"returning"`
	Visits          int            `expr:"visits"`
	Status          string         `expr:"status"`
	EngagementScore int            `expr:"engagement_score"`
	Attributes      map[string]any `expr:"attributes"`
}
