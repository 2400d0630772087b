package main

import (
	"fmt"
	"time"
)

// verdict is what a check found.
type verdict struct {
	sends, sendsLost, replayed int
	sessions, duplicates       int
	capped, stale              int
	due, missing               int
	nowSent, nowLost           int
	lost                       int
	window                     time.Duration // the oldest acknowledged page view lost, before the kill
	messages, hooksMissing     int
	problems                   []string
}

func (v verdict) String() string {
	return fmt.Sprintf("API sends %d (lost %d, replayed %d); immediate messages %d (lost %d); sessions %d (duplicate messages %d); "+
		"second unsolicited send %d (answered 200: %d); due timers %d (missing %d); page views lost %d (oldest %dms before the kill); webhooks %d (missing %d)",
		v.sends, v.sendsLost, v.replayed, v.nowSent, v.nowLost, v.sessions, v.duplicates, v.capped, v.stale,
		v.due, v.missing, v.lost, v.window.Milliseconds(), v.messages, v.hooksMissing)
}

func (v *verdict) add(o verdict) {
	v.sends += o.sends
	v.sendsLost += o.sendsLost
	v.replayed += o.replayed
	v.sessions += o.sessions
	v.duplicates += o.duplicates
	v.capped += o.capped
	v.stale += o.stale
	v.due += o.due
	v.missing += o.missing
	v.nowSent += o.nowSent
	v.nowLost += o.nowLost
	v.lost += o.lost
	v.window = max(v.window, o.window)
	v.messages += o.messages
	v.hooksMissing += o.hooksMissing
}

func (v *verdict) problem(format string, args ...any) {
	v.problems = append(v.problems, fmt.Sprintf(format, args...))
}

// check verifies, through the API of a restarted server, what was
// promised to the visitors of a round.
func check(s *server, h *hooks, vs []*visitor) verdict {
	var v verdict
	var messages []string
	for _, vis := range vs {
		if vis.acked.IsZero() {
			continue // nothing was promised
		}
		messages = append(messages, checkVisitor(s, vis, &v)...)
	}
	v.messages = len(messages)
	deadline := time.Now().Add(20 * time.Second)
	for _, id := range messages {
		for !h.has(id) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if !h.has(id) {
			v.hooksMissing++
			v.problem("message %s: no live_chat.message_sent webhook arrived", id)
		}
	}
	return v
}

// checkVisitor checks one visitor and returns its session's message ids.
func checkVisitor(s *server, vis *visitor, v *verdict) []string {
	code, data := s.get("/v1/visitors/" + vis.id)
	session, _ := data["session"].(map[string]any)
	views, _ := session["page_views"].(float64)
	if code == 404 || views == 0 {
		if vis.kind == "now" {
			v.nowLost++
			v.problem("%s: its /now page view was acknowledged, and is lost with its message", vis.id)
			return nil
		}
		v.lost++
		v.window = max(v.window, vis.killed.Sub(vis.acked))
		return nil
	}
	if code != 200 {
		v.problem("%s: GET /v1/visitors answered %d", vis.id, code)
		return nil
	}
	sid, _ := session["id"].(string)
	_, list := s.get("/v1/sessions/" + sid + "/messages")
	msgs, _ := list["messages"].([]any)
	var ids []string
	rules := map[string]int{}
	for _, m := range msgs {
		m, _ := m.(map[string]any)
		id, _ := m["message_id"].(string)
		rule, _ := m["rule"].(string)
		ids = append(ids, id)
		rules[rule]++
	}
	v.sessions++
	if len(msgs) > 1 {
		v.duplicates++
		v.problem("%s: %d messages in session %s (%v), want at most 1", vis.id, len(msgs), sid, rules)
	}
	switch vis.kind {
	case "now":
		v.nowSent++
		if rules["immediate"] == 0 {
			v.nowLost++
			v.problem("%s: acknowledged /now page view without its message", vis.id)
		}
	case "wait":
		v.due++
		if rules["linger"] == 0 {
			v.missing++
			v.problem("%s: its /wait page view is stored, but the 2s timer never sent", vis.id)
		}
	case "api":
		checkSend(s, vis, ids, v)
	}
	if len(msgs) > 0 {
		v.capped++
		if code, _ := s.send(vis.id, ""); code != 409 {
			v.stale++
			v.problem("%s: a second unsolicited send answered %d, want 409", vis.id, code)
		}
	}
	return ids
}

// checkSend checks an acknowledged API send: it is stored, and its retry
// answers the same message without sending again.
func checkSend(s *server, vis *visitor, ids []string, v *verdict) {
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
	code, data := s.send(vis.id, vis.key)
	if id, _ := data["message_id"].(string); code == 200 && id == vis.messageID {
		v.replayed++
	} else {
		v.problem("%s: the retry with Idempotency-Key answered %d %v, want 200 with %s", vis.id, code, data, vis.messageID)
	}
}
