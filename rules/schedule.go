package rules

import (
	"fmt"
	"time"
	_ "time/tzdata" // schedules name IANA zones; do not depend on the host's zoneinfo

	"github.com/robfig/cron/v3"
)

// Schedule is a window that opens at each cron time (wall clock in its
// timezone) and stays open For, not including the end.
type Schedule struct {
	Name     string
	Cron     string
	For      time.Duration
	Timezone string

	sched cron.Schedule
	loc   *time.Location
}

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

func newSchedule(name, spec string, window time.Duration, tz string) (*Schedule, []string) {
	s := &Schedule{Name: name, Cron: spec, For: window, Timezone: tz, loc: time.UTC}
	var problems []string
	if tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			problems = append(problems, fmt.Sprintf("timezone: unknown timezone %q (use an IANA name like America/Chicago)", tz))
		} else {
			s.loc = loc
		}
	}
	sched, err := cronParser.Parse(spec)
	if err != nil {
		problems = append(problems, fmt.Sprintf("cron: invalid cron spec %q: %v", spec, err))
	}
	s.sched = sched
	return s, problems
}

// Open reports whether the window contains t. cron's Next is strictly after
// its argument, so the window containing t is the one whose start is the
// first cron time after t-For, if that start is not after t.
func (s *Schedule) Open(t time.Time) bool {
	start := s.sched.Next(t.In(s.loc).Add(-s.For))
	return !start.IsZero() && !start.After(t)
}
