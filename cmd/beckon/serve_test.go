package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beckonhq/beckon/store/boltstore"
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

func TestCompactCommand(t *testing.T) {
	dir := t.TempDir()
	st, err := boltstore.Open(filepath.Join(dir, "beckon.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"compact", "--data", dir}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "is in use by another process") {
		t.Fatalf("compact of an open file: exit %d, stderr %q", code, stderr.String())
	}
	st.Close()
	stdout.Reset()
	if code := run([]string{"compact", "--data", dir}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "beckon.db: ") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
	if code := run([]string{"compact", "--data", filepath.Join(dir, "none")}, &stdout, &stderr); code != 1 {
		t.Fatalf("compact of a missing file: exit %d", code)
	}
}
