package web

import (
	"strings"

	"github.com/smpbot/smpbot/knowledge"
)

// fieldDiff is how one field of an entry changed, line by line.
type fieldDiff struct {
	Field string
	Lines []diffLine
}

// diffLine is a line kept ("keep"), removed ("del") or added ("ins").
type diffLine struct {
	Op   string
	Text string
}

// entryFields lists an entry's fields as lines, in the order the form shows them.
func entryFields(e knowledge.Entry) [][2]any {
	src := make([]string, len(e.Sources))
	for i, s := range e.Sources {
		src[i] = s.Title + " | " + s.URL
	}
	one := func(s string) []string {
		if s == "" {
			return nil
		}
		return []string{s}
	}
	var answer []string
	if e.Answer != "" {
		answer = strings.Split(e.Answer, "\n")
	}
	return [][2]any{
		{"question", one(e.Question)}, {"alternates", e.Alternates}, {"answer", answer},
		{"caveats", e.Caveats}, {"tags", e.Tags}, {"related", e.Related}, {"sources", src}, {"updated", one(e.Updated)},
	}
}

// diffEntries lists the fields that differ between a and b.
func diffEntries(a, b knowledge.Entry) []fieldDiff {
	fa, fb := entryFields(a), entryFields(b)
	var out []fieldDiff
	for i := range fa {
		x, y := fa[i][1].([]string), fb[i][1].([]string)
		if equalLines(x, y) {
			continue
		}
		out = append(out, fieldDiff{Field: fa[i][0].(string), Lines: diffLines(x, y)})
	}
	return out
}

func equalLines(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// diffLines is a longest-common-subsequence diff; entry fields are short, so the
// quadratic table is small.
func diffLines(a, b []string) []diffLine {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []diffLine
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			out = append(out, diffLine{"keep", a[i]})
			i++
			j++
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			out = append(out, diffLine{"ins", b[j]})
			j++
		default:
			out = append(out, diffLine{"del", a[i]})
			i++
		}
	}
	return out
}
