package index

import "math"

// scopeClassifier is a logistic regression over a message's analysed terms that
// tells messages the FAQ should not answer from those it should, trained at every
// build. Its log-odds is one input of the scope model (scopeVector).
//
// The FAQ's phrasings are short and name their subject, while real questions are
// stories: the pool's real-shaped stories on both sides teach it which words, not
// which shapes, are off the FAQ's subject (index/MODEL.md, ninth round).
type scopeClassifier struct {
	w    map[string]float64
	bias float64
}

// scopeTrainPhrasings bounds how many of a large FAQ's phrasings train it.
const scopeTrainPhrasings = 3000

// trainScope trains the classifier (phrasings prepared, the pools raw text):
//   - to answer: the FAQ's phrasings, the pool's stories labelled with an entry,
//     and each line of the getting pool as an aside before a phrasing, because a
//     story that asks one of the FAQ's questions is in scope whatever else it says;
//   - to decline: the pool's stories labelled to decline and the getting pool.
//
// The out-of-scope file stays out: the main model's "none" class learns it already,
// and learning it twice cost right answers (MODEL.md, ninth round, v1-v10 against v11;
// tenth round b: all of it, or only the lines this classifier takes for in scope, cost
// 6-24 right answers on the sets for 3-7 more declines, refitted or not).
func trainScope(memo *termMemo, phrasings [][]string, ps pools) *scopeClassifier {
	type ex struct {
		terms []string
		y, w  float64
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
			xs = append(xs, ex{ts, y, 1})
		}
	}
	var all []string
	for _, p := range phrasings {
		all = append(all, p...)
	}
	if len(all) == 0 {
		return nil
	}
	stride := max(1, (len(all)+scopeTrainPhrasings-1)/scopeTrainPhrasings)
	for i := 0; i < len(all); i += stride {
		add(all[i], 0)
	}
	for _, st := range ps.stories {
		add(prepare(st.text), b2f(st.want == ""))
	}
	for j, g := range ps.getting {
		g = prepare(g)
		add(g, 1)
		add(g+" "+all[((j+1)*stride*7)%len(all)], 0)
	}
	var in, out float64
	for _, x := range xs {
		if x.y == 1 {
			out += x.w
		} else {
			in += x.w
		}
	}
	if out == 0 {
		return nil
	}
	// Both sides weigh the same in total: how often people ask off-topic questions
	// is not something the pools tell.
	for i := range xs {
		if xs[i].y == 1 {
			xs[i].w *= in / out
		}
	}
	c := &scopeClassifier{w: map[string]float64{}}
	const rate, l2 = 0.1, 1e-3
	for epoch := 0; epoch < 20; epoch++ {
		for _, x := range xs {
			z := c.bias
			for _, t := range x.terms {
				z += c.w[t]
			}
			g := (sigmoid(z) - x.y) * x.w
			g = math.Max(-5, math.Min(5, g))
			c.bias -= rate * g / 10
			for _, t := range x.terms {
				c.w[t] -= rate * (g + l2*c.w[t])
			}
		}
	}
	return c
}

// offTopic returns the classifier's log-odds that terms are a message to decline,
// clipped to ±6 and scaled to ±1 (0 without a classifier).
func (c *scopeClassifier) offTopic(terms []string) float64 {
	if c == nil {
		return 0
	}
	z := c.bias
	for _, t := range terms {
		z += c.w[t]
	}
	return math.Max(-6, math.Min(6, z)) / 6
}
