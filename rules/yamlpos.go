package rules

import (
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

var yamlLineRe = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlHints are what usually causes yaml.v3's syntax errors in a rule file.
var yamlHints = map[string]string{
	"mapping values are not allowed in this context":  "check the indentation, and quote text that contains \": \"",
	"did not find expected key":                       "check the indentation, and quote text that contains a quote",
	"did not find expected '-' indicator":             "check the indentation of the list",
	"found character that cannot start any token":     "indent with spaces, not tabs, and quote text that starts with @ or `",
	"found a tab character that violates indentation": "indent with spaces, not tabs",
	"could not find expected ':'":                     "a key needs a \":\" after it",
}

// maxSyntaxScan bounds the lines searched for a syntax error's token.
const maxSyntaxScan = 200

// yamlError places a yaml.v3 syntax error at its offending token and adds
// a hint for the usual causes. yaml.v3 gives only the line where the
// enclosing block begins, often lines earlier, and no column.
func yamlError(data []byte, err error) (int, int, string) {
	msg, line := err.Error(), 1
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = "yaml: " + m[2]
	}
	l, col := syntaxPos(string(data), line, msg)
	if text := lineOf(data, l); strings.Contains(text, ": {{") || strings.HasPrefix(strings.TrimLeft(text, " -"), "{{") {
		return l, col, msg + " (a text that starts with {{ must be in quotes, like message: \"{{ … }} …\")"
	}
	for cause, hint := range yamlHints {
		if strings.Contains(msg, cause) {
			return l, col, msg + " (" + hint + ")"
		}
	}
	return l, col, msg
}

// syntaxPos finds where a syntax error msg, reported at line, is: where
// the shortest prefix of the source that fails with the same message ends.
// Where nothing is found it keeps the line, at column 1.
func syntaxPos(src string, line int, msg string) (int, int) {
	lines := strings.SplitAfter(src, "\n")
	fails := func(prefix string) bool {
		err := decodeAll(prefix)
		if err == nil {
			return false
		}
		m := err.Error()
		if sub := yamlLineRe.FindStringSubmatch(m); sub != nil {
			m = "yaml: " + sub[2]
		}
		return m == msg
	}
	first := max(line-2, 0) // the lines before the reported one parse
	prefix := strings.Join(lines[:min(first, len(lines))], "")
	for l := first; l < len(lines) && l < first+maxSyntaxScan; l++ {
		if !fails(prefix + lines[l]) {
			prefix += lines[l]
			continue
		}
		text := []rune(strings.TrimRight(lines[l], "\r\n"))
		// A flow collection left open fails at every prefix: close it
		// after each cut, so only a real fault in the line fails.
		closer := ""
		if strings.Contains(msg, "did not find expected ',' or") {
			closer = msg[len(msg)-2 : len(msg)-1]
		}
		for c := 1; c <= len(text); c++ {
			if fails(prefix + string(text[:c]) + closer) {
				return l + 1, c
			}
		}
		if closer != "" {
			return l + 1, len(text) + 1 // not closed on its line
		}
		return l + 1, 1
	}
	return line, 1
}

// decodeAll decodes every document of src, for its first error.
func decodeAll(src string) error {
	dec := yaml.NewDecoder(strings.NewReader(src))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

func lineOf(data []byte, line int) string {
	lines := strings.Split(string(data), "\n")
	if line < 1 || line > len(lines) {
		return ""
	}
	return lines[line-1]
}

// YAMLSyntax places a yaml.v3 syntax error of data at its token: line,
// column and message, for other files read with yaml.v3.
func YAMLSyntax(data []byte, err error) (int, int, string) { return yamlError(data, err) }
