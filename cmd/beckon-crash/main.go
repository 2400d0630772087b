// Command beckon-crash checks Beckon's durability promises against a real
// `beckon serve` process: it runs traffic (page views for a rule that sends
// at once and for one with `for: 2s`, visitors coming back, API sends with
// Idempotency-Key), kills the server with SIGKILL at random points, starts
// it again on the same data directory, and verifies through the HTTP API
// that no acknowledged send was lost, no rule sent twice in a session, a
// second unsolicited send answers 409, every due timer fired and the
// webhook outbox drained. It prints the counts of every round.
//
// With -processes N (N > 1) it runs N servers sharing a Redis that it
// starts (-store redis, or cluster for a 3-master Redis Cluster), sends
// each call to one of them at random, and SIGKILLs one of them in the
// middle of each round while the others go on; widget streams open on one
// server get the messages that page views through another cause.
//
// With -mode stale it instead gives many visitors a page view and at once
// an API send, stops the server cleanly (SIGTERM), and checks that a second
// unsolicited send answers 409 for every one.
//
// scripts/crash runs it; the tests run a short form.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

func main() {
	var o options
	flag.StringVar(&o.beckon, "beckon", "", "beckon binary (default: built from this checkout)")
	flag.StringVar(&o.mode, "mode", "kill", "kill (SIGKILL rounds) or stale (a clean restart after concurrent sends)")
	flag.IntVar(&o.rounds, "rounds", 20, "SIGKILL rounds (mode kill)")
	flag.IntVar(&o.workers, "workers", 16, "concurrent clients")
	flag.IntVar(&o.visitors, "visitors", 3000, "visitors (mode stale)")
	flag.IntVar(&o.processes, "processes", 1, "beckon serve processes (mode kill; more than one shares a Redis)")
	flag.StringVar(&o.store, "store", "", "bolt (default with one process), redis (default with more) or cluster: a 3-master Redis Cluster")
	flag.Int64Var(&o.seed, "seed", time.Now().UnixNano(), "random seed")
	flag.Parse()
	os.Exit(run(o, os.Stdout, os.Stderr))
}

// options configures a run.
type options struct {
	beckon   string
	mode     string
	rounds   int
	workers  int
	visitors int
	seed     int64
	// processes share the store kind store: "bolt", "redis" or "cluster"
	// (a Redis the run starts).
	processes int
	store     string
	// maxRun bounds how long one round's traffic runs before the kill.
	maxRun time.Duration
}

func run(o options, stdout, stderr io.Writer) int {
	if o.beckon == "" {
		dir, err := os.MkdirTemp("", "beckon-crash-*")
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		if o.beckon, err = build(dir); err != nil {
			fmt.Fprintln(stderr, "build beckon:", err)
			return 1
		}
	}
	if o.processes > 1 && (o.store == "" || o.store == "bolt") {
		o.store = "redis"
	}
	tokens.Clear() // a run's visitor ids are those of the last run
	var problems []string
	var err error
	switch o.mode {
	case "kill":
		problems, err = killRounds(o, stdout)
	case "stale":
		problems, err = staleRun(o, stdout)
	default:
		fmt.Fprintln(stderr, "beckon-crash: -mode kill or stale")
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "beckon-crash:", err)
		return 1
	}
	for _, p := range problems {
		fmt.Fprintln(stdout, "PROBLEM:", p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(stdout, "FAILED: %d problems\n", len(problems))
		return 1
	}
	fmt.Fprintln(stdout, "OK")
	return 0
}
