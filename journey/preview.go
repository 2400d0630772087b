package journey

import (
	"time"

	"github.com/beckonhq/beckon/engine"
	"github.com/beckonhq/beckon/rules"
)

// Preview renders a rule's message as the journey's visitor would see it
// at offset at: the journey is replayed up to at (its events, heartbeats
// and wakeups until then), and the rule's templates are filled against
// the visitor's state at that time. With no journey the visitor is new:
// seen by nothing, with no page and no attributes, at start.
func Preview(set *rules.Set, j *Journey, rule string, at time.Duration, start time.Time) (*engine.Preview, error) {
	if j == nil {
		j = &Journey{Name: "preview", Start: start, Visitor: Visitor{ID: "visitor_preview"}}
	}
	until := Duration(at)
	replayed := *j
	replayed.Until = &until
	var p *engine.Preview
	err := replay(set, &replayed, Options{}, func(eng *engine.Engine, _ *collector) error {
		var err error
		p, err = eng.Preview(j.Visitor.ID, rule)
		return err
	})
	return p, err
}
