package rules_test

import (
	"fmt"

	"github.com/beckonhq/beckon/rules"
)

// A rule file with an error loads no rules at all; each problem names its
// file, line and column, the rule and the field.
func ExampleLoad() {
	// The rule-file format's reference example, with page misspelled in its `when`.
	set, diags := rules.Load("testdata/spec-example-typo.bad.yaml")
	fmt.Println("loaded:", set != nil)
	for _, d := range diags {
		fmt.Println(d)
	}
	// Output:
	// loaded: false
	// testdata/spec-example-typo.bad.yaml:21:11: rule "ac-repair-linger": when: unknown name pgae (did you mean page?)
}
