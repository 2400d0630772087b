package main

import (
	"os"
	"runtime/pprof"
	"testing"
)

func TestFootprintProfile(t *testing.T) {
	dir := t.TempDir()
	c := config{data: dir, workspace: "ws", visitors: 50000, prefix: "v"}
	if err := footprintProfile(c, func() {
		f, _ := os.Create("/tmp/heap.out")
		pprof.Lookup("heap").WriteTo(f, 0)
		f.Close()
	}); err != nil {
		t.Fatal(err)
	}
}
