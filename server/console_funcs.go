package server

import (
	"fmt"
	"html/template"
	"math"
	"time"
)

// consoleFuncs format values for the console's pages.
var consoleFuncs = template.FuncMap{
	"ago":      ago,
	"seconds":  seconds,
	"datetime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"clock":    func(t time.Time) string { return t.UTC().Format("Jan 2, 15:04:05 UTC") },
	"signed":   func(f float64) string { return fmt.Sprintf("%+.2f", f) },
	"shown":    func(f float64) bool { return math.Abs(f) >= 0.005 }, // not +0.00
}

// ago says how long before now t was, roughly.
func ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 5*time.Second:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%d s ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return t.UTC().Format("Jan 2, 2006")
}

// seconds writes a number of seconds as 45 s, 3 min 05 s or 2 h 10 min.
func seconds(s float64) string {
	d := time.Duration(s) * time.Second
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min %02d s", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%d h %02d min", int(d.Hours()), int(d.Minutes())%60)
}
