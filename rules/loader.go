package rules

import (
	"fmt"
	"os"
	"sync"
	"time"
)

// Loader keeps the rule set loaded from a list of files and reloads it all
// or nothing: a reload with any error leaves the previous set in place.
type Loader struct {
	paths   []string
	mu      sync.Mutex
	current *Set
	stamps  []stamp // the files as of the last load attempt
}

// stamp is what tells an edited file: its modification time, size and
// whether it could be read at all.
type stamp struct {
	mod     time.Time
	size    int64
	missing bool
}

// NewLoader loads the files once; it fails (with the diagnostics) when
// they do not load.
func NewLoader(paths ...string) (*Loader, Diagnostics, error) {
	l := &Loader{paths: paths}
	diags, err := l.Reload()
	if err != nil {
		return nil, diags, err
	}
	return l, diags, nil
}

// Current returns the set in use.
func (l *Loader) Current() *Set {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.current
}

// Reload loads the files again. On any error it returns the diagnostics as
// the error and keeps the previous set; otherwise the new set is current
// and the lints are returned.
func (l *Loader) Reload() (Diagnostics, error) {
	stamps := l.stat()
	set, diags := Load(l.paths...)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stamps = stamps
	if set == nil {
		return diags, diags.Errors()
	}
	if d, drop := dropsEveryRule(l.current, set); drop {
		return append(diags, d), Diagnostics{d}
	}
	l.current = set
	return diags, nil
}

// dropsEveryRule refuses a reload that would leave no rule running, as an
// emptied or truncated file would, unless each file that had rules now
// says `rules: []`.
func dropsEveryRule(old, next *Set) (Diagnostic, bool) {
	if old == nil || len(old.Rules) == 0 || len(next.Rules) > 0 {
		return Diagnostic{}, false
	}
	for _, r := range old.Rules {
		if !contains(next.NoRules, r.File) {
			return Diagnostic{File: r.File, Line: 1, Col: 1, Msg: fmt.Sprintf(
				"has no rules now, and this reload would stop all %d running rules; it is refused (write rules: [] to stop them on purpose)", len(old.Rules))}, true
		}
	}
	return Diagnostic{}, false
}

// Files returns the rule files' paths.
func (l *Loader) Files() []string { return l.paths }

// Changed reports whether any file's modification time, size or presence
// differs from the last (successful or failed) load, so a poller reloads
// once per edit.
func (l *Loader) Changed() bool {
	now := l.stat()
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range now {
		if now[i] != l.stamps[i] {
			return true
		}
	}
	return false
}

func (l *Loader) stat() []stamp {
	out := make([]stamp, len(l.paths))
	for i, p := range l.paths {
		fi, err := os.Stat(p)
		if err != nil {
			out[i] = stamp{missing: true}
			continue
		}
		out[i] = stamp{mod: fi.ModTime(), size: fi.Size()}
	}
	return out
}
