package console

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// ANSI select-graphic-rendition codes for bold on and off.
const (
	boldOn  = "\x1b[1m"
	boldOff = "\x1b[22m"
)

// Markers standing for bold on and off while a line is wrapped; they take no column.
const (
	markOn  = '\x01'
	markOff = '\x02'
)

var (
	mdBold  = regexp.MustCompile(`\*\*([^*\n]+?)\*\*`)
	toANSI  = strings.NewReplacer(string(markOn), boldOn, string(markOff), boldOff)
	toPlain = strings.NewReplacer(string(markOn), "", string(markOff), "")
)

// Format lays out text in the light Markdown that replies are written in (**bold**,
// "- " and "* " items, numbered items) for a screen. With ansi set (a terminal),
// bold is shown bold and unnumbered items get a bullet; without, the asterisks are
// dropped and the text stays plain. With width > 0 every line is wrapped to width
// columns, list items with a hanging indent; a word longer than a line is not broken.
func Format(text string, width int, ansi bool) string {
	lines := strings.Split(text, "\n")
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		marker, body := listItem(l)
		if marker == "- " && ansi {
			marker = "• "
		}
		body = mdBold.ReplaceAllString(body, string(markOn)+"$1"+string(markOff))
		formatted := marker + body
		if width > 0 {
			formatted = wrap(marker, body, width)
		}
		if ansi {
			b.WriteString(toANSI.Replace(formatted))
		} else {
			b.WriteString(toPlain.Replace(formatted))
		}
	}
	return b.String()
}

var numbered = regexp.MustCompile(`^\s*\d{1,3}\. `)

// listItem splits a list item's marker ("- ", "12. ", with its indentation) from its
// text; for other lines the marker is "".
func listItem(l string) (marker, body string) {
	trimmed := strings.TrimLeft(l, " ")
	indent := l[:len(l)-len(trimmed)]
	for _, m := range []string{"- ", "* "} {
		if rest, ok := strings.CutPrefix(trimmed, m); ok {
			return indent + "- ", rest
		}
	}
	if m := numbered.FindString(l); m != "" {
		return m, l[len(m):]
	}
	return "", l
}

// wrap fills body into lines of at most width columns after marker, indenting
// continuation lines by the marker's width. While a line is bold across a break, bold
// is turned off before the break and on again after the indent, so that the indent
// is never drawn bold.
func wrap(marker, body string, width int) string {
	indent := strings.Repeat(" ", columns(marker))
	if columns(indent) > width/2 {
		indent = ""
	}
	var b strings.Builder
	b.WriteString(marker)
	col := columns(marker)
	bold := false
	lineStart := true
	for _, w := range strings.Fields(body) {
		n := columns(w)
		if !lineStart && col+1+n > width {
			if bold {
				b.WriteRune(markOff)
			}
			b.WriteString("\n" + indent)
			if bold {
				b.WriteRune(markOn)
			}
			col = len(indent)
			lineStart = true
		}
		if !lineStart {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(w)
		col += n
		lineStart = false
		if i, j := strings.LastIndexByte(w, markOn), strings.LastIndexByte(w, markOff); i > j {
			bold = true
		} else if j > i {
			bold = false
		}
	}
	return b.String()
}

// columns is how many columns s takes: its runes, less the bold markers.
func columns(s string) int {
	return utf8.RuneCountInString(s) - strings.Count(s, string(markOn)) - strings.Count(s, string(markOff))
}
