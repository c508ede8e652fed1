package index

import (
	"context"
	"flag"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/smpbot/smpbot/knowledge"
)

var fit = flag.Bool("fit", false, "TestFitFusion: refit the fusion weights by cross-validation and print them")

// cvFolds is how many folds the fusion is fitted over.
const cvFolds = 5

// TestFitFusion refits fusionWeights on the shipped FAQ's held-out phrasings and the
// out-of-scope questions (go test ./index -run FitFusion -fit -v); the evaluation sets
// play no part. Without -fit it only checks that the fitted weights are in use.
func TestFitFusion(t *testing.T) {
	if !*fit {
		t.Skip("refits only with -fit")
	}
	type query struct {
		in  bool
		evs []evidence
		ys  []float64
	}
	var qs []query
	err := crossValidate(context.Background(), shipped(t), knowledge.OutOfScope(), cvFolds, true, func(want, text string, cands []candidate) {
		q := query{in: want != ""}
		for _, c := range cands {
			q.evs = append(q.evs, c.ev)
			q.ys = append(q.ys, b2f(c.id == want))
		}
		qs = append(qs, q)
	})
	if err != nil {
		t.Fatal(err)
	}
	var xs [][]float64
	var ys []float64
	for _, q := range qs {
		for i, ev := range q.evs {
			xs = append(xs, ev.vector())
			ys = append(ys, q.ys[i])
		}
	}
	w := fitLogistic(xs, ys, 0.01, 3000)
	// The scope model sees each text's best candidate under the fitted fusion.
	xs, ys = nil, nil
	for _, q := range qs {
		if len(q.evs) == 0 {
			continue
		}
		best, bz := 0, math.Inf(-1)
		for i, ev := range q.evs {
			if z := dot(w, ev.vector()); z > bz {
				best, bz = i, z
			}
		}
		xs = append(xs, scopeVector(q.evs[best], bz))
		ys = append(ys, b2f(q.in))
	}
	// Both sides weigh the same in total: how often people ask off-topic questions
	// is not something the FAQ's phrasings tell.
	var in float64
	for _, y := range ys {
		in += y
	}
	ws := make([]float64, len(ys))
	for i, y := range ys {
		ws[i] = float64(len(ys)) / 2 / in
		if y == 0 {
			ws[i] = float64(len(ys)) / 2 / (float64(len(ys)) - in)
		}
	}
	sw := fitWeighted(xs, ys, ws, 0.01, 3000)
	// The sharpness of the candidates' shares: the one that best predicts which
	// candidate is right (conditional likelihood).
	bestTemp, bestLL := 1.0, math.Inf(-1)
	for temp := 0.5; temp <= 8; temp += 0.25 {
		var ll float64
		for _, q := range qs {
			var zs []float64
			right := -1
			for i, ev := range q.evs {
				zs = append(zs, temp*dot(w, ev.vector()))
				if q.ys[i] == 1 {
					right = i
				}
			}
			if right < 0 {
				continue
			}
			m := slices.Max(zs)
			var sum float64
			for _, z := range zs {
				sum += math.Exp(z - m)
			}
			ll += zs[right] - m - math.Log(sum)
		}
		if ll > bestLL {
			bestTemp, bestLL = temp, ll
		}
	}
	t.Logf("shareTemp = %g", bestTemp)
	t.Logf("fusionWeights = []float64{%s}", list(w))
	t.Logf("scopeWeights = []float64{%s}", list(sw))
}

func list(w []float64) string {
	var b strings.Builder
	for _, v := range w {
		fmt.Fprintf(&b, "%.3g, ", v)
	}
	return strings.TrimSuffix(b.String(), ", ")
}

// fitLogistic fits logistic regression by gradient descent with L2 penalty l2 (not on
// the intercept, xs[i][0]).
func fitLogistic(xs [][]float64, ys []float64, l2 float64, iters int) []float64 {
	return fitWeighted(xs, ys, nil, l2, iters)
}

// fitWeighted is fitLogistic with a weight per example (nil: all 1).
func fitWeighted(xs [][]float64, ys, ws []float64, l2 float64, iters int) []float64 {
	d := len(xs[0])
	w := make([]float64, d)
	g := make([]float64, d)
	// Adam, for features of very different scales.
	m1 := make([]float64, d)
	m2 := make([]float64, d)
	const lr, b1, b2 = 0.05, 0.9, 0.999
	for it := 1; it <= iters; it++ {
		clear(g)
		for i, x := range xs {
			var z float64
			for j := range x {
				z += w[j] * x[j]
			}
			p := 1 / (1 + math.Exp(-z))
			wt := 1.0
			if ws != nil {
				wt = ws[i]
			}
			for j := range x {
				g[j] += wt * (p - ys[i]) * x[j]
			}
		}
		for j := range g {
			g[j] /= float64(len(xs))
			if j > 0 {
				g[j] += l2 * w[j]
			}
			m1[j] = b1*m1[j] + (1-b1)*g[j]
			m2[j] = b2*m2[j] + (1-b2)*g[j]*g[j]
			mh := m1[j] / (1 - math.Pow(b1, float64(it)))
			vh := m2[j] / (1 - math.Pow(b2, float64(it)))
			w[j] -= lr * mh / (math.Sqrt(vh) + 1e-8)
		}
	}
	return w
}

// TestRankingsCV reports, per held-out phrasing, how often each ranking alone puts
// the right entry first (go test ./index -run RankingsCV -fit -v).
func TestRankingsCV(t *testing.T) {
	if !*fit {
		t.Skip("only with -fit")
	}
	var n, byModel, byRank, byFused int
	var oldRight, oldWrong, oos, oldOOS int // the ranking and confidence before the model
	err := crossValidate(context.Background(), shipped(t), knowledge.OutOfScope(), cvFolds, false, func(want, text string, cands []candidate) {
		old := -1
		for i, c := range cands {
			if c.score > 0 && (old < 0 || c.ev.rank > cands[old].ev.rank) {
				old = i
			}
		}
		answered := old >= 0 && cands[old].ev.conf >= 0.5
		if want == "" {
			oos++
			oldOOS += int(b2f(!answered))
			return
		}
		if answered && cands[old].id == want {
			oldRight++
		} else if answered {
			oldWrong++
		}
		n++
		for i, c := range cands {
			if c.id != want {
				continue
			}
			byModel += int(b2f(c.ev.modelTop))
			byRank += int(b2f(c.ev.rankTop))
			byFused += int(b2f(i == 0))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d held out, ranked first by: model %.3f, bm25+coverage %.3f, fused %.3f", n, float64(byModel)/float64(n), float64(byRank)/float64(n), float64(byFused)/float64(n))
	t.Logf("before the model: answered right %.3f, wrong %.3f; out of scope declined %d/%d", float64(oldRight)/float64(n), float64(oldWrong)/float64(n), oldOOS, oos)
}
