package rules

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds rule files, the fixtures and mutations of them, to
// Parse: whatever the input, it must report problems, never panic, and
// give a Set exactly when there is no error.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		set, diags := Parse(Source{Name: "rules.yaml", Data: data})
		if (set == nil) != (len(diags.Errors()) > 0) {
			t.Errorf("Set %v with errors:\n%v", set != nil, diags.Errors())
		}
		for _, d := range diags {
			if d.Line < 1 || d.Col < 1 {
				t.Errorf("position out of the file: %v", d)
			}
		}
	})
}

// FuzzWhenPosition writes a condition as a plain, a literal and a
// double-quoted scalar: every problem must point inside the file.
func FuzzWhenPosition(f *testing.F) {
	for _, s := range []string{`pgae.path == "/x"`, "page.path == \"/a\" &&\n  sesion.engaged", `open("x") && lists.y`, `(a`, `"é" == page.pth`, "a\n\n  b", `x ? y`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, when string) {
		if !utf8.ValidString(when) || strings.ContainsAny(when, "\r\u0085\u2028\u2029") {
			return // YAML breaks lines there too; rule files break them with \n
		}
		block := "    when: |\n      " + strings.ReplaceAll(when, "\n", "\n      ") + "\n"
		for _, w := range []string{"    when: " + when + "\n", block, "    when: " + strconv.Quote(when) + "\n"} {
			src := "rules:\n  - name: r\n" + w + "    message: hi\n"
			lines := strings.Split(src, "\n")
			_, diags := Parse(Source{Name: "rules.yaml", Data: []byte(src)})
			for _, d := range diags {
				if d.Line < 1 || d.Line > len(lines) || d.Col < 1 || d.Col > utf8.RuneCountInString(lines[d.Line-1])+1 {
					t.Errorf("%v is outside the file:\n%s", d, src)
				}
			}
		}
	})
}
