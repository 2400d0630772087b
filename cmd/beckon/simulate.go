package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/beckonhq/beckon/journey"
	"github.com/beckonhq/beckon/rules"
)

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func simulate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var ruleFiles listFlag
	fs.Var(&ruleFiles, "rules", "rule file (repeatable)")
	format := fs.String("format", "text", "output: text (a timeline) or json (one message a line)")
	explain := fs.Bool("explain", false, "at each evaluation, say why each rule did not send")
	storeURL := fs.String("store", "", storeHelp+" (default: a temporary bbolt file per journey)")
	if err := fs.Parse(interleaved(args, fs)); err != nil {
		return 2
	}
	if len(ruleFiles) == 0 || fs.NArg() == 0 || (*format != "text" && *format != "json") {
		fmt.Fprintln(stderr, "usage: beckon simulate --rules FILE [--format text|json] [--explain] [--store URL] JOURNEY...")
		return 2
	}
	base, done, err := simulationStore(*storeURL)
	if err != nil {
		fmt.Fprintln(stderr, "beckon simulate:", err)
		return 1
	}
	defer done()
	set, diags := rules.Load(ruleFiles...)
	if set == nil {
		for _, d := range diags.Errors() {
			fmt.Fprintln(stderr, d)
		}
		fmt.Fprintf(stderr, "FAILED: %d errors\n", len(diags.Errors()))
		return 1
	}
	var journeys []*journey.Journey
	for _, path := range fs.Args() {
		js, err := journey.LoadFile(path)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		journeys = append(journeys, js...)
	}
	if *format == "text" {
		printControls(stdout, set)
	}
	text := &journey.Timeline{W: stdout, Explain: *explain}
	bar := newProgress(stderr, len(journeys))
	for i, j := range journeys {
		bar.clear()
		if err := simulateOne(set, j, *format, text, base, stderr); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		bar.show(i + 1)
	}
	bar.clear()
	return 0
}

func simulateOne(set *rules.Set, j *journey.Journey, format string, tl *journey.Timeline, base journey.Options, stderr io.Writer) error {
	if format == "json" {
		opts := base
		if tl.Explain { // the explanation goes to stderr so stdout stays one message a line
			tl := &journey.Timeline{W: stderr, Explain: true}
			tl.Begin(j)
			defer tl.End()
			opts = withStore(tl.Options(), base)
		}
		sent, err := journey.Run(set, j, opts)
		if err != nil {
			return err
		}
		return journey.WriteJSON(tl.W, j, sent)
	}
	tl.Begin(j)
	_, err := journey.Run(set, j, withStore(tl.Options(), base))
	tl.End()
	return err
}

func withStore(opts, base journey.Options) journey.Options {
	opts.Store = base.Store
	return opts
}

// interleaved moves flags that follow positional arguments to the front,
// so `simulate journey.yaml --rules r.yaml` works too.
func interleaved(args []string, fs *flag.FlagSet) []string {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			rest = append(rest, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if f := fs.Lookup(name); f != nil && !strings.Contains(name, "=") {
			if _, isBool := f.Value.(interface{ IsBoolFlag() bool }); !isBool && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		}
	}
	return append(flags, rest...)
}
