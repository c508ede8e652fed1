package index

import (
	"strings"
	"testing"
)

// removalWords name what the FAQ is about (removing, correcting, fading, regret); a
// sentence about getting a treatment holding one would teach that the FAQ's own
// subject is out of scope.
var removalWords = []string{
	"remov", "laser", "fade", "fading", "lighten", "regret", "correct", "undo", "gone",
	"saline", "botch", "blur", "migrat", "too dark", "get rid", "cover up", "camoufl",
}

// TestGettingPool checks the pool of sentences about getting a treatment: enough of
// them, none twice, none about removal or regret, and none taken from an evaluation
// question (nor a near copy of one: most of its words in one question).
func TestGettingPool(t *testing.T) {
	pool := gettingLines()
	checkPool(t, "getting", pool, 150)
	for _, l := range pool {
		low := strings.ToLower(l)
		for _, w := range removalWords {
			if strings.Contains(low, w) {
				t.Errorf("%q is about removal or regret (%q)", l, w)
			}
		}
	}
	checkNotFromSets(t, pool, false)
}

// longWords returns the words of s longer than three letters.
func longWords(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !isWordRune(r) && r != '\'' }) {
		if len(w) > 3 {
			m[w] = true
		}
	}
	return m
}

// share returns the share of the words of a that b holds.
func share(a, b map[string]bool) float64 {
	var in int
	for w := range a {
		if b[w] {
			in++
		}
	}
	return float64(in) / float64(max(len(a), 1))
}

// checkNotFromSets fails the test for each sentence of pool taken from an
// evaluation question or close to one (80% of its longer words in the question;
// with both, also 80% of a question's longer words in the sentence, for long
// sentences that could hold a question among their own words).
func checkNotFromSets(t *testing.T, pool []string, both bool) {
	t.Helper()
	for _, q := range setQuestions(t, "../bot/testdata/*.jsonl", "../../shared/eval/*.jsonl") {
		low, qw := strings.ToLower(q.text), longWords(q.text)
		for _, l := range pool {
			if len(strings.Fields(l)) >= 5 && strings.Contains(low, strings.ToLower(l)) {
				t.Errorf("%q is taken from the question %q (%s)", l, q.text, q.file)
				continue
			}
			lw := longWords(l)
			if len(lw) >= 4 && share(lw, qw) >= 0.8 || both && len(qw) >= 6 && share(qw, lw) >= 0.8 {
				t.Errorf("%q is close to the question %q (%s)", l, q.text, q.file)
			}
		}
	}
}
