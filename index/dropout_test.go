package index

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// TestDroppedWords: the words left out are fixed by the text, the epoch and the
// walk's seed (a build is reproducible), about dropP of them, and the features kept
// are exactly those of the words kept: each word's own features, and a word pair
// only when both of its words are kept.
func TestDroppedWords(t *testing.T) {
	texts := []string{}
	for _, e := range shipped(t) {
		texts = append(texts, prepareAll(e.Alternates)...)
	}
	if dropRate == 0 {
		dropRate = 0.2 // EXPERIMENT
	}
	var words, left int
	memo := gramMemo{}
	for i, text := range texts {
		wfs, n := wordFeatures(text, nil, memo.word)
		ws := strings.FieldsFunc(text, func(r rune) bool { return !isWordRune(r) })
		if n != len(ws) {
			t.Fatalf("wordFeatures(%q) counted %d words, want %d", text, n, len(ws))
		}
		hashes := make([]uint32, len(wfs))
		feats := make([]int32, len(wfs))
		from := make([]uint32, len(wfs))
		for j, wf := range wfs {
			hashes[j], feats[j], from[j] = wf.hash, int32(wf.hash), wf.from
		}
		if want := ngrams(text, nil); !slices.Equal(hashes, want) {
			t.Fatalf("wordFeatures(%q) has other features than ngrams", text)
		}
		ex := example{feats: feats, from: from, key: textKey(text), words: int32(n)}
		for epoch := range 6 {
			keep := keptWords(ex.key, n, epoch, 3, dropRate, nil)
			if again := keptWords(textKey(text), n, epoch, 3, dropRate, nil); again != keep {
				t.Fatalf("%q epoch %d: kept %b, then %b", text, epoch, keep, again)
			}
			if n > wordBits {
				continue
			}
			var kept []string
			for w := range ws {
				words++
				if keep&(1<<w) != 0 {
					kept = append(kept, ws[w])
				} else {
					left++
				}
			}
			got, _ := dropped(ex, epoch, 3, nil)
			var want []int32
			if len(kept) == 0 || len(kept) == n || int32(n) < dropMinWords {
				want = feats
			} else {
				// The kept words' own features and their pairs that stood side by side
				// (a pair said twice goes with its first occurrence).
				own, pairSeen := map[uint32]bool{}, map[uint32]bool{}
				for w, word := range ws {
					if w > 0 {
						h := hashString(2, ws[w-1]+" "+word)
						if !pairSeen[h] && keep&(1<<w) != 0 && keep&(1<<(w-1)) != 0 {
							own[h] = true
						}
						pairSeen[h] = true
					}
					if keep&(1<<w) == 0 {
						continue
					}
					for _, h := range wordGrams(word, nil) {
						own[h] = true
					}
				}
				for _, f := range feats {
					if own[uint32(f)] {
						want = append(want, f)
					}
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%q epoch %d keeping %v: %d features, want %d", text, epoch, kept, len(got), len(want))
			}
		}
		if i == 0 && keptWords(ex.key, n, 0, 3, dropRate, nil) == keptWords(ex.key, n, 0, 4, dropRate, nil) && keptWords(ex.key, n, 1, 3, dropRate, nil) == keptWords(ex.key, n, 0, 3, dropRate, nil) && n > 6 {
			t.Errorf("%q: the same words left out in another epoch and under another seed", text)
		}
	}
	if got := float64(left) / float64(words); math.Abs(got-dropRate) > 0.02 {
		t.Errorf("left out %d of %d words (%.3f), want about %.2f", left, words, got, dropRate)
	}
}
