package beckon_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/beckonhq/beckon"

// allowed lists, for each package, the module's packages it may import
// (ARCHITECTURE.md, "What may import what"). cmd/... and e2e may import
// anything and are left out.
var allowed = map[string][]string{
	"":                           nil,
	"message":                    nil,
	"tracker":                    nil,
	"rules":                      nil,
	"examples":                   nil,
	"scoring":                    {"rules"},
	"store":                      {"message"},
	"store/boltstore":            {"store", "message"},
	"store/storetest":            {"store", "message"},
	"store/redisstore":           {"store", "message"},
	"store/redisstore/redistest": nil,
	"funnel":                     {"store"},
	"engine":                     {"message", "tracker", "rules", "scoring", "store", "funnel"},
	"pipeline":                   {"engine", "message", "store", "funnel"},
	"journey":                    {"engine", "message", "tracker", "rules", "scoring", "store", "store/boltstore", "funnel"},
	"server":                     {"", "examples", "engine", "message", "pipeline", "rules", "scoring", "store", "tracker", "funnel"},
}

// The import graph follows the flow: no package imports one it should not,
// and only store/boltstore imports bbolt.
func TestImportGraph(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(strings.TrimPrefix(fields[0], module), "/")
		if strings.HasPrefix(pkg, "cmd/") || pkg == "e2e" {
			continue
		}
		may, known := allowed[pkg]
		if !known {
			t.Errorf("package %q is not in ARCHITECTURE.md's table (and this test's)", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			if strings.HasPrefix(imp, "go.etcd.io/bbolt") && pkg != "store/boltstore" {
				t.Errorf("%s imports bbolt; only store/boltstore may", pkg)
			}
			if imp != module && !strings.HasPrefix(imp, module+"/") {
				continue
			}
			dep := strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
			if !slices.Contains(may, dep) {
				t.Errorf("%s imports %s, against the flow", pkg, dep)
			}
		}
	}
}
