package rules

import (
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// exprPos maps a position inside the value of scalar node n to a file
// position. The position is off bytes into src (n's value), then line
// (1-based) and col (0-based, in characters) from there. Plain, quoted,
// literal and folded scalars map exactly; a scalar whose text cannot be
// matched to the file maps to its start.
func (d *decoder) exprPos(n *yaml.Node, src string, off, line, col int) (int, int) {
	if _, copied := d.via[n]; copied {
		return n.Line, n.Column // the alias: its text is elsewhere
	}
	k := off + byteOffset(src[off:], line, col)
	if n.Style == yaml.SingleQuotedStyle || n.Style == yaml.DoubleQuotedStyle {
		return d.quotedPos(n, src[:k])
	}
	segs := d.segments(n, src)
	for i := len(segs) - 1; i >= 0; i-- {
		s := segs[i]
		if s.off <= k {
			end := min(k, s.off+s.len)
			return s.line, s.col + utf8.RuneCountInString(src[s.off:end])
		}
	}
	return n.Line, n.Column
}

// byteOffset converts a 1-based line and 0-based character column of s
// to a byte offset, clamped to s.
func byteOffset(s string, line, col int) int {
	k := 0
	for ; line > 1; line-- {
		i := strings.IndexByte(s[k:], '\n')
		if i < 0 {
			return len(s)
		}
		k += i + 1
	}
	for ; col > 0 && k < len(s); col-- {
		_, size := utf8.DecodeRuneInString(s[k:])
		k += size
	}
	return k
}

// segment says that value[off:off+len] is written at line:col of the file.
type segment struct{ off, len, line, col int }

// segments finds where each line of a plain or block scalar's text sits in
// its value: YAML folds the line breaks and strips the indentation, so the
// value between two lines' texts is only spaces and line breaks.
func (d *decoder) segments(n *yaml.Node, value string) []segment {
	line, col, indent := n.Line, d.valueColumn(n), -1
	if n.Style == yaml.LiteralStyle || n.Style == yaml.FoldedStyle {
		line, col = n.Line+1, 1
	}
	var segs []segment
	p := 0
	for ; line <= len(d.lines) && strings.TrimSpace(value[p:]) != ""; line, col = line+1, 1 {
		raw := d.lineAt(line)
		switch {
		case n.Style == 0:
			if col == 1 {
				col += len(raw) - len(strings.TrimLeft(raw, " \t"))
			}
		case strings.TrimSpace(raw) == "":
			continue
		default:
			if indent < 0 {
				indent = len(raw) - len(strings.TrimLeft(raw, " "))
			}
			col = indent + 1
		}
		text := string([]rune(raw)[min(col-1, utf8.RuneCountInString(raw)):])
		if n.Style == 0 {
			if i := strings.Index(text, " #"); i >= 0 {
				text = text[:i] // a comment ends a plain scalar's line
			}
		}
		text = strings.TrimRight(text, " \t\r")
		if text == "" {
			continue
		}
		i := strings.Index(value[p:], text)
		if i < 0 || strings.Trim(value[p:p+i], " \n") != "" {
			return nil
		}
		segs = append(segs, segment{off: p + i, len: len(text), line: line, col: col})
		p += i + len(text)
	}
	return segs
}

// quotedPos maps the end of before, a prefix of a quoted scalar's value, to
// a file position, stepping over escapes (\" and ”) in the file's text.
func (d *decoder) quotedPos(n *yaml.Node, before string) (int, int) {
	raw := []rune(d.lineAt(n.Line))
	i := d.valueColumn(n) // the character after the opening quote, 0-based
	for range utf8.RuneCountInString(before) {
		if i >= len(raw) {
			return n.Line, n.Column // the value goes on over more lines
		}
		switch {
		case n.Style == yaml.DoubleQuotedStyle && raw[i] == '\\' && i+1 < len(raw):
			i += escapeLen(raw[i+1])
		case n.Style == yaml.SingleQuotedStyle && raw[i] == '\'':
			i += 2
		default:
			i++
		}
	}
	return n.Line, i + 1
}

// escapeLen is the length in the file of a double-quoted escape whose
// letter is c.
func escapeLen(c rune) int {
	switch c {
	case 'x':
		return 4
	case 'u':
		return 6
	case 'U':
		return 10
	}
	return 2
}

func (d *decoder) lineAt(line int) string {
	if line >= 1 && line <= len(d.lines) {
		return d.lines[line-1]
	}
	return ""
}

// valueColumn is where n's value begins on its first line: after its
// anchor (&name), which yaml.v3 counts as the start of the node.
func (d *decoder) valueColumn(n *yaml.Node) int {
	raw := []rune(d.lineAt(n.Line))
	col := n.Column
	if n.Anchor == "" || col < 1 || col > len(raw) || !strings.HasPrefix(string(raw[col-1:]), "&"+n.Anchor) {
		return col
	}
	col += utf8.RuneCountInString("&" + n.Anchor)
	for col <= len(raw) && raw[col-1] == ' ' {
		col++
	}
	return col
}
