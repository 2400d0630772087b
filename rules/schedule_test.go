package rules

import (
	"testing"
	"time"
)

func TestScheduleOpen(t *testing.T) {
	utc := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.DateTime, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name           string
		cron, for_, tz string
		at             string // UTC
		open           bool
	}{
		// Business hours in Chicago: 08:00 CST is 14:00 UTC before the
		// change to daylight time on 2026-03-08, 08:00 CDT is 13:00 UTC after.
		{"just before opening", "0 8 * * MON-FRI", "10h", "America/Chicago", "2026-03-06 13:59:59", false},
		{"at the cron time", "0 8 * * MON-FRI", "10h", "America/Chicago", "2026-03-06 14:00:00", true},
		{"just before closing", "0 8 * * MON-FRI", "10h", "America/Chicago", "2026-03-06 23:59:59", true},
		{"at cron time + for", "0 8 * * MON-FRI", "10h", "America/Chicago", "2026-03-07 00:00:00", false},
		{"saturday", "0 8 * * MON-FRI", "10h", "America/Chicago", "2026-03-07 16:00:00", false},
		{"daylight time: opens an hour earlier in UTC", "0 8 * * MON-FRI", "10h", "America/Chicago", "2026-03-09 13:00:00", true},
		{"daylight time: not yet", "0 8 * * MON-FRI", "10h", "America/Chicago", "2026-03-09 12:59:59", false},
		{"daylight time: closes at 18:00 CDT", "0 8 * * MON-FRI", "10h", "America/Chicago", "2026-03-09 23:00:00", false},
		// A window open while the clocks change: for is elapsed time, so
		// 4h from 00:00 CST (06:00 UTC) ends at 10:00 UTC, 05:00 CDT.
		{"spring forward: open at 04:59 CDT", "0 0 * * *", "4h", "America/Chicago", "2026-03-08 09:59:59", true},
		{"spring forward: closed 4h after opening", "0 0 * * *", "4h", "America/Chicago", "2026-03-08 10:00:00", false},
		{"fall back: open at 02:59 CST", "0 0 * * *", "4h", "America/Chicago", "2026-11-01 08:59:59", true},
		{"fall back: closed 4h after opening", "0 0 * * *", "4h", "America/Chicago", "2026-11-01 09:00:00", false},
		// A window across midnight (UTC, the default).
		{"night: before", "0 22 * * *", "4h", "", "2026-05-01 21:59:59", false},
		{"night: opens", "0 22 * * *", "4h", "", "2026-05-01 22:00:00", true},
		{"night: at midnight", "0 22 * * *", "4h", "", "2026-05-02 00:00:00", true},
		{"night: after midnight", "0 22 * * *", "4h", "", "2026-05-02 01:59:59", true},
		{"night: closes", "0 22 * * *", "4h", "", "2026-05-02 02:00:00", false},
		// Windows longer than the time between cron times overlap.
		{"overlapping windows", "0 * * * *", "90m", "", "2026-05-02 10:20:00", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			window, _ := time.ParseDuration(tc.for_)
			s, problems := newSchedule("s", tc.cron, window, tc.tz)
			if len(problems) > 0 {
				t.Fatal(problems)
			}
			at := utc(tc.at)
			if got := s.Open(at); got != tc.open {
				t.Errorf("Open(%s UTC) = %v, want %v", tc.at, got, tc.open)
			}
			// The instant matters, not the zone it is given in.
			tokyo, _ := time.LoadLocation("Asia/Tokyo")
			if got := s.Open(at.In(tokyo)); got != tc.open {
				t.Errorf("Open(%s in Tokyo) = %v, want %v", tc.at, got, tc.open)
			}
		})
	}
}
