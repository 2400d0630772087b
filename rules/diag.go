package rules

import (
	"fmt"
	"sort"
	"strings"
)

// Diagnostic is one problem found in a rule file: an error (the file is
// refused) or a lint warning (it loads, but breaks a best practice).
type Diagnostic struct {
	File    string
	Line    int
	Col     int
	Context string // e.g. `rule "ac-repair-linger"`, `schedule "business_hours"`, `policy`
	Field   string // e.g. `when`, `quick_replies[1].value`
	Msg     string
	Warning bool
}

// String formats the diagnostic as `file:line:col: [warning: ]context: field: message`.
func (d Diagnostic) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d:%d: ", d.File, d.Line, d.Col)
	if d.Warning {
		b.WriteString("warning: ")
	}
	if d.Context != "" {
		b.WriteString(d.Context + ": ")
	}
	if d.Field != "" {
		b.WriteString(d.Field + ": ")
	}
	b.WriteString(d.Msg)
	return b.String()
}

// Diagnostics is a list of problems in file and position order.
type Diagnostics []Diagnostic

// Errors returns only the errors.
func (ds Diagnostics) Errors() Diagnostics { return ds.filter(false) }

// Warnings returns only the lint warnings.
func (ds Diagnostics) Warnings() Diagnostics { return ds.filter(true) }

func (ds Diagnostics) filter(warning bool) Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Warning == warning {
			out = append(out, d)
		}
	}
	return out
}

// Error joins the errors one a line, so Diagnostics can be returned as an error.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

func (ds Diagnostics) sort(fileOrder map[string]int) {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.File != b.File {
			return fileOrder[a.File] < fileOrder[b.File]
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}
