package index

import (
	"strings"
	"unicode"
)

// speller corrects words that are not in the FAQ's vocabulary to the nearest word that
// is, so "sesions" and "remval" find what "sessions" and "removal" would. It is the
// index's typo tolerance: bleve's fuzzy queries work on stemmed terms, where a typo often
// lands too far from the stem to be found.
type speller struct {
	vocab  map[string]int    // word -> frequency in the FAQ
	byLen  map[int][]string  // words by length, for candidate lookup
	isStop func(string) bool // words search ignores are never corrected
}

func newSpeller(texts []string, isStop func(string) bool) *speller {
	sp := &speller{vocab: map[string]int{}, byLen: map[int][]string{}, isStop: isStop}
	for _, t := range texts {
		eachWord(t, func(w string) {
			if sp.vocab[w] == 0 {
				sp.byLen[len(w)] = append(sp.byLen[len(w)], w)
			}
			sp.vocab[w]++
		})
	}
	return sp
}

// words splits text into lower-case words of letters.
func words(text string) []string {
	var out []string
	eachWord(text, func(w string) { out = append(out, w) })
	return out
}

// eachWord calls f with each lower-case word of letters in text, in order.
func eachWord(text string, f func(w string)) {
	text = strings.ToLower(text)
	start := -1
	for i, r := range text {
		switch {
		case unicode.IsLetter(r) && start < 0:
			start = i
		case !unicode.IsLetter(r) && start >= 0:
			f(text[start:i])
			start = -1
		}
	}
	if start >= 0 {
		f(text[start:])
	}
}

// correct returns text with each unknown word of five letters or more replaced by the
// closest known word within one edit (two for words of nine letters or more).
func (sp *speller) correct(text string) string {
	var b strings.Builder
	changed := false
	for _, w := range words(text) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		if c := sp.fix(w); c != w {
			changed = true
			w = c
		}
		b.WriteString(w)
	}
	if !changed {
		return text
	}
	return b.String()
}

func (sp *speller) fix(w string) string {
	if len(w) < 5 || sp.vocab[w] > 0 || sp.isStop(w) {
		return w
	}
	max := 1
	if len(w) >= 9 {
		max = 2
	}
	best, bestD, bestF := w, max+1, 0
	for l := len(w) - max; l <= len(w)+max; l++ {
		for _, c := range sp.byLen[l] {
			// A typo rarely hits the first letter; insisting on it keeps "topping" from
			// becoming "popping".
			if c[0] != w[0] {
				continue
			}
			d := distance(w, c, max)
			if d < bestD || d == bestD && sp.vocab[c] > bestF {
				best, bestD, bestF = c, d, sp.vocab[c]
			}
		}
	}
	if bestD > max {
		return w
	}
	return best
}

// WithinEdits reports whether a and b are at most max edits apart (insertions,
// deletions, substitutions and swaps of neighbours): the typo tolerance the index
// uses, for callers that recognise words the same way.
func WithinEdits(a, b string, max int) bool { return distance(a, b, max) <= max }

// distance is the optimal-string-alignment edit distance between a and b (insertions,
// deletions, substitutions and swaps of neighbours), or max+1 once it is sure to
// exceed max.
func distance(a, b string, max int) int {
	if d := len(a) - len(b); d > max || -d > max {
		return max + 1
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
