package index

import (
	_ "embed"
	"math"
	"os"
	"strconv"
	"sync"

	"github.com/smpbot/smpbot/knowledge"
)

// gettingText is the pool of sentences about getting a treatment rather than
// living with one: considering a first SMP, booking, comparing practitioners, the
// first sittings and a new treatment's healing, hair transplants and hair loss
// treatment. The FAQ is about removing, correcting and living with SMP, so such
// messages sound like its entries while none answers them. A build measures from
// the pool how much each term belongs to getting a treatment (gettingness, as
// narrativeness), and the scope model weighs the share of a message that is
// getting-ish (MODEL.md, eighth round).
//
//go:embed getting.txt
var gettingText string

// gettingLines returns the pool, parsed once (one a line, # comments).
var gettingLines = sync.OnceValue(func() []string {
	ls, err := knowledge.ParseOutOfScope(gettingText)
	if err != nil {
		panic(err) // the file is fixed at compile time and tested
	}
	return ls
})

// gettingShare is the share of the text's term weight (inverse document frequency,
// as in features) that is getting-ish: each term weighs by its gettingness. A
// message about removing a treatment it got years ago keeps most of its weight on
// the FAQ's words; one about booking a first treatment does not.
func (s *snapshot) gettingShare(terms []string) float64 {
	if len(s.get) == 0 || os.Getenv("SMPBOT_GETF") == "0" {
		return 0
	}
	if getCls {
		return s.getCls.prob(terms)
	}
	n := float64(len(s.order))
	unit := math.Log1p(n)
	var got, total float64
	for _, t := range terms {
		w := math.Log1p(n/float64(s.docFreq(t)+1)) / unit
		total += w
		got += w * s.get[t]
	}
	if total == 0 {
		return 0
	}
	return got / total
}

// gettingness returns, for each analysed term of the getting pool, how much more
// often it is found in the pool's sentences than in the FAQ's phrasings or the
// narrative pool's sentences: rg/(rg+rf+rn), the rates at which each holds it. The
// narrative pool counts against it because real questions about removal carry the
// same narrative ("I'm", "my wife", "two weeks") as questions about getting one.
func gettingness(memo *termMemo, phrasings [][]string, narrative, getting []string) map[string]float64 {
	g := narrativeness(memo, phrasings, getting) // rg/(rg+rf)
	if len(g) == 0 || len(narrative) == 0 {
		return g
	}
	rn := poolRates(memo, narrative)
	rg := poolRates(memo, getting)
	for t, v := range g {
		if v == 0 {
			continue
		}
		// rg/(rg+rf) = v gives rf = rg(1-v)/v.
		rf := rg[t] * (1 - v) / v
		g[t] = rg[t] / (rg[t] + rf + rn[t])
	}
	return g
}

// poolRates returns the share of texts holding each analysed term.
func poolRates(memo *termMemo, texts []string) map[string]float64 {
	out := map[string]float64{}
	for _, x := range texts {
		seen := map[string]bool{}
		for _, t := range memo.Analyze([]byte(prepare(x))) {
			if !seen[string(t.Term)] {
				seen[string(t.Term)] = true
				out[string(t.Term)]++
			}
		}
	}
	for t := range out {
		out[t] /= float64(len(texts))
	}
	return out
}

// gettingClassifier is a logistic regression over analysed terms: the getting pool
// against the FAQ's phrasings and the narrative pool (SMPBOT_GETCLS experiment).
type gettingClassifier struct {
	w    map[string]float64
	bias float64
}

var getCls = os.Getenv("SMPBOT_GETCLS") == "1"

func trainGetting(memo *termMemo, phrasings [][]string, narrative, getting []string) *gettingClassifier {
	if len(getting) == 0 {
		return nil
	}
	type ex struct {
		terms []string
		y     float64
	}
	var xs []ex
	add := func(text string, y float64) {
		seen := map[string]bool{}
		var ts []string
		for _, t := range memo.Analyze([]byte(text)) {
			if !seen[string(t.Term)] {
				seen[string(t.Term)] = true
				ts = append(ts, string(t.Term))
			}
		}
		if len(ts) > 0 {
			xs = append(xs, ex{ts, y})
		}
	}
	var neg []string
	for _, ps := range phrasings {
		neg = append(neg, ps...)
	}
	stride := max(1, len(neg)/3000)
	var nneg int
	for i := 0; i < len(neg); i += stride {
		add(neg[i], 0)
		nneg++
	}
	if os.Getenv("SMPBOT_GETNARR") != "0" {
		for _, n := range narrative {
			add(prepare(n), 0)
			nneg++
		}
	}
	for _, g := range getting {
		add(prepare(g), 1)
	}
	// Both sides weigh the same in total.
	wpos := float64(nneg) / float64(len(getting))
	c := &gettingClassifier{w: map[string]float64{}}
	rate, l2 := 0.1, 1e-3
	if v, err := strconv.ParseFloat(os.Getenv("SMPBOT_GETL2"), 64); err == nil {
		l2 = v
	}
	for epoch := 0; epoch < 20; epoch++ {
		for _, x := range xs {
			z := c.bias
			for _, t := range x.terms {
				z += c.w[t]
			}
			g := sigmoid(z) - x.y
			if x.y == 1 {
				g *= wpos
			}
			g = math.Max(-5, math.Min(5, g))
			c.bias -= rate * g / 10
			for _, t := range x.terms {
				c.w[t] -= rate * (g + l2*c.w[t])
			}
		}
	}
	return c
}

func (c *gettingClassifier) prob(terms []string) float64 {
	if c == nil {
		return 0
	}
	z := c.bias
	for _, t := range terms {
		z += c.w[t]
	}
	switch os.Getenv("SMPBOT_GETLOGIT") {
	case "1":
		return math.Max(-6, math.Min(6, z)) / 6
	case "pos":
		return math.Max(0, math.Min(6, z)) / 6
	}
	return sigmoid(z)
}
