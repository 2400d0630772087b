package tracker

import (
	"maps"
	"net/url"
	"time"
)

const (
	// SessionTimeout ends a session: the next event after this much silence
	// starts a new one.
	SessionTimeout = 30 * time.Minute
	// PresenceTimeout makes a visitor offline when nothing was heard for it.
	PresenceTimeout = 60 * time.Second
	// maxPages bounds the remembered page path list of one session.
	maxPages = 200
)

// Dismiss is the quick-reply action of a decline ("No thanks").
const Dismiss = "dismiss"

// Presence states.
const (
	Online  = "online"
	Idle    = "idle"
	Offline = "offline"
)

// Visitor is everything known about one visitor. It is plain data so the
// engine can persist it as it is.
type Visitor struct {
	ID         string         `json:"id" cbor:"1,keyasint,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty" cbor:"2,keyasint,omitempty"`
	Device     string         `json:"device,omitempty" cbor:"3,keyasint,omitempty"`
	Visits     int            `json:"visits" cbor:"4,keyasint,omitempty"`
	LastHeard  time.Time      `json:"last_heard" cbor:"5,keyasint,omitempty"`
	// LastReplyAt is the time of the visitor's latest reply, in any session.
	LastReplyAt time.Time `json:"last_reply_at,omitzero" cbor:"6,keyasint,omitempty"`
	// Presence is the state the last presence-changing event left; Status
	// turns it offline after PresenceTimeout.
	Presence string  `json:"presence" cbor:"7,keyasint,omitempty"`
	Session  Session `json:"session" cbor:"8,keyasint,omitempty"`
	Page     Page    `json:"page" cbor:"9,keyasint,omitempty"`
}

// Session is one visit.
type Session struct {
	ID           string    `json:"id" cbor:"1,keyasint,omitempty"`
	Start        time.Time `json:"start" cbor:"2,keyasint,omitempty"`
	PageViews    int       `json:"page_views" cbor:"3,keyasint,omitempty"`
	Pages        []string  `json:"pages,omitempty" cbor:"4,keyasint,omitempty"`
	LandingPage  string    `json:"landing_page,omitempty" cbor:"5,keyasint,omitempty"`
	Referrer     string    `json:"referrer,omitempty" cbor:"6,keyasint,omitempty"`
	UTM          UTM       `json:"utm" cbor:"7,keyasint,omitempty"`
	MessagesSent int       `json:"messages_sent" cbor:"8,keyasint,omitempty"`
	Engaged      bool      `json:"engaged" cbor:"9,keyasint,omitempty"`
	// Declined is set by a click on a dismiss button: no more proactive
	// messages in this session.
	Declined         bool      `json:"declined,omitempty" cbor:"10,keyasint,omitempty"`
	LastReply        LastReply `json:"last_reply" cbor:"11,keyasint,omitempty"`
	Replies          int       `json:"replies" cbor:"12,keyasint,omitempty"`
	QuickReplyClicks int       `json:"quick_reply_clicks" cbor:"13,keyasint,omitempty"`
}

// UTM holds the landing page's campaign parameters.
type UTM struct {
	Source   string `json:"source,omitempty" cbor:"1,keyasint,omitempty"`
	Medium   string `json:"medium,omitempty" cbor:"2,keyasint,omitempty"`
	Campaign string `json:"campaign,omitempty" cbor:"3,keyasint,omitempty"`
	Term     string `json:"term,omitempty" cbor:"4,keyasint,omitempty"`
	Content  string `json:"content,omitempty" cbor:"5,keyasint,omitempty"`
}

// LastReply is the visitor's latest reply in the session.
type LastReply struct {
	Value  string `json:"value,omitempty" cbor:"1,keyasint,omitempty"`
	Action string `json:"action,omitempty" cbor:"2,keyasint,omitempty"`
	Text   string `json:"text,omitempty" cbor:"3,keyasint,omitempty"`
}

// Page is the current page; zero after page_leave.
type Page struct {
	URL         string            `json:"url,omitempty" cbor:"1,keyasint,omitempty"`
	Path        string            `json:"path,omitempty" cbor:"2,keyasint,omitempty"`
	Host        string            `json:"host,omitempty" cbor:"3,keyasint,omitempty"`
	Query       map[string]string `json:"query,omitempty" cbor:"4,keyasint,omitempty"`
	Title       string            `json:"title,omitempty" cbor:"5,keyasint,omitempty"`
	Referrer    string            `json:"referrer,omitempty" cbor:"6,keyasint,omitempty"`
	ViewedAt    time.Time         `json:"viewed_at" cbor:"7,keyasint,omitempty"`
	ScrollDepth float64           `json:"scroll_depth,omitempty" cbor:"8,keyasint,omitempty"`
}

// SessionEnded reports whether an event at t would start a new session.
func (v *Visitor) SessionEnded(t time.Time) bool {
	return v.Session.ID == "" || t.Sub(v.LastHeard) >= SessionTimeout
}

// Apply updates the visitor with an event. When the event starts a new
// session, newSession supplies its id and Apply reports true.
func (v *Visitor) Apply(ev *Event, newSession func() string) bool {
	started := v.SessionEnded(ev.Time)
	if started {
		v.Visits++
		v.Session = Session{ID: newSession(), Start: ev.Time}
	}
	v.LastHeard = ev.Time
	if ev.Device != "" {
		v.Device = ev.Device
	}
	switch ev.Type {
	case PageView:
		v.viewPage(ev)
		v.Presence = Online
	case Heartbeat:
		v.Presence = Online
	case Scroll:
		v.Page.ScrollDepth = max(v.Page.ScrollDepth, min(ev.Depth, 100))
		v.Presence = Online
	case Visibility:
		v.Presence = Online
		if ev.State == "hidden" {
			v.Presence = Idle
		}
	case PageLeave:
		v.Page = Page{}
		v.Presence = Offline
	case Identify:
		if v.Attributes == nil {
			v.Attributes = map[string]any{}
		}
		maps.Copy(v.Attributes, ev.Attributes)
	case Reply:
		s := &v.Session
		if ev.Action == Dismiss {
			s.Declined = true // a "no thanks" is an answer, not engagement
		} else {
			s.Engaged = true
		}
		v.LastReplyAt = ev.Time
		s.Replies++
		s.LastReply = LastReply{Value: ev.QuickReply, Action: ev.Action, Text: ev.Text}
		if ev.QuickReply != "" {
			s.QuickReplyClicks++
		}
		v.Presence = Online
	}
	return started
}

// viewPage makes the event's page the current one. The page's query is
// not kept apart from its URL (Page.QueryMap reads it back): most visitors
// have one, and few rules read it.
func (v *Visitor) viewPage(ev *Event) {
	p := ParseURL(ev.URL)
	p.Title, p.Referrer, p.ViewedAt = ev.Title, ev.Referrer, ev.Time
	s := &v.Session
	if s.PageViews == 0 {
		s.LandingPage, s.Referrer = p.Path, ev.Referrer
		q := p.Query
		s.UTM = UTM{Source: q["utm_source"], Medium: q["utm_medium"], Campaign: q["utm_campaign"], Term: q["utm_term"], Content: q["utm_content"]}
	}
	p.Query = nil
	v.Page = p
	s.PageViews++
	if len(s.Pages) >= maxPages {
		s.Pages = s.Pages[1:]
	}
	s.Pages = append(s.Pages, p.Path)
}

// ParseURL splits a page URL into the parts rules see. A bare path is
// accepted too.
func ParseURL(raw string) Page {
	p := Page{URL: raw}
	u, err := url.Parse(raw)
	if err != nil {
		p.Path = raw
		return p
	}
	p.Host, p.Path = u.Hostname(), u.Path
	if p.Path == "" {
		p.Path = "/"
	}
	if q := u.Query(); len(q) > 0 {
		p.Query = make(map[string]string, len(q))
		for k, vs := range q {
			p.Query[k] = vs[0]
		}
	}
	return p
}

// QueryMap is the page's query, each key with its first value (nil when it
// has none).
func (p *Page) QueryMap() map[string]string {
	if p.Query != nil || p.URL == "" {
		return p.Query
	}
	return ParseURL(p.URL).Query
}

// Status is the visitor's presence at t: offline before any event, after
// page_leave, and once PresenceTimeout has passed in silence.
func (v *Visitor) Status(t time.Time) string {
	if v.LastHeard.IsZero() || t.Sub(v.LastHeard) >= PresenceTimeout || v.Presence == "" {
		return Offline
	}
	return v.Presence
}

// TimeOnPage is the seconds since the current page was viewed, 0 without one.
func (v *Visitor) TimeOnPage(t time.Time) float64 {
	if v.Page.ViewedAt.IsZero() || v.Page.URL == "" {
		return 0
	}
	return t.Sub(v.Page.ViewedAt).Seconds()
}
