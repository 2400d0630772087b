package server

import (
	"sync"
	"time"
)

// streamSlots shares the open widget streams out: a client IP, a site and
// the server as a whole each hold at most their cap, so that one address
// or one busy site cannot take every stream from the others.
type streamSlots struct {
	total, perSite, perIP int

	mu     sync.Mutex
	open   int
	bySite map[string]int
	byIP   map[string]int
}

// streamRetry is the Retry-After of a refused stream: long enough for
// streams to end, short enough that the widget soon gets its messages.
const streamRetryAfter = 30 * time.Second

func newStreamSlots(l Limits, sites int) *streamSlots {
	return &streamSlots{total: l.MaxStreams, perSite: l.streamsPerSite(sites), perIP: l.MaxStreamsPerIP,
		bySite: map[string]int{}, byIP: map[string]int{}}
}

// take holds a slot for a stream of site from ip, or says which share is
// used up ("" when it got one). Every slot taken must be given back.
func (sl *streamSlots) take(site, ip string) (full string) {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	switch {
	case sl.byIP[ip] >= sl.perIP:
		return "this address has its share of open streams"
	case sl.bySite[site] >= sl.perSite:
		return "this site has its share of open streams"
	case sl.open >= sl.total:
		return "the server has all the open streams it takes"
	}
	sl.open++
	sl.bySite[site]++
	sl.byIP[ip]++
	return ""
}

func (sl *streamSlots) give(site, ip string) {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	sl.open--
	if sl.bySite[site]--; sl.bySite[site] <= 0 {
		delete(sl.bySite, site)
	}
	if sl.byIP[ip]--; sl.byIP[ip] <= 0 {
		delete(sl.byIP, ip)
	}
}

func (l *Limits) widgetDefaults() {
	if l.MaxStreamsPerIP <= 0 {
		l.MaxStreamsPerIP = 50
	}
	if l.ReplyPerSecond <= 0 {
		l.ReplyPerSecond = 1
	}
	if l.ReplyBurst <= 0 {
		l.ReplyBurst = 10
	}
	if l.AckPerSecond <= 0 {
		l.AckPerSecond = 10
	}
	if l.AckBurst <= 0 {
		l.AckBurst = 100
	}
}

// streamsPerSite is the per-site share of the streams for a server with
// this many sites.
func (l Limits) streamsPerSite(sites int) int {
	switch {
	case l.MaxStreamsPerSite > 0:
		return l.MaxStreamsPerSite
	case sites <= 1:
		return l.MaxStreams
	}
	return max(l.MaxStreams/2, 1)
}
