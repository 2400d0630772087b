package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func beckon(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return out.String() + errOut.String(), code
}

func TestCheck(t *testing.T) {
	out, code := beckon(t, "check", "testdata/rules.yaml")
	if code != 0 || out != "SUCCESS: 2 rules\n" {
		t.Errorf("check good file: exit %d, output %q", code, out)
	}
	out, code = beckon(t, "check", "testdata/lint.yaml")
	want := "testdata/lint.yaml:7:20: warning: rule \"too-soon\": quick_replies: a proactive message should offer 2 or 3 quick replies, this one has 1\nSUCCESS: 1 rules\n"
	if code != 0 || out != want {
		t.Errorf("check with a lint: exit %d, output\n%s\nwant\n%s", code, out, want)
	}
	out, code = beckon(t, "check", "testdata/bad.yaml")
	want = "testdata/bad.yaml:4:11: rule \"typo\": when: unknown name pgae (did you mean page?)\n" +
		"testdata/bad.yaml:6:11: rule \"typo\": name: duplicate rule name (first defined at testdata/bad.yaml:3)\n" +
		"testdata/bad.yaml:7:10: rule \"typo\": for: invalid duration \"soon\": use a number with a unit, like 45s, 2m or 1h30m\n" +
		"FAILED: 3 errors\n"
	if code != 1 || out != want {
		t.Errorf("check bad file: exit %d, output\n%s\nwant\n%s", code, out, want)
	}
}

func TestTestCommand(t *testing.T) {
	out, code := beckon(t, "test", "testdata/pass.test.yaml")
	if code != 0 || out != "2 passed, 0 failed\n" {
		t.Errorf("passing tests: exit %d, output %q", code, out)
	}
	out, code = beckon(t, "test", "testdata/pass.test.yaml", "testdata/fail.test.yaml")
	want := "FAIL testdata/fail.test.yaml: wrong time\n" +
		"  - at 30s rule ac-repair-linger\n" +
		"  + at 45s rule ac-repair-linger\n\n" +
		"2 passed, 1 failed\n"
	if code != 1 || out != want {
		t.Errorf("failing test: exit %d, output\n%s\nwant\n%s", code, out, want)
	}
	// A test file with mistakes: every one, with its position, none run.
	out, code = beckon(t, "test", "testdata/broken.test.yaml")
	want = "FAIL testdata/broken.test.yaml\n" +
		"  testdata/broken.test.yaml:4:12: test \"broken\": start: \"2026-01-20 14:29\" is not a time: write it like 2026-01-20T14:29:00Z (a date, T, a time and a zone: Z for UTC, or like -06:00)\n" +
		"  testdata/broken.test.yaml:6:29: test \"broken\": events[0].type: unknown event type \"page_veiw\" (did you mean page_view?)\n" +
		"  testdata/broken.test.yaml:7:5: test \"broken\": unknown key expects (did you mean expect?)\n" +
		"0 passed, 1 failed\n"
	if code != 1 || out != want {
		t.Errorf("broken test file: exit %d, output\n%s\nwant\n%s", code, out, want)
	}
}

func TestSimulateJSON(t *testing.T) {
	out, code := beckon(t, "simulate", "--rules", "testdata/rules.yaml", "--format", "json", "testdata/journey.yaml")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %q", out)
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"journey", "at", "time", "visitor_id", "session_id", "rule", "message", "quick_replies", "trigger", "personalization", "engagement_score"} {
		if _, ok := first[key]; !ok {
			t.Errorf("missing key %q in %s", key, lines[0])
		}
	}
	if first["at"] != "45s" || first["time"] != "2026-01-20T14:29:45Z" || first["rule"] != "ac-repair-linger" ||
		first["message"] != "Hi Dana! Same-day AC repair is available." {
		t.Errorf("first message: %s", lines[0])
	}
	trig, _ := first["trigger"].(map[string]any)
	if trig["type"] != "page_visit" || trig["page_url"] != "https://example.com/services/ac-repair" || trig["time_on_page"] != 45.0 {
		t.Errorf("trigger: %v", trig)
	}
	if !strings.Contains(lines[1], `"at":"1m20s"`) || !strings.Contains(lines[1], `"rule":"call-follow-up"`) {
		t.Errorf("second message: %s", lines[1])
	}
}

func TestSimulateTextExplain(t *testing.T) {
	out, code := beckon(t, "simulate", "testdata/journey.yaml", "--rules", "testdata/rules.yaml", "--explain")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	for _, want := range []string{
		"- ac-repair-linger: pending: 45s to go",
		"- condition false: call-follow-up",
		"     45s  >> SEND ac-repair-linger",
		"- ac-repair-linger: fired: already sent while the condition holds",
		"   1m20s  >> SEND call-follow-up",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explain output lacks %q:\n%s", want, out)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"nope"}, {"check"}, {"simulate", "x.yaml"}, {"simulate", "--rules", "r", "--format", "xml", "j"}} {
		if _, code := beckon(t, args...); code != 2 {
			t.Errorf("beckon %v: exit %d, want 2", args, code)
		}
	}
	out, code := beckon(t, "simulate", "--rules", "testdata/rules.yaml", filepath.Join("testdata", "missing.yaml"))
	if code != 1 || !strings.Contains(out, "missing.yaml") {
		t.Errorf("missing journey: exit %d, output %q", code, out)
	}
}

// Rule files that do not load: simulate refuses to run and says why; every
// test of a test file whose rules do not load fails with the diagnostics.
func TestBadRuleFilesInSimulateAndTest(t *testing.T) {
	out, code := beckon(t, "simulate", "--rules", "testdata/bad.yaml", "testdata/journey.yaml")
	if code != 1 || !strings.Contains(out, `testdata/bad.yaml:4:11: rule "typo": when: unknown name pgae (did you mean page?)`) ||
		!strings.HasSuffix(out, "FAILED: 3 errors\n") {
		t.Errorf("simulate with bad rules: exit %d, output\n%s", code, out)
	}
	out, code = beckon(t, "test", "testdata/badrules.test.yaml")
	if code != 1 || !strings.Contains(out, "FAIL testdata/badrules.test.yaml: cannot run\n  rule files do not load:\n  testdata/bad.yaml:4:11:") ||
		!strings.HasSuffix(out, "0 passed, 1 failed\n") {
		t.Errorf("test with bad rules: exit %d, output\n%s", code, out)
	}
}
