package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// consoleCommand is one `$ command` of a README console block and the
// output printed under it.
type consoleCommand struct {
	line   int
	cmd    string
	output string
}

// readmeCommands reads the ```console blocks of README.md.
func readmeCommands(t *testing.T, path string) []consoleCommand {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []consoleCommand
	in, heredoc := false, ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case !in:
			in = line == "```console"
		case line == "```":
			in = false
		case heredoc != "":
			out[len(out)-1].cmd += "\n" + line
			if line == heredoc {
				heredoc = ""
			}
		case strings.HasPrefix(line, "$ "):
			out = append(out, consoleCommand{line: n, cmd: line[2:]})
			if i := strings.Index(line, "<<'"); i >= 0 {
				heredoc = strings.TrimSuffix(line[i+3:], "'")
			}
		default:
			out[len(out)-1].output += line + "\n"
		}
	}
	return out
}

// The console examples of the README and the docs are real: each command,
// run in a copy of the example files, prints what the page says.
func TestReadmeConsoleExamples(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not found")
	}
	root, _ := filepath.Abs("../..")
	work := t.TempDir()
	bin := filepath.Join(work, "beckon-bin")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cp := exec.Command("cp", "-r", "--parents", "rules.example.yaml", "examples/journeys", "examples/tests", work)
	cp.Dir = root
	if out, err := cp.CombinedOutput(); err != nil {
		t.Fatalf("copy the examples: %v\n%s", err, out)
	}
	tmp := work + "/tmp/"
	os.Mkdir(tmp, 0o755)
	for _, page := range []string{"README.md", "docs/semantics.md"} {
		cmds := readmeCommands(t, filepath.Join(root, page))
		if len(cmds) == 0 {
			t.Fatalf("no console examples found in %s", page)
		}
		for _, c := range cmds {
			script := strings.ReplaceAll(c.cmd, "/tmp/", tmp)
			script = strings.ReplaceAll(script, "go run ./cmd/beckon", bin)
			cmd := exec.Command("bash", "-c", script)
			cmd.Dir = work
			got, _ := cmd.CombinedOutput()
			want := strings.ReplaceAll(c.output, "/tmp/", tmp)
			if string(got) != want {
				t.Errorf("%s:%d: $ %s\nprinted:\n%s\nthe page says:\n%s", page, c.line, firstLine(c.cmd), got, want)
			}
		}
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
