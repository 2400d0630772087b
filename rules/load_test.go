package rules

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// loadCase is one load of fixtures (loaded together) and every
// diagnostic it must report, in order, as printed.
type loadCase struct {
	name  string
	files []string // under testdata
	want  []string
}

// badCases has one fixture per kind of error of the rule file contract.
var badCases = []loadCase{
	{"unknown top-level key", []string{"unknown-top-key.bad.yaml"}, []string{
		`testdata/unknown-top-key.bad.yaml:2:1: unknown key rule (did you mean rules?)`,
		`testdata/unknown-top-key.bad.yaml:6:1: unknown key triggers (use version, policy, schedules, lists, rules or scoring)`,
	}},
	{"unknown rule key", []string{"unknown-rule-key.bad.yaml"}, []string{
		// No "message is required" as well: the did-you-mean says it all.
		`testdata/unknown-rule-key.bad.yaml:6:5: rule "ac-repair-linger": unknown key mesage (did you mean message?)`,
	}},
	{"unknown quick-reply key", []string{"unknown-quick-reply-key.bad.yaml"}, []string{
		`testdata/unknown-quick-reply-key.bad.yaml:8:51: rule "ac-repair-linger": unknown key quick_replies[0].acton (did you mean action?)`,
		`testdata/unknown-quick-reply-key.bad.yaml:11:9: rule "ac-repair-linger": unknown key quick_replies[1].url (use text, value or action)`,
	}},
	{"duplicate rule name in one file", []string{"duplicate-name.bad.yaml"}, []string{
		`testdata/duplicate-name.bad.yaml:10:11: rule "ac-repair-linger": name: duplicate rule name (first defined at testdata/duplicate-name.bad.yaml:3)`,
	}},
	{"duplicate rule name across files", []string{"duplicate-name-across-a.bad.yaml", "duplicate-name-across-b.bad.yaml"}, []string{
		`testdata/duplicate-name-across-b.bad.yaml:10:11: rule "ac-repair-linger": name: duplicate rule name (first defined at testdata/duplicate-name-across-a.bad.yaml:3)`,
	}},
	{"bad durations", []string{"bad-duration.bad.yaml"}, []string{
		`testdata/bad-duration.bad.yaml:3:13: policy: min_wait: duration "-10s" must not be negative`,
		`testdata/bad-duration.bad.yaml:7:10: rule "ac-repair-linger": for: duration 45 has no unit: write 45s, 45m or 45h`,
		`testdata/bad-duration.bad.yaml:8:15: rule "ac-repair-linger": min_wait: invalid duration "soon": use a number with a unit, like 45s, 2m or 1h30m`,
		// No lint that `always` lacks a cooldown: it has one, written wrong.
		`testdata/bad-duration.bad.yaml:10:15: rule "ac-repair-linger": cooldown: duration "-1m" must not be negative`,
	}},
	{"bad cron specs", []string{"bad-cron.bad.yaml"}, []string{
		`testdata/bad-cron.bad.yaml:4:11: schedule "business_hours": cron: invalid cron spec "0 8 * * MON-FRY": "FRY" is not a number, a month (JAN-DEC) or a weekday (SUN-SAT)`,
		`testdata/bad-cron.bad.yaml:7:11: schedule "lunch": cron: invalid cron spec "every day at noon": it needs 5 fields (minute hour day-of-month month day-of-week), found 4`,
		`testdata/bad-cron.bad.yaml:10:11: schedule "night": cron: invalid cron spec "0 25 * * *": 25 is above 23, the largest value of its field`,
	}},
	{"unknown timezone", []string{"unknown-timezone.bad.yaml"}, []string{
		`testdata/unknown-timezone.bad.yaml:6:15: schedule "business_hours": timezone: unknown timezone "America/Chicgo" (use an IANA name like America/Chicago)`,
	}},
	{"schedule traps: @every, CRON_TZ=, Local and an empty timezone", []string{"schedule-traps.bad.yaml"}, []string{
		`testdata/schedule-traps.bad.yaml:4:11: schedule "hourly": cron: "@every 1h" is not a window that opens at set times; write the times, like "0 * * * *" for every hour on the hour`,
		`testdata/schedule-traps.bad.yaml:7:11: schedule "chicago_by_prefix": cron: set the time zone with timezone:, not with CRON_TZ= in cron`,
		`testdata/schedule-traps.bad.yaml:11:11: schedule "by_tz_prefix": cron: set the time zone with timezone:, not with TZ= in cron`,
		`testdata/schedule-traps.bad.yaml:16:15: schedule "server_clock": timezone: Local is the server's own time zone, which changes with the machine; name the zone, like America/Chicago`,
		`testdata/schedule-traps.bad.yaml:20:15: schedule "blank_zone": timezone: is empty; leave it out for UTC, or name the zone, like America/Chicago`,
	}},
	{"unknown schedule in during", []string{"unknown-during.bad.yaml"}, []string{
		`testdata/unknown-during.bad.yaml:10:13: rule "ac-repair-linger": during: unknown schedule busines_hours (did you mean business_hours?)`,
	}},
	{"unknown schedule in open()", []string{"unknown-open-schedule.bad.yaml"}, []string{
		`testdata/unknown-open-schedule.bad.yaml:8:62: rule "ac-repair-linger": when: unknown schedule busines_hours (did you mean business_hours?)`,
	}},
	{"unknown list", []string{"unknown-list.bad.yaml"}, []string{
		`testdata/unknown-list.bad.yaml:6:30: rule "service-linger": when: unknown list service_page (did you mean service_pages?)`,
	}},
	{"when syntax errors", []string{"when-syntax.bad.yaml"}, []string{
		// Just after the &&, where the missing part goes.
		`testdata/when-syntax.bad.yaml:4:56: rule "ac-repair-linger": when: ends too early: something is missing at the end`,
		`testdata/when-syntax.bad.yaml:11:44: rule "heating-linger": when: a "(" is not closed`,
		`testdata/when-syntax.bad.yaml:18:21: rule "pricing-linger": when: unexpected = (did you mean ==?)`,
		`testdata/when-syntax.bad.yaml:25:21: rule "deals-linger": when: unexpected startWith (did you mean startsWith?)`,
	}},
	{"when unknown name", []string{"when-unknown-name.bad.yaml"}, []string{
		`testdata/when-unknown-name.bad.yaml:4:11: rule "ac-repair-linger": when: unknown name pgae (did you mean page?)`,
	}},
	{"the reference example's error", []string{"spec-example-typo.bad.yaml"}, []string{
		`testdata/spec-example-typo.bad.yaml:21:11: rule "ac-repair-linger": when: unknown name pgae (did you mean page?)`,
	}},
	{"when unknown member", []string{"when-unknown-member.bad.yaml"}, []string{
		`testdata/when-unknown-member.bad.yaml:4:16: rule "ac-repair-linger": when: unknown name page.pth (did you mean page.path?)`,
		// No lint for too few quick replies: until when compiles, it is
		// not known to be a follow-up.
		`testdata/when-unknown-member.bad.yaml:11:19: rule "call-back": when: unknown name session.enagged (did you mean session.engaged?)`,
	}},
	{"when positions in every scalar style", []string{"when-multiline.bad.yaml"}, []string{
		`testdata/when-multiline.bad.yaml:7:13: rule "literal-block": when: unknown name sesion (did you mean session?)`,
		`testdata/when-multiline.bad.yaml:16:19: rule "folded-block": when: unknown name visitor.staus (did you mean visitor.status?)`,
		`testdata/when-multiline.bad.yaml:24:17: rule "plain-lines": when: unknown list plumbing_pages`,
		`testdata/when-multiline.bad.yaml:31:55: rule "double-quoted": when: unknown schedule weekend`,
		`testdata/when-multiline.bad.yaml:38:73: rule "single-quoted": when: unknown name pgae (did you mean page?)`,
	}},
	{"when not bool", []string{"when-not-bool.bad.yaml"}, []string{
		`testdata/when-not-bool.bad.yaml:4:11: rule "ac-repair-linger": when: must be true or false, but gives text`,
		`testdata/when-not-bool.bad.yaml:11:11: rule "scroll-linger": when: must be true or false, but gives a number`,
		`testdata/when-not-bool.bad.yaml:18:21: rule "pricing-linger": when: cannot use == between text and a number`,
		`testdata/when-not-bool.bad.yaml:25:11: rule "quote-follow-up": when: personalization can be used only in message and quick_replies text`,
	}},
	{"every error of one expression", []string{"when-several-errors.bad.yaml"}, []string{
		`testdata/when-several-errors.bad.yaml:4:11: rule "two-typos": when: unknown name pgae (did you mean page?)`,
		`testdata/when-several-errors.bad.yaml:4:38: rule "two-typos": when: unknown name visitr (did you mean visitor?)`,
		`testdata/when-several-errors.bad.yaml:7:21: rule "two-mismatches": when: cannot use == between text and a number`,
		`testdata/when-several-errors.bad.yaml:7:48: rule "two-mismatches": when: cannot use == between a number and text`,
	}},
	{"when that may give something else than true or false", []string{"when-maybe-not-bool.bad.yaml"}, []string{
		`testdata/when-maybe-not-bool.bad.yaml:4:53: rule "yes-branch": when: must be true or false, but "yes" gives text`,
		`testdata/when-maybe-not-bool.bad.yaml:7:11: rule "bare-attribute": when: visitor.attributes.vip can be any value (text, a number, or nil when it is missing), not only true or false; compare it, like visitor.attributes.vip == true`,
		`testdata/when-maybe-not-bool.bad.yaml:10:32: rule "attribute-operand": when: visitor.attributes.vip can be any value (text, a number, or nil when it is missing), not only true or false; compare it, like visitor.attributes.vip == true`,
		`testdata/when-maybe-not-bool.bad.yaml:13:37: rule "text-fallback": when: must be true or false, but "no" gives text`,
	}},
	{"values through anchors and aliases", []string{"anchors.bad.yaml"}, []string{
		`testdata/anchors.bad.yaml:5:16: rule "first": for: duration 45 has no unit: write 45s, 45m or 45h`,
		`testdata/anchors.bad.yaml:12:38: rule "second": when: unknown name pgae (did you mean page?)`,
		// Where the alias is used, naming the anchor: the same value may
		// be right in one place (priority) and wrong in another (min_wait).
		`testdata/anchors.bad.yaml:13:10: rule "second": for: duration 45 has no unit: write 45s, 45m or 45h (in the value of &wait, line 5)`,
		`testdata/anchors.bad.yaml:14:15: rule "second": min_wait: duration 20 has no unit: write 20s, 20m or 20h (in the value of &high, line 6)`,
		`testdata/anchors.bad.yaml:18:11: rule "third": when: unknown name pgae (did you mean page?) (in the value of &on-b, line 12)`,
	}},
	{"template in message", []string{"template-message.bad.yaml"}, []string{
		`testdata/template-message.bad.yaml:6:28: rule "ac-repair-linger": message: unknown name visitor.atributes (did you mean visitor.attributes?)`,
		`testdata/template-message.bad.yaml:15:72: rule "heating-linger": message: unknown name page.tittle (did you mean page.title?)`,
	}},
	{"template in quick reply", []string{"template-quick-reply.bad.yaml"}, []string{
		`testdata/template-quick-reply.bad.yaml:8:46: rule "ac-repair-linger": quick_replies[0].text: unknown name personalization.servce (did you mean personalization.service?)`,
		`testdata/template-quick-reply.bad.yaml:9:55: rule "ac-repair-linger": quick_replies[1].text: ends too early: something is missing at the end`,
	}},
	{"template in personalization", []string{"template-personalization.bad.yaml"}, []string{
		`testdata/template-personalization.bad.yaml:8:34: rule "ac-repair-linger": personalization.current_interest: unknown name page.titel (did you mean page.title?)`,
		`testdata/template-personalization.bad.yaml:9:22: rule "ac-repair-linger": personalization.city: a personalization value cannot use personalization`,
	}},
	{"template not closed", []string{"template-unclosed.bad.yaml"}, []string{
		`testdata/template-unclosed.bad.yaml:6:17: rule "ac-repair-linger": message: {{ has no closing }}`,
		`testdata/template-unclosed.bad.yaml:9:22: rule "ac-repair-linger": quick_replies[1].text: {{ has no closing }}`,
	}},
	{"rule controls", []string{"controls.bad.yaml"}, []string{
		`testdata/controls.bad.yaml:6:14: rule "ac-repair-linger": enabled: expected true or false, got "no"`,
		`testdata/controls.bad.yaml:14:11: rule "heating-linger": mode: unknown mode "shadwo" (did you mean shadow?)`,
		`testdata/controls.bad.yaml:22:11: rule "plumbing-linger": mode: unknown mode "dry-run" (use live or shadow)`,
	}},
	{"bad frequency", []string{"bad-frequency.bad.yaml"}, []string{
		`testdata/bad-frequency.bad.yaml:6:16: rule "ac-repair-linger": frequency: unknown frequency "once_per_sesion" (did you mean once_per_session?)`,
		`testdata/bad-frequency.bad.yaml:14:16: rule "heating-linger": frequency: unknown frequency "daily" (use once_per_session, once_per_visitor or always)`,
	}},
	{"bad send_to", []string{"bad-send-to.bad.yaml"}, []string{
		`testdata/bad-send-to.bad.yaml:3:21: policy: send_to: unknown visitor status "away" (use online, idle or offline)`,
		`testdata/bad-send-to.bad.yaml:3:27: policy: send_to: unknown visitor status "ofline" (did you mean offline?)`,
	}},
	{"policy in two files", []string{"policy-twice-a.bad.yaml", "policy-twice-b.bad.yaml"}, []string{
		`testdata/policy-twice-b.bad.yaml:2:1: policy: already set in testdata/policy-twice-a.bad.yaml; set it in one file only`,
	}},
	{"missing rule keys", []string{"missing-rule-keys.bad.yaml"}, []string{
		`testdata/missing-rule-keys.bad.yaml:3:5: rule 1: name is required`,
		`testdata/missing-rule-keys.bad.yaml:3:5: rule 1: when is required`,
		`testdata/missing-rule-keys.bad.yaml:3:5: rule 1: message is required`,
		`testdata/missing-rule-keys.bad.yaml:5:5: rule "heating-linger": when is required`,
		`testdata/missing-rule-keys.bad.yaml:5:5: rule "heating-linger": message is required`,
	}},
	{"missing schedule keys", []string{"missing-schedule-keys.bad.yaml"}, []string{
		`testdata/missing-schedule-keys.bad.yaml:4:5: schedule "business_hours": for is required`,
		`testdata/missing-schedule-keys.bad.yaml:6:5: schedule "weekend": cron is required`,
	}},
	{"missing quick-reply keys", []string{"missing-quick-reply-keys.bad.yaml"}, []string{
		`testdata/missing-quick-reply-keys.bad.yaml:8:9: rule "ac-repair-linger": quick_replies[0]: value is required`,
		`testdata/missing-quick-reply-keys.bad.yaml:9:9: rule "ac-repair-linger": quick_replies[1]: text is required`,
	}},
	{"yaml syntax error", []string{"yaml-syntax.bad.yaml"}, []string{
		// At the ":" that makes the mis-indented line a key.
		`testdata/yaml-syntax.bad.yaml:6:13: yaml: mapping values are not allowed in this context (check the indentation, and quote text that contains ": ")`,
	}},
	{"yaml syntax error yaml.v3 puts lines early", []string{"yaml-syntax-late.bad.yaml"}, []string{
		// yaml.v3 says line 2, where the list begins; the fault is the s after 'We'.
		`testdata/yaml-syntax-late.bad.yaml:6:18: yaml: did not find expected key (check the indentation, and quote text that contains a quote)`,
	}},
	{"rules not a list", []string{"rules-not-list.bad.yaml"}, []string{
		`testdata/rules-not-list.bad.yaml:3:3: rules: expected a list, got a mapping (start each item with "- ")`,
	}},
	{"priority not a number", []string{"priority-not-number.bad.yaml"}, []string{
		`testdata/priority-not-number.bad.yaml:6:15: rule "ac-repair-linger": priority: expected a whole number, got "high"`,
		`testdata/priority-not-number.bad.yaml:14:15: rule "heating-linger": priority: expected a whole number, got "1.5"`,
	}},
	{"several errors, all reported in file order", []string{"several-errors.bad.yaml"}, []string{
		`testdata/several-errors.bad.yaml:1:10: version: unsupported version 2 (this Beckon reads version 1)`,
		`testdata/several-errors.bad.yaml:3:11: rule "AC Repair": name: must be lowercase letters, digits and - (like ac-repair-linger)`,
		`testdata/several-errors.bad.yaml:4:11: rule "AC Repair": when: unknown name pgae (did you mean page?)`,
		`testdata/several-errors.bad.yaml:5:10: rule "AC Repair": for: duration 45 has no unit: write 45s, 45m or 45h`,
		// The schedule has an error of its own, yet is still a known name.
		`testdata/several-errors.bad.yaml:6:13: rule "AC Repair": during: unknown schedule business_hour (did you mean business_hours?)`,
		`testdata/several-errors.bad.yaml:7:16: rule "AC Repair": frequency: unknown frequency "sometimes" (use once_per_session, once_per_visitor or always)`,
		`testdata/several-errors.bad.yaml:8:17: rule "AC Repair": message: {{ has no closing }}`,
		`testdata/several-errors.bad.yaml:10:43: rule "AC Repair": unknown key quick_replies[0].colour (use text, value or action)`,
		`testdata/several-errors.bad.yaml:13:11: rule "heating-linger": when: must be true or false, but gives text`,
		`testdata/several-errors.bad.yaml:14:15: rule "heating-linger": priority: expected a whole number, got "high"`,
		`testdata/several-errors.bad.yaml:20:15: schedule "business_hours": timezone: unknown timezone "Mars/Olympus" (use an IANA name like America/Chicago)`,
		`testdata/several-errors.bad.yaml:22:13: policy: send_to: unknown visitor status "everyone" (use online, idle or offline)`,
	}},
}

// warnCases load, with lint warnings.
var warnCases = []loadCase{
	{"wait outside 30s-60s", []string{"lint-wait.warn.yaml"}, []string{
		// pricing-default (the policy's 30s), pricing-own-wait (its own
		// min_wait) and the follow-ups call-back (90s) and thanks (3m)
		// are not linted.
		`testdata/lint-wait.warn.yaml:13:10: warning: rule "pricing-slow": for: waits 2m before its message; best practice is 30s to 60s`,
	}},
	{"wait under 30s", []string{"lint-short-wait.warn.yaml"}, []string{
		`testdata/lint-short-wait.warn.yaml:5:11: warning: rule "pricing-quick": waits 10s (the policy's min_wait) before its message; best practice is 30s to 60s`,
		`testdata/lint-short-wait.warn.yaml:13:10: warning: rule "pricing-for": for: waits 20s before its message; best practice is 30s to 60s`,
		// pricing-ok (40s) and engaged-follow-up (10s, a follow-up) are not.
	}},
	{"quick replies", []string{"lint-quick-replies.warn.yaml"}, []string{
		`testdata/lint-quick-replies.warn.yaml:3:11: warning: rule "no-replies": quick_replies: a proactive message should offer 2 or 3 quick replies, this one has 0`,
		`testdata/lint-quick-replies.warn.yaml:12:7: warning: rule "one-reply": quick_replies: a proactive message should offer 2 or 3 quick replies, this one has 1`,
		`testdata/lint-quick-replies.warn.yaml:18:7: warning: rule "four-replies": quick_replies: 4 quick replies; offer at most 3`,
		`testdata/lint-quick-replies.warn.yaml:28:36: warning: rule "same-values": quick_replies[1].value: "quote" is also the value of quick_replies[0]; give each reply its own value`,
		// A follow-up may offer fewer than 2, but not more than 3.
		`testdata/lint-quick-replies.warn.yaml:38:7: warning: rule "follow-up-four-replies": quick_replies: 4 quick replies; offer at most 3`,
	}},
	{"message over 300 characters", []string{"lint-message-length.warn.yaml"}, []string{
		`testdata/lint-message-length.warn.yaml:6:14: warning: rule "long-message": message: about 315 characters; keep messages under 300`,
	}},
	{"shadow mode of a disabled rule", []string{"lint-controls.warn.yaml"}, []string{
		`testdata/lint-controls.warn.yaml:7:11: warning: rule "ac-repair-linger": mode: shadow has no effect while enabled is false: a disabled rule is not evaluated, so it counts no would_send`,
	}},
	{"always without cooldown", []string{"lint-frequency.warn.yaml"}, []string{
		`testdata/lint-frequency.warn.yaml:6:16: warning: rule "every-visit": frequency: always without a cooldown sends again each time the condition becomes true again; set a cooldown, like 24h`,
		`testdata/lint-frequency.warn.yaml:23:15: warning: rule "once-with-cooldown": cooldown: has no effect with frequency once_per_session; it only spaces out the sends of frequency: always`,
	}},
	{"traps: a comment that cuts a text, a trigger that is only a label, values without a fallback", []string{"lint-traps.warn.yaml"}, []string{
		`testdata/lint-traps.warn.yaml:6:30: warning: rule "number-one": message: " #" starts a YAML comment, so the text ends at "We are Austin's" and "#1 AC repair team" is left out; put the whole text in quotes, or move the comment to a line of its own`,
		`testdata/lint-traps.warn.yaml:8:22: warning: rule "number-one": personalization.rank: " #" starts a YAML comment, so the text ends at "Austin's" and "#1" is left out; put the whole text in quotes, or move the comment to a line of its own`,
		`testdata/lint-traps.warn.yaml:10:20: warning: rule "number-one": quick_replies[0].text: " #" starts a YAML comment, so the text ends at "Call" and "#1 team" is left out; put the whole text in quotes, or move the comment to a line of its own`,
		// exit-tested tests event.type; the follow-up answer-call is about a reply.
		`testdata/lint-traps.warn.yaml:16:14: warning: rule "exit-label": trigger: exit_intent is an event type, but when never tests event.type == "exit_intent", so the rule sends whenever when holds, not at that event; add the test to when, or use another trigger name (like behavior)`,
		// The city has a fallback; known-plan only sends when the plan is set.
		`testdata/lint-traps.warn.yaml:28:20: warning: rule "no-fallback": message: {{ visitor.attributes.firstname }} prints nothing when the visitor has no firstname; give a fallback, like {{ visitor.attributes.firstname ?? "there" }}`,
		`testdata/lint-traps.warn.yaml:28:62: warning: rule "no-fallback": message: {{ personalization.name }} prints nothing when personalization.name is empty; give the value of personalization.name a fallback with ??`,
		`testdata/lint-traps.warn.yaml:30:17: warning: rule "no-fallback": personalization.name: {{ visitor.attributes.first_name }} prints nothing when the visitor has no first_name; give a fallback, like {{ visitor.attributes.first_name ?? "there" }}`,
	}},
}

func TestLoadBad(t *testing.T) {
	for _, tc := range badCases {
		t.Run(tc.name, func(t *testing.T) {
			set, diags := Load(testdata(tc.files)...)
			if set != nil {
				t.Error("Load returned a Set although the files have errors")
			}
			assertDiags(t, diags, tc.want)
			if len(diags.Errors()) == 0 {
				t.Error("no diagnostic is an error")
			}
		})
	}
}

func TestLoadWarn(t *testing.T) {
	for _, tc := range warnCases {
		t.Run(tc.name, func(t *testing.T) {
			set, diags := Load(testdata(tc.files)...)
			if set == nil {
				t.Fatalf("Load returned no Set; diagnostics:\n%v", diags)
			}
			assertDiags(t, diags, tc.want)
			if errs := diags.Errors(); len(errs) > 0 {
				t.Errorf("lints must be warnings; errors:\n%v", errs)
			}
		})
	}
}

// TestLoadGood loads every *.good.yaml, the format's reference example among
// them, and expects no diagnostic at all.
func TestLoadGood(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.good.yaml")
	if len(files) == 0 {
		t.Fatal("no testdata/*.good.yaml")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			set, diags := Load(f)
			if set == nil || len(diags) > 0 {
				t.Fatalf("Load(%s): Set %v, diagnostics:\n%v", f, set != nil, diags)
			}
			if len(set.Rules) == 0 {
				t.Error("no rules loaded")
			}
		})
	}
}

// Rule controls load into Disabled and Shadow; live and enabled are the
// defaults.
func TestRuleControls(t *testing.T) {
	set, diags := Load("testdata/controls.good.yaml")
	if set == nil || len(diags) > 0 {
		t.Fatalf("diagnostics:\n%v", diags)
	}
	got := make([]string, len(set.Rules))
	for i, r := range set.Rules {
		got[i] = fmt.Sprintf("%s disabled=%v mode=%s", r.Name, r.Disabled, r.Mode())
	}
	want := []string{"paused disabled=true mode=live", "trial disabled=false mode=shadow", "running disabled=false mode=live"}
	if !slices.Equal(got, want) {
		t.Errorf("rules: %q, want %q", got, want)
	}
}

// TestSpecExample checks what the format's reference example loads into.
func TestSpecExample(t *testing.T) {
	set, diags := Load("testdata/spec-example.good.yaml")
	if set == nil || len(diags) > 0 {
		t.Fatalf("diagnostics:\n%v", diags)
	}
	if got, want := set.Policy, DefaultPolicy(); got.MinWait != want.MinWait ||
		got.MaxProactivePerSession != want.MaxProactivePerSession || !slices.Equal(got.SendTo, want.SendTo) {
		t.Errorf("policy = %+v, want the defaults %+v", got, want)
	}
	if got := set.Lists["service_pages"]; len(got) != 3 || got[0] != "/services/ac-repair" {
		t.Errorf("lists.service_pages = %q", got)
	}
	if len(set.Rules) != 1 {
		t.Fatalf("%d rules, want 1", len(set.Rules))
	}
	r := set.Rules[0]
	checks := []struct {
		what      string
		got, want any
	}{
		{"name", r.Name, "ac-repair-linger"},
		{"for", r.For, 45 * time.Second},
		{"during", r.During, set.Schedules["business_hours"]},
		{"priority", r.Priority, 10},
		{"frequency", r.Frequency, OncePerSession},
		{"min_wait", *r.MinWait, 30 * time.Second},
		{"trigger", r.Trigger, "page_visit"},
		{"follow-up", r.FollowUp, false},
		{"personalization", r.Personalization[0].Key, "current_interest"},
		{"quick replies", len(r.QuickReplies), 3},
		{"third reply", r.QuickReplies[2].Value + "/" + r.QuickReplies[2].Action, "call_request/call"},
		{"assistant", r.AssistantID, "primary"},
		{"position", fmt.Sprintf("%s:%d", r.File, r.Line), "testdata/spec-example.good.yaml:19"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
}

// TestReloadAllOrNothing: a load with any error gives no Set at all, not
// the rules that were fine, so a caller keeps running its previous Set.
func TestReloadAllOrNothing(t *testing.T) {
	running, diags := Load("testdata/spec-example.good.yaml")
	if running == nil {
		t.Fatalf("diagnostics:\n%v", diags)
	}
	next, diags := Load("testdata/full-featured.good.yaml", "testdata/when-unknown-name.bad.yaml")
	if next != nil {
		t.Fatal("a load with an error returned a Set")
	}
	if len(diags.Errors()) != 1 {
		t.Errorf("want 1 error, got:\n%v", diags)
	}
	if len(running.Rules) != 1 || running.Rules[0].When == nil {
		t.Error("the failed load changed the Set already running")
	}
	if _, diags := Load("testdata/no-such-file.yaml"); len(diags) != 1 ||
		!strings.HasPrefix(diags[0].String(), "testdata/no-such-file.yaml:1:1: cannot read: ") {
		t.Errorf("missing file: %v", diags)
	}
}

// TestFixturesAsserted makes sure no bad or lint fixture is left without
// its expected diagnostics.
func TestFixturesAsserted(t *testing.T) {
	used := map[string]bool{}
	for _, tc := range append(slices.Clone(badCases), warnCases...) {
		for _, f := range tc.files {
			used[f] = true
		}
	}
	for _, pattern := range []string{"testdata/*.bad.yaml", "testdata/*.warn.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			if !used[filepath.Base(f)] {
				t.Errorf("%s is not in a table of load_test.go", f)
			}
		}
	}
}

func testdata(files []string) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = "testdata/" + f
	}
	return out
}

func assertDiags(t *testing.T, diags Diagnostics, want []string) {
	t.Helper()
	got := make([]string, len(diags))
	for i, d := range diags {
		got[i] = d.String()
	}
	if !slices.Equal(got, want) {
		t.Errorf("diagnostics:\ngot:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// BenchmarkLoadExample loads the format's reference example: read, decode,
// compile every expression and template, lint.
func BenchmarkLoadExample(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if set, diags := Load("testdata/spec-example.good.yaml"); set == nil {
			b.Fatal(diags)
		}
	}
}
