package index

import (
	_ "embed"
	"hash/fnv"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/smpbot/smpbot/knowledge"
)

// narrativeText is the pool of context sentences that real questions carry besides
// what they ask ("I got it done five years ago", "please be honest"); none names a
// subject of one entry. See narrativeLines.
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

// Narrative augmentation: each class (every entry, and "none of these") is also
// trained on augPerClass of its phrasings with a narrative sentence before or after
// them, the same number for every class, so that narrative words are evidence for no
// class in particular instead of for the few entries whose phrasings are stories.
// augTotal bounds the copies in a large FAQ, whose training has no time to spare.
var (
	augPerClass = envInt("SMPBOT_AUG", 0)
	augTotal    = 4000
)

func envInt(k string, d int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil {
		return v
	}
	return d
}

// augment returns texts (phrasings by class) with narrative copies added to each
// class: a deterministic choice of phrasing, sentence and order. texts is not
// modified.
func augment(texts [][]string, narrative []string) [][]string {
	per := min(augPerClass, augTotal/max(len(texts), 1))
	if per == 0 || len(narrative) == 0 {
		return texts
	}
	out := make([][]string, len(texts))
	for c, ps := range texts {
		if len(ps) == 0 {
			out[c] = ps
			continue
		}
		more := make([]string, 0, len(ps)+per)
		more = append(more, ps...)
		h := fnv.New32a()
		for j := 0; j < per; j++ {
			p := ps[(j*7+c)%len(ps)]
			h.Reset()
			h.Write([]byte(p))
			h.Write([]byte{byte(j), byte(c), byte(c >> 8)})
			n := strings.TrimRight(narrative[h.Sum32()%uint32(len(narrative))], ".!?,")
			if j%2 == 0 {
				more = append(more, n+". "+p)
			} else {
				more = append(more, p+". "+n)
			}
		}
		out[c] = more
	}
	return out
}

var (
	narrQuery  = os.Getenv("SMPBOT_NARRQ") == "1"
	narrWeight = os.Getenv("SMPBOT_NARRW") == "1"
	narrPow    = float64(envInt("SMPBOT_NARRPOW", 100)) / 100
	narrDrop   = float64(envInt("SMPBOT_NARRDROP", 75)) / 100
)

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

var narrRankOnly = os.Getenv("SMPBOT_NARRRANK") == "1"

var sentEvidence = os.Getenv("SMPBOT_SENT") == "1"

// splitSentences splits text at sentence ends (. ? ! and line breaks), keeping the
// pieces that hold a word.
func splitSentences(text string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(text, func(r rune) bool { return r == '.' || r == '?' || r == '!' || r == '\n' }) {
		if strings.ContainsFunc(p, isWordRune) {
			out = append(out, p)
		}
	}
	return out
}
