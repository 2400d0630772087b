// Package beckon is the root of the Beckon module: a self-hosted,
// rules-based proactive live-chat engagement engine. The code lives in the
// packages below it (tracker → engine → pipeline, server, cmd/beckon); this
// package only embeds the example rule file, which `beckon serve` runs when
// no rules.example.yaml is found in the working directory.
package beckon

import _ "embed"

// ExampleRules is rules.example.yaml as shipped with this version. Parse it
// with rules.Parse(rules.Source{Name: "rules.example.yaml", Data: ExampleRules}).
//
//go:embed rules.example.yaml
var ExampleRules []byte
