package index

import (
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"
)

// ngramsReference is the plain statement of the model's features: words, word pairs,
// pairs one word apart and the pieces of each word.
func ngramsReference(text string) []uint32 {
	ws := strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var out []uint32
	for i, w := range ws {
		if i > 0 {
			out = append(out, hashString(2, ws[i-1]+" "+w))
		}
		if i > 1 {
			out = append(out, hashString(3, ws[i-2]+" "+w))
		}
		out = wordGrams(w, out)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// A question's frame keeps a feature when a word is slotted into it: the pair of
// words one word apart is shared where the word pairs are not.
func TestSkipPairs(t *testing.T) {
	tests := []struct {
		a, b string
		want []string // the pairs one word apart that both texts' features hold
	}{
		{"how long after laser", "how long after the laser", []string{"how after"}},
		{"how many weeks after laser", "how many more weeks after laser", []string{"weeks laser"}},
		{"can i swim", "can i go swimming", nil},
		{"laser", "laser", nil},
	}
	for _, tt := range tests {
		a, b := ngrams(tt.a, nil), ngrams(tt.b, nil)
		var got []string
		for _, p := range candidatePairs(tt.a, tt.b) {
			h := hashString(3, p)
			_, inA := slices.BinarySearch(a, h)
			_, inB := slices.BinarySearch(b, h)
			if inA && inB {
				got = append(got, p)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%q and %q share the pairs one word apart %q, want %q", tt.a, tt.b, got, tt.want)
		}
	}
}

// candidatePairs are every ordered pair of two texts' words.
func candidatePairs(a, b string) []string {
	var out []string
	for _, x := range strings.Fields(a + " " + b) {
		for _, y := range strings.Fields(a + " " + b) {
			out = append(out, x+" "+y)
		}
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
