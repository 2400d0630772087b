package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServeRefusesABadConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "beckon.yaml")
	if err := os.WriteFile(cfg, []byte("listen: 127.0.0.1:0\nworkspaces: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"serve", "--config", cfg}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	want := "config " + cfg + " is not valid:\n  " + cfg + ":2: workspaces: at least one workspace is required\n"
	if stderr.String() != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr.String(), want)
	}
}

func TestServeUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"serve", "extra"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "usage: beckon serve") {
		t.Fatalf("exit %d, stderr %s", code, stderr.String())
	}
	stderr.Reset()
	if code := run([]string{"serve", "--addr", "8080"}, &stdout, &stderr); code != 1 || stderr.String() != "--addr: \"8080\" is not HOST:PORT\n" {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}
