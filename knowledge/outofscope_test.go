package knowledge

import (
	"strings"
	"testing"
)

// FuzzParseOutOfScope: any text parses or fails cleanly, and what it keeps are
// trimmed questions of an acceptable length, never comments or blanks.
func FuzzParseOutOfScope(f *testing.F) {
	f.Add(outOfScope)
	f.Add("# comment\n\n  spaced question  \r\nlast")
	f.Add(strings.Repeat("x", MaxQuestionLen+1))
	f.Fuzz(func(t *testing.T, text string) {
		qs, err := ParseOutOfScope(text)
		if err != nil {
			if qs != nil {
				t.Errorf("error %v with questions %q", err, qs)
			}
			return
		}
		for _, q := range qs {
			if q == "" || q != strings.TrimSpace(q) || strings.HasPrefix(q, "#") || len(q) > MaxQuestionLen {
				t.Errorf("kept %q", q)
			}
		}
	})
}
