package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/beckonhq/beckon/server"
	"github.com/beckonhq/beckon/store/redisstore"
)

// compose.yaml's Beckon configuration loads, names a store that opens on
// Redis, and nginx balances over every beckon service.
func TestComposeExample(t *testing.T) {
	raw, err := os.ReadFile("../../compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Services map[string]any `yaml:"services"`
		Configs  map[string]struct {
			Content string `yaml:"content"`
		} `yaml:"configs"`
	}
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rules, _ := os.ReadFile("../../rules.example.yaml")
	os.WriteFile(filepath.Join(dir, "rules.example.yaml"), rules, 0o644)
	path := filepath.Join(dir, "beckon.yaml")
	os.WriteFile(path, []byte(c.Configs["beckon"].Content), 0o644)
	cfg, err := server.LoadConfig(path)
	if err != nil {
		t.Fatalf("compose.yaml's beckon.yaml: %v", err)
	}
	if _, err := redisstore.ParseURL(cfg.Store); err != nil || !strings.HasPrefix(cfg.Store, "redis://") {
		t.Errorf("store %q: %v", cfg.Store, err)
	}
	n := 0
	for name := range c.Services {
		if strings.HasPrefix(name, "beckon-") {
			n++
			if !strings.Contains(c.Configs["nginx"].Content, "server "+name+":8080;") {
				t.Errorf("nginx does not balance over %s", name)
			}
		}
	}
	if n < 2 {
		t.Errorf("%d beckon services, want several", n)
	}
}
