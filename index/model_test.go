package index

import (
	"slices"
	"strings"
	"testing"
	"unicode"
)

// ngramsReference is the plain statement of the model's features: words, word pairs
// and the pieces of each word.
func ngramsReference(text string) []uint32 {
	ws := strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var out []uint32
	for i, w := range ws {
		if i > 0 {
			out = append(out, hashString(2, ws[i-1]+" "+w))
		}
		out = wordGrams(w, out)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Training remembers each word's features; a question's are computed afresh. Both
// must be the plain statement's.
func TestNgramsRemembered(t *testing.T) {
	texts := append(benchQuestions(t), "", "!!", "a", "don't stop", "café naïve smp\xff\xfe broken", strings.Repeat("x", 70)+" long word")
	for _, e := range shipped(t) {
		texts = append(texts, e.Question, e.Answer)
		texts = append(texts, e.Alternates...)
	}
	memo := gramMemo{}
	for round := 0; round < 2; round++ {
		for _, text := range texts {
			text = prepare(text)
			want := ngramsReference(text)
			if got := ngrams(text, nil); !slices.Equal(got, want) {
				t.Fatalf("ngrams(%q) = %v, want %v", text, got, want)
			}
			if got := ngramsOf(text, nil, memo.word); !slices.Equal(got, want) {
				t.Fatalf("remembered ngrams(%q) = %v, want %v", text, got, want)
			}
		}
	}
}
