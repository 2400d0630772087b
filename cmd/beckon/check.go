package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/beckonhq/beckon/journey"
	"github.com/beckonhq/beckon/rules"
)

func check(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: beckon check FILE...")
		return 2
	}
	set, diags := rules.Load(args...)
	for _, d := range diags {
		fmt.Fprintln(stdout, d)
	}
	if set == nil {
		fmt.Fprintf(stdout, "FAILED: %d errors\n", len(diags.Errors()))
		return 1
	}
	printControls(stdout, set)
	fmt.Fprintf(stdout, "SUCCESS: %d rules\n", len(set.Rules))
	return 0
}

// printControls names the rules that are disabled or in shadow mode: they
// load, but do not send.
func printControls(w io.Writer, set *rules.Set) {
	for _, r := range set.Rules {
		switch {
		case r.Disabled:
			fmt.Fprintf(w, "%s:%d: rule %q is disabled (enabled: false): checked, never evaluated\n", r.File, r.Line, r.Name)
		case r.Shadow:
			fmt.Fprintf(w, "%s:%d: rule %q is in shadow mode: evaluated and counted as would_send, never sent\n", r.File, r.Line, r.Name)
		}
	}
}

func test(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	junitPath := fs.String("junit", "", "also write the results as JUnit XML to this file")
	storeURL := fs.String("store", "", storeHelp+" (default: a temporary bbolt file per test)")
	if err := fs.Parse(interleaved(args, fs)); err != nil || fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: beckon test [--junit FILE] [--store URL] FILE...")
		return 2
	}
	opts, done, err := simulationStore(*storeURL)
	if err != nil {
		fmt.Fprintln(stderr, "beckon test:", err)
		return 1
	}
	defer done()
	var report junitReport
	passed, failed := 0, 0
	for _, path := range fs.Args() {
		outcomes, err := journey.RunTestFileWith(path, opts)
		report.file(path, outcomes, err)
		if err != nil {
			fmt.Fprintf(stdout, "FAIL %s\n%s", path, indent(err.Error()))
			failed++
			continue
		}
		for _, o := range outcomes {
			if o.Failure == "" {
				passed++
				continue
			}
			failed++
			fmt.Fprintf(stdout, "FAIL %s: %s\n%s\n", o.File, o.Name, indent(o.Failure))
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	if *junitPath != "" {
		if err := report.write(*junitPath); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	if failed > 0 {
		return 1
	}
	return 0
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return "  " + strings.Join(lines, "\n  ") + "\n"
}
