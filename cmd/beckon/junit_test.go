package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTestJUnit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.xml")
	out, code := beckon(t, "test", "testdata/pass.test.yaml", "--junit", path, "testdata/fail.test.yaml", "testdata/missing.test.yaml")
	if code != 1 || !strings.HasSuffix(out, "2 passed, 2 failed\n") {
		t.Fatalf("exit %d, output\n%s", code, out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), `<?xml version="1.0" encoding="UTF-8"?>`+"\n<testsuites ") {
		t.Errorf("not a JUnit XML document:\n%s", data)
	}
	var got junitSuites
	if err := xml.Unmarshal(data, &got); err != nil {
		t.Fatalf("the report does not parse: %v\n%s", err, data)
	}
	if got.Tests != 4 || got.Failures != 1 || got.Errors != 1 || len(got.Suites) != 3 {
		t.Fatalf("totals: %d tests, %d failures, %d errors in %d suites:\n%s", got.Tests, got.Failures, got.Errors, len(got.Suites), data)
	}
	pass, fail, missing := got.Suites[0], got.Suites[1], got.Suites[2]
	if pass.Name != "testdata/pass.test.yaml" || pass.Tests != 2 || pass.Failures != 0 ||
		pass.Cases[0].Name != "linger then call" || pass.Cases[0].Failure != nil || pass.Cases[1].Name != "nothing before the wait" {
		t.Errorf("passing suite %+v", pass)
	}
	wantDiff := "- at 30s rule ac-repair-linger\n+ at 45s rule ac-repair-linger\n"
	if fail.Tests != 1 || fail.Failures != 1 || fail.Cases[0].Name != "wrong time" ||
		fail.Cases[0].Failure == nil || fail.Cases[0].Failure.Text != wantDiff || fail.Cases[0].ClassName != "testdata/fail.test.yaml" {
		t.Errorf("failing suite %+v", fail)
	}
	if missing.Errors != 1 || missing.Cases[0].Error == nil || !strings.Contains(missing.Cases[0].Error.Text, "no such file") {
		t.Errorf("unreadable file's suite %+v", missing)
	}
	if _, code := beckon(t, "test", "--junit", filepath.Join(t.TempDir(), "no", "such", "dir.xml"), "testdata/pass.test.yaml"); code != 1 {
		t.Errorf("an unwritable report exits %d, want 1", code)
	}
}
