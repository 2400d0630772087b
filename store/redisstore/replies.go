package redisstore

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/beckonhq/beckon/message"
)

// SessionReplies returns a session's replies in the order recorded.
func (s *Store) SessionReplies(ws, sessionID string) ([]message.Reply, error) {
	out, err := s.replies(ws, "session", sessionID)
	if err != nil {
		return nil, fmt.Errorf("store: replies of session %s: %w", sessionID, err)
	}
	return out, nil
}

// RecentReplies returns the workspace's latest replies, newest recorded
// first: each partition's newest, merged by when Redis recorded them.
func (s *Store) RecentReplies(ws string, limit int) ([]message.Reply, error) {
	if limit <= 0 {
		return nil, nil
	}
	out, err := s.replies(ws, "recent", strconv.Itoa(limit))
	if err != nil {
		return nil, fmt.Errorf("store: recent replies of %s: %w", ws, err)
	}
	return out[:min(len(out), limit)], nil
}

type storedReply struct {
	r        message.Reply
	recorded string // µs, as Redis's clock had it; sorts as a number of equal length
}

func (s *Store) replies(ws, kind, arg string) ([]message.Reply, error) {
	ctx, cancel := s.opCtx()
	defer cancel()
	var all []storedReply
	for _, res := range s.runEach(ctx, repliesScript, ws, kind, arg) {
		arr, err := res.ToArray()
		if err != nil {
			return nil, err
		}
		for _, item := range arr {
			f, err := item.AsStrSlice()
			if err != nil {
				return nil, err
			}
			var r message.Reply
			if err := json.Unmarshal([]byte(f[1]), &r); err != nil {
				return nil, fmt.Errorf("decode reply %s: %w", f[0], err)
			}
			r.Seq, _ = strconv.ParseUint(f[0], 10, 64)
			all = append(all, storedReply{r, f[2]})
		}
	}
	if kind == "recent" {
		slices.SortStableFunc(all, func(a, b storedReply) int {
			if len(a.recorded) != len(b.recorded) {
				return len(b.recorded) - len(a.recorded)
			}
			if a.recorded != b.recorded {
				return -compare(a.recorded, b.recorded)
			}
			return int(b.r.Seq) - int(a.r.Seq)
		})
	}
	out := make([]message.Reply, len(all))
	for i, sr := range all {
		out[i] = sr.r
	}
	return out, nil
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
