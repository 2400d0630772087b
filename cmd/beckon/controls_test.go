package main

import (
	"strings"
	"testing"
)

// check and simulate name the rules that do not send: disabled ones and
// those in shadow mode; simulate shows a shadow rule's would-send, which
// is not a send.
func TestControlsShown(t *testing.T) {
	out, code := beckon(t, "check", "testdata/controls.yaml")
	want := "testdata/controls.yaml:4: rule \"paused\" is disabled (enabled: false): checked, never evaluated\n" +
		"testdata/controls.yaml:10: rule \"trial\" is in shadow mode: evaluated and counted as would_send, never sent\n" +
		"SUCCESS: 3 rules\n"
	if code != 0 || out != want {
		t.Errorf("check: exit %d, output\n%s\nwant\n%s", code, out, want)
	}
	out, code = beckon(t, "simulate", "--rules", "testdata/controls.yaml", "testdata/journey.yaml", "--explain")
	for _, want := range []string{
		"testdata/controls.yaml:4: rule \"paused\" is disabled",
		"- paused: disabled (enabled: false)",
		"     30s  >> WOULD SEND (shadow) trial (score ",
		"): \"Hi Dana, would a quote help?\"\n              [Quote for Dana] [No thanks]\n",
		"- trial: fired: already counted as would_send while the condition holds",
		"     45s  >> SEND live",
		"1 message(s) sent",
	} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("simulate (exit %d) lacks %q:\n%s", code, want, out)
		}
	}
	out, _ = beckon(t, "simulate", "--rules", "testdata/controls.yaml", "testdata/journey.yaml", "--format", "json")
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, `"rule":"live"`) {
		t.Errorf("simulate --format json lists only sends:\n%s", out)
	}
}

// preview renders a rule's message and buttons: for a new visitor, or for
// a journey's visitor when the rule sent (or at --at).
func TestPreview(t *testing.T) {
	out, code := beckon(t, "preview", "testdata/controls.yaml", "trial")
	want := "rule trial (testdata/controls.yaml:10) for a new visitor\n" +
		"  mode: shadow: counted as would_send, never sent\n\n" +
		"  Hi there, would a quote help?\n\n" +
		"  [ Quote for me ]  [ No thanks ]\n\n" +
		"button \"Quote for me\": value quote, action (none)\n" +
		"button \"No thanks\": value no, action dismiss\n" +
		"trigger: page_visit; engagement score 5\n"
	if code != 0 || out != want {
		t.Errorf("preview for a new visitor: exit %d, output\n%s\nwant\n%s", code, out, want)
	}
	out, code = beckon(t, "preview", "testdata/rules.yaml", "ac-repair-linger", "--journey", "testdata/journey.yaml")
	for _, want := range []string{
		"rule ac-repair-linger (testdata/rules.yaml:3) at 45s of journey \"lingers on the AC repair page\" (visitor visitor_abc123)\n",
		"  Hi Dana! Same-day AC repair is available.\n\n  [ Get a Quote ]  [ Call Now ]\n",
		"personalization.current_interest: \"AC Repair\"\n",
	} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("preview with a journey (exit %d) lacks %q:\n%s", code, want, out)
		}
	}
	out, code = beckon(t, "preview", "testdata/controls.yaml", "trial", "--journey", "testdata/journey.yaml", "--at", "10s")
	if code != 0 || !strings.Contains(out, "at 10s of journey") || !strings.Contains(out, "Hi Dana, would a quote help?") {
		t.Errorf("preview --at: exit %d, output\n%s", code, out)
	}
	out, code = beckon(t, "preview", "testdata/controls.yaml", "trail")
	if code != 1 || out != "beckon preview: no rule \"trail\" (did you mean trial?)\n" {
		t.Errorf("unknown rule: exit %d, output %q", code, out)
	}
	for _, args := range [][]string{{"preview"}, {"preview", "testdata/controls.yaml"}, {"preview", "testdata/controls.yaml", "trial", "--at", "5s"}} {
		if _, code := beckon(t, args...); code != 2 {
			t.Errorf("beckon %v: exit %d, want 2", args, code)
		}
	}
}
