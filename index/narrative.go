package index

import (
	_ "embed"
	"slices"
	"sync"

	"github.com/smpbot/smpbot/knowledge"
)

// narrativeText is the pool of context sentences that real questions carry besides
// what they ask ("I got it done five years ago", "please be honest"); none names a
// subject of one entry. A build measures from it how narrative each term is
// (narrativeness), and cross-validation asks held-out phrasings inside its sentences
// (storiesOf, TestStoriesCV's narrative kinds).
//
//go:embed narrative.txt
var narrativeText string

// narrativeLines returns the pool of narrative context sentences, parsed once (one a
// line, # comments, as the out-of-scope file).
var narrativeLines = sync.OnceValue(func() []string {
	ls, err := knowledge.ParseOutOfScope(narrativeText)
	if err != nil {
		panic(err) // the file is fixed at compile time and tested
	}
	return ls
})

// narrDrop is the narrativeness from which a term is not searched while terms
// below it are left (informative).
const narrDrop = 0.75

// narrativeness returns, for each analysed term of the narrative pool, how much more
// often it is found in the pool's sentences than in the FAQ's phrasings, as the share
// rp/(rp+rf) of the rates at which pool sentences (rp) and phrasings (rf) hold it.
func narrativeness(memo *termMemo, phrasings [][]string, narrative []string) map[string]float64 {
	if len(narrative) == 0 {
		return nil
	}
	pool := map[string]float64{}
	for _, n := range narrative {
		for _, t := range distinctTerms(memo, prepare(n)) {
			pool[t]++
		}
	}
	faq := make(map[string]float64, len(pool))
	var np float64
	for _, ps := range phrasings {
		for _, p := range ps {
			np++
			for _, t := range distinctTerms(memo, p) {
				if _, ok := pool[t]; ok {
					faq[t]++
				}
			}
		}
	}
	out := make(map[string]float64, len(pool))
	for t, c := range pool {
		rp := c / float64(len(narrative))
		rf := faq[t] / max(np, 1)
		out[t] = rp / (rp + rf)
	}
	return out
}

func distinctTerms(memo *termMemo, text string) []string {
	ts := memo.Analyze([]byte(text))
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, string(t.Term))
	}
	slices.Sort(out)
	return slices.Compact(out)
}
