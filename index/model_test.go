package index

import (
	"reflect"
	"slices"
	"strings"
	"sync"
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

// TestTrainModelOnceShares: builds over the same phrasings get the same model, and
// builds over other phrasings, trained alongside, another.
func TestTrainModelOnceShares(t *testing.T) {
	a := [][]string{{"how much does laser removal cost"}, {"does the laser hurt"}, {"what is the weather"}}
	b := [][]string{{"can smp be removed"}, {"how long does healing take"}, {"best pizza near me"}}
	got := make([]*model, 6)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			texts := a
			if i%2 == 1 {
				texts = b
			}
			got[i] = trainModelOnce(texts, 0)
		}()
	}
	wg.Wait()
	// A build that came after another's training ended may have trained again (one
	// model is remembered), but to the same weights.
	for i := 2; i < len(got); i++ {
		if got[i] != got[i%2] && !reflect.DeepEqual(got[i], got[i%2]) {
			t.Errorf("build %d got another model than build %d over the same phrasings", i, i%2)
		}
	}
	if got[0] == got[1] {
		t.Error("builds over different phrasings got the same model")
	}
	if first := trainModelOnce(b, 0); trainModelOnce(b, 0) != first {
		t.Error("a build over the phrasings last trained retrained")
	}
}
