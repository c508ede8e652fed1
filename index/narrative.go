package index

import (
	_ "embed"
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

// narrativeLines returns the pool of narrative context sentences, parsed once.
var narrativeLines = poolLines(narrativeText)

// poolLines returns a function that parses a pool of sentences fixed at compile time
// (one a line, # comments, as the out-of-scope file) once, on first use.
func poolLines(text string) func() []string {
	return sync.OnceValue(func() []string {
		ls, err := knowledge.ParseOutOfScope(text)
		if err != nil {
			panic(err) // the file is fixed at compile time and tested
		}
		return ls
	})
}

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
	// By pool term: the pool sentences and the phrasings holding it, and the last
	// text counted, so that a text counts once however often it repeats the term.
	type count struct {
		pool, faq float64
		last      int
	}
	terms := map[string]*count{}
	text := 0
	for _, n := range narrative {
		text++
		for _, t := range memo.Analyze([]byte(prepare(n))) {
			c := terms[string(t.Term)]
			if c == nil {
				c = &count{}
				terms[string(t.Term)] = c
			}
			if c.last != text {
				c.last = text
				c.pool++
			}
		}
	}
	// The phrasings are only looked up in: a large FAQ's many terms are not stored.
	var np float64
	for _, ps := range phrasings {
		for _, p := range ps {
			np++
			text++
			for _, t := range memo.Analyze([]byte(p)) {
				if c := terms[string(t.Term)]; c != nil && c.last != text {
					c.last = text
					c.faq++
				}
			}
		}
	}
	out := make(map[string]float64, len(terms))
	for t, c := range terms {
		rp := c.pool / float64(len(narrative))
		rf := c.faq / max(np, 1)
		out[t] = rp / (rp + rf)
	}
	return out
}
