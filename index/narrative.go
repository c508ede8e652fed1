package index

import (
	_ "embed"
	"sync"

	"github.com/smpbot/smpbot/knowledge"
)

// narrativeText is the pool of context sentences that real questions carry besides
// what they ask ("I got it done five years ago", "please be honest"); none names a
// subject of one entry. Cross-validation asks held-out phrasings inside them
// (TestStoriesCV's narrative kinds); MODEL.md's fourth round records what using them
// in training and ranking did.
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
