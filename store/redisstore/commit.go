package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/valkey-io/valkey-go"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/store"
)

// header is a partition's share of a batch as commit.lua reads it. Every
// number is a string: Lua's own numbers would round times and versions.
type header struct {
	FS  bool              `json:"fs,omitempty"`
	AD  bool              `json:"ad,omitempty"`
	OL  string            `json:"ol"`
	QL  string            `json:"ql"`
	DL  string            `json:"dl"`
	TTL map[string]string `json:"ttl"`
	V   []vHeader         `json:"v"`
	M   []mHeader         `json:"m"`
	D   []dHeader         `json:"d"`
	I   []iHeader         `json:"i"`
	R   []rHeader         `json:"r"`
	C   []cHeader         `json:"c"`
	U   *uHeader          `json:"u,omitempty"`
}

type vHeader struct {
	ID    string `json:"id"`
	Ver   string `json:"ver"`
	Seen  string `json:"seen"`
	Day   string `json:"day"`
	Sid   string `json:"sid"`
	Start string `json:"start"`
	SDay  string `json:"sday"`
	Wk    string `json:"wk"`
	Wake  string `json:"wake"`
	Data  string `json:"data"`
}

type mHeader struct {
	ID   string `json:"id"`
	Vid  string `json:"vid"`
	Sid  string `json:"sid"`
	St   string `json:"st"`
	Sent string `json:"sent"`
	Day  string `json:"day"`
	R    string `json:"r"`
}

type dHeader struct {
	ID    string `json:"id"`
	URL   string `json:"url"`
	Order string `json:"order"`
	Due   string `json:"due"`
	J     string `json:"j"`
}

type iHeader struct {
	Key     string `json:"key"`
	Mid     string `json:"mid"`
	Created string `json:"created"`
	Window  string `json:"window"`
	Day     string `json:"day"`
	J       string `json:"j"`
	Claim   bool   `json:"claim"`
}

type rHeader struct {
	Sid string `json:"sid"`
	T   string `json:"t"`
	Day string `json:"day"`
	J   string `json:"j"`
}

type cHeader struct {
	H string `json:"h"`
	F string `json:"f"`
	N string `json:"n"`
}

type uHeader struct {
	ID  string `json:"id"`
	Old string `json:"old"`
	New string `json:"new"`
	St  string `json:"st"`
	Vid string `json:"vid"`
	Deq bool   `json:"deq"`
}

// part is one partition's share of a batch, with where its messages and
// deliveries came from in the batch.
type part struct {
	h                header
	blobs            []string
	msgs, dlvs, rpls []int
}

func (p *part) blob(b []byte) string {
	p.blobs = append(p.blobs, string(b))
	return strconv.Itoa(len(p.blobs))
}

// Commit makes b durable; each partition's share is applied whole or not
// at all (see the package doc).
func (s *Store) Commit(ctx context.Context, b *store.Batch) error {
	if b.Empty() {
		return nil
	}
	b.Dropped, b.Stale = 0, nil
	parts, order, err := s.split(b, -1)
	if err == nil {
		err = s.checkNewMessages(ctx, b)
	}
	if err != nil {
		return fmt.Errorf("store: commit to %s: %w", b.Workspace, err)
	}
	for _, p := range order {
		if err := s.commitPart(ctx, b, p, parts[p]); err != nil {
			return fmt.Errorf("store: commit to %s: %w", b.Workspace, err)
		}
	}
	return nil
}

// checkNewMessages refuses a message id that another partition holds;
// commit.lua checks the message's own partition.
func (s *Store) checkNewMessages(ctx context.Context, b *store.Batch) error {
	if s.cfg.Partitions == 1 || len(b.Messages) == 0 {
		return nil
	}
	var cmds valkey.Commands
	for _, r := range b.Messages {
		for p := range s.cfg.Partitions {
			cmds = append(cmds, s.client.B().Exists().Key(s.base(b.Workspace, p)+":m:"+r.ID).Build())
		}
	}
	for i, res := range s.client.DoMulti(ctx, cmds...) {
		n, err := res.AsInt64()
		if err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("message %s: %w", b.Messages[i/s.cfg.Partitions].ID, store.ErrDuplicate)
		}
	}
	return nil
}

// split divides b by partition, in the order first met after home (-1:
// none); its counts go to the first.
func (s *Store) split(b *store.Batch, home int) (map[int]*part, []int, error) {
	parts := map[int]*part{}
	var order []int
	if home >= 0 {
		parts[home], order = s.newPart(b), []int{home}
	}
	get := func(visitorID string) *part {
		n := s.part(visitorID)
		if parts[n] == nil {
			parts[n] = s.newPart(b)
			order = append(order, n)
		}
		return parts[n]
	}
	for i := range b.Visitors {
		s.addVisitor(get(b.Visitors[i].ID), &b.Visitors[i])
	}
	for i := range b.Messages {
		r := &b.Messages[i]
		if r.ID == "" || r.VisitorID == "" {
			return nil, nil, fmt.Errorf("a message needs an id and a visitor id")
		}
		if err := addMessage(get(r.VisitorID), r, i); err != nil {
			return nil, nil, err
		}
	}
	for i := range b.Deliveries {
		if err := addDelivery(get(b.Deliveries[i].VisitorID), &b.Deliveries[i], i); err != nil {
			return nil, nil, err
		}
	}
	for i := range b.Idempotency {
		if err := addIdempotency(get(b.Idempotency[i].VisitorID), &b.Idempotency[i]); err != nil {
			return nil, nil, err
		}
	}
	for i := range b.Replies {
		if err := addReply(get(b.Replies[i].VisitorID), &b.Replies[i], i); err != nil {
			return nil, nil, err
		}
	}
	if len(b.Counts) > 0 {
		home := get("")
		if len(order) > 0 {
			home = parts[order[0]]
		}
		for _, c := range b.Counts {
			home.h.C = append(home.h.C, cHeader{H: strconv.FormatInt(c.Hour.Truncate(time.Hour).Unix(), 10),
				F: c.Rule + "\x00" + c.Name, N: strconv.FormatInt(c.N, 10)})
		}
	}
	return parts, order, nil
}

func (s *Store) newPart(b *store.Batch) *part {
	return &part{h: header{
		FS: b.FailStale, AD: b.AllDeliveries, OL: strconv.Itoa(b.OutboxLimit), QL: strconv.Itoa(b.QueueLimit),
		DL:  strconv.Itoa(int(message.StatusDelivered)),
		TTL: map[string]string{"v": s.ttl[0], "m": s.ttl[1], "i": s.ttl[2]},
		V:   []vHeader{}, M: []mHeader{}, D: []dHeader{}, I: []iHeader{}, R: []rHeader{}, C: []cHeader{},
	}}
}

func (s *Store) addVisitor(p *part, v *store.Visitor) {
	wk := make([]string, len(v.Wakeups))
	wake := "0"
	if len(v.Wakeups) > 0 {
		for i, w := range v.Wakeups {
			wk[i] = nsec(w)
		}
		wake = usec(slices.MinFunc(v.Wakeups, time.Time.Compare))
	}
	p.h.V = append(p.h.V, vHeader{ID: v.ID, Ver: strconv.FormatUint(v.Version, 10), Seen: nsec(v.LastSeen), Day: day(v.LastSeen),
		Sid: v.SessionID, Start: nsec(v.SessionStart), SDay: day(v.SessionStart), Wk: strings.Join(wk, ","), Wake: wake,
		Data: p.blob(v.Data)})
}

func addMessage(p *part, r *message.Record, i int) error {
	c := *r
	c.Seq = 0
	raw, err := json.Marshal(&c)
	if err != nil {
		return fmt.Errorf("encode message %s: %w", r.ID, err)
	}
	p.h.M = append(p.h.M, mHeader{ID: r.ID, Vid: r.VisitorID, Sid: r.SessionID, St: strconv.Itoa(int(r.Status)),
		Sent: nsec(r.SentAt), Day: day(r.SentAt), R: p.blob(raw)})
	p.msgs = append(p.msgs, i)
	return nil
}

func addDelivery(p *part, d *store.Delivery, i int) error {
	if d.URL == "" || d.URL[0] == 0 {
		return fmt.Errorf("delivery %s has no endpoint", d.ID)
	}
	raw, err := encodeDelivery(d)
	if err != nil {
		return err
	}
	p.h.D = append(p.h.D, dHeader{ID: d.ID, URL: d.URL, Order: d.Order, Due: usec(d.Due), J: p.blob(raw)})
	p.dlvs = append(p.dlvs, i)
	return nil
}

// encodeDelivery is d as stored: its id is the hash field's name.
func encodeDelivery(d *store.Delivery) ([]byte, error) {
	c := *d
	c.ID = ""
	raw, err := json.Marshal(&c)
	if err != nil {
		return nil, fmt.Errorf("encode delivery %s: %w", d.ID, err)
	}
	return raw, nil
}

func addIdempotency(p *part, r *store.Idempotency) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode Idempotency-Key %q: %w", r.Key, err)
	}
	p.h.I = append(p.h.I, iHeader{Key: r.Key, Mid: r.MessageID, Created: usec(r.Created), Day: day(r.Created), J: p.blob(raw),
		Window: strconv.FormatInt(store.IdempotencyWindow.Microseconds(), 10), Claim: r.Status == 0})
	return nil
}

func addReply(p *part, r *message.Reply, i int) error {
	c := *r
	c.Seq = 0
	raw, err := json.Marshal(&c)
	if err != nil {
		return fmt.Errorf("encode reply %s: %w", r.ID, err)
	}
	p.h.R = append(p.h.R, rHeader{Sid: r.SessionID, T: usec(r.Time), Day: day(r.Time), J: p.blob(raw)})
	p.rpls = append(p.rpls, i)
	return nil
}

// commitPart runs commit.lua for one partition and copies its results
// into b.
func (s *Store) commitPart(ctx context.Context, b *store.Batch, n int, p *part) error {
	res, err := s.exec(ctx, s.base(b.Workspace, n), p)
	if err != nil {
		return err
	}
	for _, id := range res.stale {
		b.Stale = append(b.Stale, id)
	}
	b.Dropped += res.dropped
	for i, seq := range res.seqs {
		b.Messages[p.msgs[i]].Seq = seq
	}
	for i, id := range res.ids {
		if id != "" {
			b.Deliveries[p.dlvs[i]].ID = id
		}
	}
	for i, seq := range res.rseqs {
		b.Replies[p.rpls[i]].Seq = seq
	}
	return nil
}

// committed is what commit.lua answers.
type committed struct {
	stale       []string
	dropped     int
	seqs, rseqs []uint64
	ids         []string
}

func (s *Store) exec(ctx context.Context, key string, p *part) (committed, error) {
	h, err := json.Marshal(&p.h)
	if err != nil {
		return committed{}, err
	}
	args := append([]string{string(h)}, p.blobs...)
	arr, err := s.write(ctx, commitScript, key, args...).ToArray()
	if err != nil {
		return committed{}, err
	}
	code, _ := arr[0].ToString()
	if code != "ok" {
		what, _ := arr[1].ToString()
		return committed{}, refusal(code, what)
	}
	return decodeCommitted(arr)
}

func refusal(code, what string) error {
	switch code {
	case "conflict":
		return fmt.Errorf("visitor %s: %w", what, store.ErrConflict)
	case "dup":
		return fmt.Errorf("%s: %w", what, store.ErrDuplicate)
	case "full":
		return fmt.Errorf("%w: endpoint %s", store.ErrOutboxFull, what)
	case "changed":
		return errChanged
	}
	return fmt.Errorf("unexpected answer %q %q", code, what)
}

func decodeCommitted(arr []valkey.ValkeyMessage) (committed, error) {
	var c committed
	var err error
	if c.stale, err = arr[1].AsStrSlice(); err != nil {
		return c, err
	}
	if c.dropped, err = atoi(arr[2]); err != nil {
		return c, err
	}
	if c.seqs, err = uints(arr[3]); err != nil {
		return c, err
	}
	if c.ids, err = arr[4].AsStrSlice(); err != nil {
		return c, err
	}
	c.rseqs, err = uints(arr[5])
	return c, err
}

func uints(m valkey.ValkeyMessage) ([]uint64, error) {
	ns, err := m.AsIntSlice()
	out := make([]uint64, len(ns))
	for i, n := range ns {
		out[i] = uint64(n)
	}
	return out, err
}

func atoi(m valkey.ValkeyMessage) (int, error) {
	s, err := m.ToString()
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(s)
}
