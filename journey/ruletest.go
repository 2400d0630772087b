package journey

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/beckonhq/beckon/rules"
)

// TestFile is a rule test file, modelled on promtool's rule tests.
type TestFile struct {
	RuleFiles []string   `yaml:"rule_files"`
	Tests     []RuleTest `yaml:"tests"`
}

// RuleTest is a journey and the messages it must produce, in order.
type RuleTest struct {
	Journey `yaml:",inline"`
	Expect  []Expect `yaml:"expect"`
}

// Expect is one expected message. Fields left out are not checked.
type Expect struct {
	At              Duration `yaml:"at"`
	Rule            string   `yaml:"rule"`
	QuickReplies    []string `yaml:"quick_replies"` // values
	Message         *string  `yaml:"message"`
	MessageContains string   `yaml:"message_contains"`
}

// Outcome is one test's result.
type Outcome struct {
	File, Name string
	Failure    string // empty when it passed
}

// RunTestFile loads a test file's rule files (relative to it) and runs its
// tests. An unloadable rule file fails every test of the file. A test
// file with problems of its own runs nothing: its error lists them all,
// as rules.Diagnostics.
func RunTestFile(path string) ([]Outcome, error) { return RunTestFileWith(path, Options{}) }

// RunTestFileWith is RunTestFile with the simulations' options (a store
// to run them on, say).
func RunTestFileWith(path string, opts Options) ([]Outcome, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	d := &decoder{file: path}
	var tf TestFile
	docs := d.documents(data)
	if len(docs) > 0 {
		d.testFile(docs[0], &tf)
	} else if len(d.diags) == 0 {
		d.errorf(nil, "", "", "the file is empty: write rule_files and tests")
	}
	files := make([]string, len(tf.RuleFiles))
	for i, f := range tf.RuleFiles {
		if !filepath.IsAbs(f) {
			f = filepath.Join(filepath.Dir(path), f)
		}
		files[i] = f
	}
	var set *rules.Set
	var diags rules.Diagnostics
	if len(files) > 0 {
		set, diags = rules.Load(files...)
	}
	if set != nil {
		d.unknownRules(docs[0], set)
	}
	if len(d.diags) > 0 {
		return nil, d.sorted()
	}
	out := make([]Outcome, len(tf.Tests))
	for i := range tf.Tests {
		t := &tf.Tests[i]
		out[i] = Outcome{File: path, Name: t.Name}
		switch {
		case set == nil:
			out[i].Failure = "rule files do not load:\n" + diags.Errors().Error()
		default:
			out[i].Failure = t.run(set, opts)
		}
	}
	return out, nil
}

func (t *RuleTest) run(set *rules.Set, opts Options) string {
	if err := t.Validate(); err != nil {
		return err.Error()
	}
	sent, err := Run(set, &t.Journey, opts)
	if err != nil {
		return err.Error()
	}
	return diff(t.Expect, sent)
}

// diff lists expected and actual messages side by side: "  " for a match,
// "- " for an expected message that did not come as written, "+ " for what
// came instead. It returns "" when everything matches.
func diff(want []Expect, got []Sent) string {
	var b strings.Builder
	failed := len(want) != len(got)
	for i := 0; i < max(len(want), len(got)); i++ {
		switch {
		case i >= len(got):
			fmt.Fprintf(&b, "- %s\n", want[i])
		case i >= len(want):
			fmt.Fprintf(&b, "+ %s\n", describeSent(got[i], nil))
		case want[i].matches(got[i]):
			fmt.Fprintf(&b, "  %s\n", describeSent(got[i], &want[i]))
		default:
			failed = true
			fmt.Fprintf(&b, "- %s\n+ %s\n", want[i], describeSent(got[i], &want[i]))
		}
	}
	if !failed {
		return ""
	}
	return b.String()
}

func (e Expect) matches(s Sent) bool {
	m := s.Message
	if time.Duration(e.At) != s.At || e.Rule != m.Rule {
		return false
	}
	if e.QuickReplies != nil && !slices.Equal(e.QuickReplies, values(s)) {
		return false
	}
	if e.Message != nil && *e.Message != m.Message {
		return false
	}
	return strings.Contains(m.Message, e.MessageContains)
}

func values(s Sent) []string {
	out := make([]string, 0, len(s.Message.QuickReplies))
	for _, q := range s.Message.QuickReplies {
		out = append(out, q.Value)
	}
	return out
}

func (e Expect) String() string {
	s := fmt.Sprintf("at %s rule %s", time.Duration(e.At), e.Rule)
	if e.QuickReplies != nil {
		s += fmt.Sprintf(" quick_replies [%s]", strings.Join(e.QuickReplies, ", "))
	}
	if e.Message != nil {
		s += fmt.Sprintf(" message %q", *e.Message)
	}
	if e.MessageContains != "" {
		s += fmt.Sprintf(" message_contains %q", e.MessageContains)
	}
	return s
}

// describeSent prints an actual message; with like, the same fields as the
// expectation it is compared with, else all of them.
func describeSent(s Sent, like *Expect) string {
	out := fmt.Sprintf("at %s rule %s", s.At, s.Message.Rule)
	if like == nil || like.QuickReplies != nil {
		out += fmt.Sprintf(" quick_replies [%s]", strings.Join(values(s), ", "))
	}
	if like == nil || like.Message != nil || like.MessageContains != "" {
		out += fmt.Sprintf(" message %q", s.Message.Message)
	}
	return out
}
