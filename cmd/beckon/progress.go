package main

import (
	"fmt"
	"io"

	"golang.org/x/term"
)

// progressAfter is how many journeys a simulation replays before it shows
// a progress line: a few go by too fast to need one.
const progressAfter = 5

// progress is a line on a terminal that says how far a long run is. It is
// erased while output is written, so it never mixes with the timeline when
// both go to one terminal.
type progress struct {
	w     io.Writer // nil: no progress line
	total int
	shown bool
}

// newProgress shows progress on w only when w is a terminal and the run is
// long enough to need it.
func newProgress(w io.Writer, total int) *progress {
	if total <= progressAfter || !isTerminal(w) {
		return &progress{}
	}
	return &progress{w: w, total: total}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}

// show draws "simulating journeys: done/total".
func (p *progress) show(done int) {
	if p.w == nil {
		return
	}
	fmt.Fprintf(p.w, "\r\x1b[Ksimulating journeys: %d/%d", done, p.total)
	p.shown = true
}

// clear erases the line.
func (p *progress) clear() {
	if p.w == nil || !p.shown {
		return
	}
	fmt.Fprint(p.w, "\r\x1b[K")
	p.shown = false
}
