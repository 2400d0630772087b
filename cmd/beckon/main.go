// Command beckon checks, tests and simulates rule files, and runs the
// server. It only wires the packages together.
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `beckon: a rules-based proactive engagement engine

Usage:
  beckon check FILE...                          validate rule files
  beckon test [--junit FILE] [--store URL] FILE...
                                                run rule tests (--junit: also write JUnit XML)
  beckon simulate --rules FILE [--format text|json] [--explain] [--store URL] JOURNEY...
                                                replay journeys through the engine
  beckon preview FILE RULE [--journey JOURNEY.yaml] [--at 45s]
                                                print a rule's message and buttons as the visitor sees them
  beckon serve [--config FILE] [--addr HOST:PORT] [--data DIR] [--store URL]
                                                run the server
  (--store: bolt:PATH, redis://HOST:PORT/DB, rediss://… or redis+cluster://HOST:PORT,…)
  beckon compact [--data DIR]                   give a stopped server's free space back to the disk
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "check":
		return check(args[1:], stdout, stderr)
	case "test":
		return test(args[1:], stdout, stderr)
	case "simulate":
		return simulate(args[1:], stdout, stderr)
	case "preview":
		return preview(args[1:], stdout, stderr)
	case "serve":
		return serve(args[1:], stdout, stderr)
	case "compact":
		return compact(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "beckon: unknown command %q\n\n%s", args[0], usage)
	return 2
}
