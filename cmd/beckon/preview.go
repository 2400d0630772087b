package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/beckonhq/beckon/engine"
	"github.com/beckonhq/beckon/journey"
	"github.com/beckonhq/beckon/rules"
)

const previewUsage = "usage: beckon preview FILE... RULE [--journey JOURNEY.yaml] [--at 45s]"

// preview prints a rule's message and buttons as the visitor would see
// them, templates rendered: for a new visitor, or for a journey's visitor
// at a moment of the journey (by default when the rule sent in it, else
// at its end).
func preview(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("preview", flag.ContinueOnError)
	fs.SetOutput(stderr)
	journeyPath := fs.String("journey", "", "render for this journey's visitor (its first journey)")
	atFlag := fs.String("at", "", "the moment of the journey, as an offset like 45s (default: when the rule sent, else the end)")
	if err := fs.Parse(interleaved(args, fs)); err != nil || fs.NArg() < 2 || (*atFlag != "" && *journeyPath == "") {
		fmt.Fprintln(stderr, previewUsage)
		return 2
	}
	files, rule := fs.Args()[:fs.NArg()-1], fs.Arg(fs.NArg()-1)
	set, diags := rules.Load(files...)
	if set == nil {
		for _, d := range diags.Errors() {
			fmt.Fprintln(stderr, d)
		}
		fmt.Fprintf(stderr, "FAILED: %d errors\n", len(diags.Errors()))
		return 1
	}
	j, at, err := previewMoment(set, *journeyPath, *atFlag, rule)
	if err == nil {
		var p *engine.Preview
		if p, err = journey.Preview(set, j, rule, at, time.Now().UTC()); err == nil {
			printPreview(stdout, p, j, at)
			return 0
		}
	}
	fmt.Fprintln(stderr, "beckon preview:", err)
	return 1
}

// previewMoment reads the journey, if any, and picks the moment.
func previewMoment(set *rules.Set, path, atFlag, rule string) (*journey.Journey, time.Duration, error) {
	if path == "" {
		return nil, 0, nil
	}
	js, err := journey.LoadFile(path)
	if err != nil {
		return nil, 0, err
	}
	j := js[0]
	if atFlag != "" {
		at, err := time.ParseDuration(atFlag)
		if err != nil || at < 0 {
			return nil, 0, fmt.Errorf("--at %q: give an offset from the journey's start, like 45s or 1m30s", atFlag)
		}
		return j, at, nil
	}
	sent, err := journey.Run(set, j, journey.Options{})
	if err != nil {
		return nil, 0, err
	}
	for _, s := range sent {
		if s.Message.Rule == rule {
			return j, s.At, nil
		}
	}
	return j, j.End(), nil
}

func printPreview(w io.Writer, p *engine.Preview, j *journey.Journey, at time.Duration) {
	r, m := p.Rule, p.Message
	where := "for a new visitor"
	if j != nil {
		where = fmt.Sprintf("at %s of journey %q (visitor %s)", at, j.Name, j.Visitor.ID)
	}
	fmt.Fprintf(w, "rule %s (%s:%d) %s\n", r.Name, r.File, r.Line, where)
	switch {
	case r.Disabled:
		fmt.Fprintln(w, "  disabled (enabled: false): this message is never sent")
	case r.Shadow:
		fmt.Fprintln(w, "  mode: shadow: counted as would_send, never sent")
	}
	fmt.Fprintln(w)
	for _, line := range wrap(m.Message, 72) {
		fmt.Fprintln(w, "  "+line)
	}
	if len(m.QuickReplies) > 0 {
		labels := make([]string, len(m.QuickReplies))
		for i, q := range m.QuickReplies {
			labels[i] = "[ " + q.Text + " ]"
		}
		fmt.Fprintf(w, "\n  %s\n", strings.Join(labels, "  "))
	}
	fmt.Fprintln(w)
	for _, q := range m.QuickReplies {
		fmt.Fprintf(w, "button %q: value %s, action %s\n", q.Text, q.Value, orNone(q.Action))
	}
	for _, pz := range r.Personalization {
		fmt.Fprintf(w, "personalization.%s: %q\n", pz.Key, m.Personalization[pz.Key])
	}
	fmt.Fprintf(w, "trigger: %s; engagement score %d\n", m.Trigger.Type, m.EngagementScore)
	for _, e := range p.Empty {
		fmt.Fprintf(w, "warning: %s\n", e)
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// wrap breaks text into lines of at most width characters at spaces,
// keeping the text's own line breaks.
func wrap(text string, width int) []string {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			if line != "" && len([]rune(line))+1+len([]rune(word)) > width {
				out = append(out, line)
				line = ""
			}
			if line != "" {
				line += " "
			}
			line += word
		}
		out = append(out, line)
	}
	return out
}
