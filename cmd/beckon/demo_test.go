package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beckonhq/beckon/server"
)

// The demo's key is made once, kept with mode 0600, and shown with a
// request to paste.
func TestDemoKeyAndBanner(t *testing.T) {
	dir := t.TempDir()
	key, err := demoKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, "sk_demo_") || len(key) != len("sk_demo_")+32 {
		t.Fatalf("demo key %q", key)
	}
	fi, err := os.Stat(filepath.Join(dir, "demo-api-key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	if again, _ := demoKey(dir); again != key {
		t.Fatalf("second start made a new key %q", again)
	}
	cfg, err := server.DemoConfig(dir, "", key)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	writeBanner(&out, cfg, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, key)
	for _, want := range []string{"Beckon is listening on 127.0.0.1:8080\n", "use --addr :8080 to expose it",
		"Demo site:  http://127.0.0.1:8080/\n", "Workspace:  ws_demo\n", "API key:    " + key,
		"Console:    http://127.0.0.1:8080/console (sign in with the API key)\n",
		`-H "Authorization: Bearer ` + key + `"`, `-H "X-Workspace-ID: ws_demo"`,
		`"visitor_id": "PASTE_THE_VISITOR_ID_FROM_THE_DEMO_PAGE"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, out.String())
		}
	}
}
