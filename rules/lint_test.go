package rules

import (
	"slices"
	"testing"

	"github.com/beckonhq/beckon/tracker"
)

// The trigger lint knows the event types the tracker takes, and timer.
func TestEventTypesMatchTracker(t *testing.T) {
	want := append(slices.Clone(tracker.Types), "timer")
	if !slices.Equal(EventTypes, want) {
		t.Errorf("rules.EventTypes = %v, want %v", EventTypes, want)
	}
}
