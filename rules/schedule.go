package rules

import (
	"fmt"
	"regexp"
	"strings"
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

// scheduleProblem is what is wrong with one key of a schedule.
type scheduleProblem struct{ key, msg string }

func newSchedule(name, spec string, window time.Duration, tz string) (*Schedule, []scheduleProblem) {
	s := &Schedule{Name: name, Cron: spec, For: window, Timezone: tz, loc: time.UTC}
	if p := trap(spec, tz); p != nil {
		return s, []scheduleProblem{*p}
	}
	var problems []scheduleProblem
	if tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			problems = append(problems, scheduleProblem{"timezone", fmt.Sprintf("unknown timezone %q (use an IANA name like America/Chicago)", tz)})
		} else {
			s.loc = loc
		}
	}
	sched, err := cronParser.Parse(spec)
	if err != nil {
		problems = append(problems, scheduleProblem{"cron", fmt.Sprintf("invalid cron spec %q: %s", spec, cronMessage(err))})
	}
	s.sched = sched
	return s, problems
}

// trap finds what robfig/cron and time.LoadLocation accept but a schedule
// must not be: an interval (a window opens at set times, so @every would be
// open always or never), a zone prefix in cron that silently overrides
// timezone:, and Local, the server's own zone.
func trap(spec, tz string) *scheduleProblem {
	fields := strings.Fields(spec)
	switch {
	case len(fields) > 0 && strings.HasPrefix(fields[0], "CRON_TZ="):
		return &scheduleProblem{"cron", "set the time zone with timezone:, not with CRON_TZ= in cron"}
	case len(fields) > 0 && strings.HasPrefix(fields[0], "TZ="):
		return &scheduleProblem{"cron", "set the time zone with timezone:, not with TZ= in cron"}
	case strings.HasPrefix(spec, "@every"):
		return &scheduleProblem{"cron", fmt.Sprintf("%q is not a window that opens at set times; write the times, like \"0 * * * *\" for every hour on the hour", spec)}
	case tz == "Local":
		return &scheduleProblem{"timezone", "Local is the server's own time zone, which changes with the machine; name the zone, like America/Chicago"}
	}
	return nil
}

var (
	cronFieldsRe = regexp.MustCompile(`^expected exactly 5 fields, found (\d+)`)
	cronWordRe   = regexp.MustCompile(`^failed to parse int from (\S+):`)
	cronRangeRe  = regexp.MustCompile(`^(beginning|end) of range \((\d+)\) (below minimum|above maximum|beyond end of range) \((\d+)\): (.*)$`)
)

// cronMessage says what robfig/cron found wrong in a spec in plain words.
func cronMessage(err error) string {
	msg := err.Error()
	if m := cronFieldsRe.FindStringSubmatch(msg); m != nil {
		return "it needs 5 fields (minute hour day-of-month month day-of-week), found " + m[1]
	}
	if m := cronWordRe.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%q is not a number, a month (JAN-DEC) or a weekday (SUN-SAT)", m[1])
	}
	if m := cronRangeRe.FindStringSubmatch(msg); m != nil {
		switch m[3] {
		case "below minimum":
			return fmt.Sprintf("%s is below %s, the smallest value of its field", m[2], m[4])
		case "above maximum":
			return fmt.Sprintf("%s is above %s, the largest value of its field", m[2], m[4])
		}
		return fmt.Sprintf("the range %q goes backwards (write it low-high)", m[5])
	}
	if msg == "empty spec string" {
		return "it is empty"
	}
	if d, ok := strings.CutPrefix(msg, "unrecognized descriptor: "); ok {
		return fmt.Sprintf("unknown shortcut %s (use @hourly, @daily, @weekly, @monthly or @yearly)", d)
	}
	return msg
}

// Open reports whether the window contains t. cron's Next is strictly after
// its argument, so the window containing t is the one whose start is the
// first cron time after t-For, if that start is not after t.
func (s *Schedule) Open(t time.Time) bool {
	start := s.sched.Next(t.In(s.loc).Add(-s.For))
	return !start.IsZero() && !start.After(t)
}
