package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/beckonhq/beckon/server"
	"github.com/beckonhq/beckon/store/boltstore"
)

// compact rewrites a stopped server's data file without its free pages.
func compact(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("compact", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", server.DefaultDataDir, "data directory of a stopped beckon serve")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: beckon compact [--data DIR]")
		return 2
	}
	path := filepath.Join(*dataDir, "beckon.db")
	fmt.Fprintf(stdout, "compacting %s\n", path)
	before, after, err := boltstore.Compact(path)
	if err != nil {
		fmt.Fprintln(stderr, "beckon compact:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: %s → %s\n", path, size(before), size(after))
	return 0
}

// size writes a byte count for people.
func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
