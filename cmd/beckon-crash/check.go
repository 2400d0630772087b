package main

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// verdict is what a check found.
type verdict struct {
	sends, sendsLost, replayed int
	sessions, duplicates       int
	capped, stale              int
	due, missing               int
	nowSent, nowLost           int
	replies, repliesLost       int
	streams, streamsMissed     int
	lost                       int
	window                     time.Duration // the oldest acknowledged page view lost, before the kill
	messages, hooksMissing     int
	problems                   []string
}

func (v verdict) String() string {
	return fmt.Sprintf("API sends %d (lost %d, replayed %d); immediate messages %d (lost %d); sessions %d (duplicate messages %d); "+
		"second unsolicited send %d (answered 200: %d); due timers %d (missing %d); replies %d (not in the session %d); "+
		"streams on another server %d (missed %d); page views lost %d (oldest %dms before the kill); webhooks %d (missing %d)",
		v.sends, v.sendsLost, v.replayed, v.nowSent, v.nowLost, v.sessions, v.duplicates, v.capped, v.stale,
		v.due, v.missing, v.replies, v.repliesLost, v.streams, v.streamsMissed, v.lost, v.window.Milliseconds(), v.messages, v.hooksMissing)
}

func (v *verdict) add(o verdict) {
	for _, p := range [][2]*int{{&v.sends, &o.sends}, {&v.sendsLost, &o.sendsLost}, {&v.replayed, &o.replayed},
		{&v.sessions, &o.sessions}, {&v.duplicates, &o.duplicates}, {&v.capped, &o.capped}, {&v.stale, &o.stale},
		{&v.due, &o.due}, {&v.missing, &o.missing}, {&v.nowSent, &o.nowSent}, {&v.nowLost, &o.nowLost},
		{&v.replies, &o.replies}, {&v.repliesLost, &o.repliesLost}, {&v.streams, &o.streams},
		{&v.streamsMissed, &o.streamsMissed}, {&v.lost, &o.lost}, {&v.messages, &o.messages}, {&v.hooksMissing, &o.hooksMissing}} {
		*p[0] += *p[1]
	}
	v.window = max(v.window, o.window)
}

func (v *verdict) problem(format string, args ...any) {
	v.problems = append(v.problems, fmt.Sprintf(format, args...))
}

// checker reads through the API of a server picked at random for each
// call; shared says every accepted event must have been kept.
type checker struct {
	f      *fleet
	rng    *rand.Rand
	shared bool
}

func (c checker) get(path string) (int, map[string]any) { return c.f.pick(c.rng).get(path) }

func (c checker) send(visitor, key string) (int, map[string]any) {
	return c.f.pick(c.rng).send(visitor, key)
}

// check verifies, through the API of the servers, what was promised to
// the visitors of a round.
func check(f *fleet, rng *rand.Rand, h *hooks, vs []*visitor, shared bool) verdict {
	const workers = 8
	parts := make([]verdict, workers)
	found := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range workers {
		c := checker{f, rand.New(rand.NewPCG(rng.Uint64(), uint64(w))), shared}
		wg.Go(func() {
			for i := w; i < len(vs); i += workers {
				if !vs[i].acked.IsZero() { // else nothing was promised
					found[w] = append(found[w], c.visitor(vs[i], &parts[w])...)
				}
			}
		})
	}
	wg.Wait()
	var v verdict
	var messages, replied []string
	for w := range workers {
		v.add(parts[w])
		v.problems = append(v.problems, parts[w].problems...)
		messages = append(messages, found[w]...)
	}
	for _, vis := range vs {
		if vis.replied {
			replied = append(replied, vis.id)
		}
	}
	v.messages = len(messages)
	deadline := time.Now().Add(30 * time.Second)
	waitAll(deadline, messages, h.has, func(id string) {
		v.hooksMissing++
		v.problem("message %s: no live_chat.message_sent webhook arrived", id)
	})
	waitAll(deadline, replied, h.hasReply, func(id string) {
		v.hooksMissing++
		v.problem("%s: no live_chat.visitor_responded webhook arrived for its reply", id)
	})
	return v
}

func waitAll(deadline time.Time, ids []string, has func(string) bool, missing func(string)) {
	for _, id := range ids {
		for !has(id) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if !has(id) {
			missing(id)
		}
	}
}

// visitor checks one visitor and returns its session's message ids.
func (c checker) visitor(vis *visitor, v *verdict) []string {
	code, data := c.get("/v1/visitors/" + vis.id)
	session, _ := data["session"].(map[string]any)
	views, _ := session["page_views"].(float64)
	if code == 404 || views == 0 {
		switch {
		case vis.kind == "now" || vis.kind == "stream":
			v.nowLost++
			v.problem("%s: its /now page view was acknowledged, and is lost with its message", vis.id)
		case c.shared:
			v.lost++
			v.problem("%s: its acknowledged page view is lost (every event is committed before its answer here)", vis.id)
		default:
			v.lost++
			v.window = max(v.window, vis.killed.Sub(vis.acked))
		}
		return nil
	}
	if code != 200 {
		v.problem("%s: GET /v1/visitors answered %d", vis.id, code)
		return nil
	}
	sid, _ := session["id"].(string)
	_, list := c.get("/v1/sessions/" + sid + "/messages")
	msgs, _ := list["messages"].([]any)
	var ids []string
	rules := map[string]int{}
	for _, m := range msgs {
		m, _ := m.(map[string]any)
		if dir, _ := m["direction"].(string); dir == "visitor" {
			continue // a reply listed among the messages
		}
		id, _ := m["message_id"].(string)
		rule, _ := m["rule"].(string)
		ids = append(ids, id)
		rules[rule]++
	}
	v.sessions++
	if len(ids) > 1 {
		v.duplicates++
		v.problem("%s: %d messages in session %s (%v), want at most 1", vis.id, len(ids), sid, rules)
	}
	c.kind(vis, session, ids, rules, v)
	if len(ids) > 0 && !vis.replied {
		v.capped++
		if code, _ := c.send(vis.id, ""); code != 409 {
			v.stale++
			v.problem("%s: a second unsolicited send answered %d, want 409", vis.id, code)
		}
	}
	return ids
}

// kind checks what the visitor's kind of traffic promised.
func (c checker) kind(vis *visitor, session map[string]any, ids []string, rules map[string]int, v *verdict) {
	switch vis.kind {
	case "now", "stream":
		v.nowSent++
		if rules["immediate"] == 0 {
			v.nowLost++
			v.problem("%s: acknowledged /now page view without its message", vis.id)
		}
		if vis.kind == "stream" {
			c.stream(vis, ids, v)
		}
	case "wait":
		v.due++
		if rules["linger"] == 0 {
			v.missing++
			v.problem("%s: its /wait page view is stored, but the 2s timer never sent", vis.id)
		}
	case "api":
		c.sendKept(vis, ids, v)
	case "reply":
		if !vis.replied {
			return
		}
		v.replies++
		if n, _ := session["replies"].(float64); n < 1 || session["engaged"] != true {
			v.repliesLost++
			v.problem("%s: its acknowledged reply is not in its session (replies %v, engaged %v)", vis.id, session["replies"], session["engaged"])
		}
	}
}

// stream checks that the visitor's stream, open on one server, got the
// message a page view through another caused.
func (c checker) stream(vis *visitor, ids []string, v *verdict) {
	v.streams++
	switch {
	case vis.streamProblem != "":
		v.streamsMissed++
		v.problem("%s: %s", vis.id, vis.streamProblem)
	case vis.streamed != "" && (len(ids) == 0 || ids[0] != vis.streamed):
		v.streamsMissed++
		v.problem("%s: its stream got %s, its session holds %v", vis.id, vis.streamed, ids)
	}
}

// sendKept checks an acknowledged API send: it is stored, and its retry
// answers the same message without sending again.
func (c checker) sendKept(vis *visitor, ids []string, v *verdict) {
	if vis.messageID == "" {
		return
	}
	v.sends++
	found := false
	for _, id := range ids {
		found = found || id == vis.messageID
	}
	if !found {
		v.sendsLost++
		v.problem("%s: acknowledged API send %s is lost", vis.id, vis.messageID)
	}
	code, data := c.send(vis.id, vis.key)
	if id, _ := data["message_id"].(string); code == 200 && id == vis.messageID {
		v.replayed++
	} else {
		v.problem("%s: the retry with Idempotency-Key answered %d %v, want 200 with %s", vis.id, code, data, vis.messageID)
	}
}
