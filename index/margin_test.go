package index

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/smpbot/smpbot/knowledge"
)

// cvRecord is one held-out text's outcome under cross-validation: its candidates
// best first, with their fused scores, confidences and evidence.
type cvRecord struct {
	h     heldOut
	ids   []string
	fused []float64
	conf  []float64
	evs   []evidence
}

// collectCV cross-validates the shipped FAQ (with stories, if not nil) and returns
// every held-out text's candidates. The getting kinds (eighth round) are left out,
// so that the seventh round's figures stay those of its stories.
func collectCV(t *testing.T, stories storyMaker) []cvRecord {
	var recs []cvRecord
	err := crossValidate(context.Background(), shipped(t), knowledge.OutOfScope(), cvFolds, stories, func(h heldOut, cands []candidate) {
		if strings.HasPrefix(h.kind, "getting") {
			return
		}
		r := cvRecord{h: h}
		for _, c := range cands {
			r.ids = append(r.ids, c.id)
			r.fused = append(r.fused, c.fused)
			r.conf = append(r.conf, c.confidence)
			r.evs = append(r.evs, c.ev)
		}
		recs = append(recs, r)
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// pairKey orders a pair of entry ids.
func pairKey(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

// TestMarginCV: how wrong answers at the bot's threshold relate to the top two's
// closeness and to how often the pair is confused under cross-validation (go test
// ./index -run MarginCV -fit -v).
func TestMarginCV(t *testing.T) {
	if !*fit {
		t.Skip("only with -fit")
	}
	recs := collectCV(t, realStories)
	// Confusions per fold: plain held-out phrasings ranked first for another entry.
	conf := make([]map[[2]string]float64, cvFolds)
	count := make([]map[string]float64, cvFolds)
	for k := range conf {
		conf[k], count[k] = map[[2]string]float64{}, map[string]float64{}
	}
	for _, r := range recs {
		if r.h.story || r.h.want == "" || len(r.ids) == 0 {
			continue
		}
		count[r.h.fold][r.h.want]++
		if r.ids[0] != r.h.want {
			conf[r.h.fold][pairKey(r.ids[0], r.h.want)]++
		}
	}
	// cvc is the share of the pair's phrasings, in the other folds, taken for the other.
	cvc := func(fold int, a, b string) float64 {
		var c, n float64
		for k := range conf {
			if k == fold {
				continue
			}
			c += conf[k][pairKey(a, b)]
			n += count[k][a] + count[k][b]
		}
		return c / math.Max(n, 1)
	}
	grid := tally{}
	for _, r := range recs {
		if r.h.want == "" || len(r.ids) < 2 || r.conf[0] < 0.5 {
			continue
		}
		kind := r.h.kind
		if kind == "" {
			kind = "plain"
		}
		right := r.ids[0] == r.h.want
		c := cvc(r.h.fold, r.ids[0], r.ids[1])
		d := r.fused[0] - r.fused[1]
		cb := "c<.02"
		switch {
		case c >= 0.1:
			cb = "c>=.10"
		case c >= 0.05:
			cb = "c>=.05"
		case c >= 0.02:
			cb = "c>=.02"
		}
		db := "d>=2"
		switch {
		case d < 0.5:
			db = "d<0.5"
		case d < 1:
			db = "d<1"
		case d < 2:
			db = "d<2"
		}
		for _, key := range []string{kind, "all"} {
			for _, g := range []string{key + " " + cb + " " + db, key + " " + cb, key + " " + db, key} {
				grid.add(g, right)
			}
		}
	}
	grid.log(t)
}

// tally counts right and wrong answers by key.
type tally map[string]*[2]int

func (tl tally) add(key string, right bool) {
	b := tl[key]
	if b == nil {
		b = new([2]int)
		tl[key] = b
	}
	if right {
		b[0]++
	} else {
		b[1]++
	}
}

// log prints the counts, keys sorted, with the share wrong.
func (tl tally) log(t *testing.T) {
	keys := make([]string, 0, len(tl))
	for k := range tl {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b := tl[k]
		t.Logf("%-40s right %5d wrong %4d  wrong share %.3f", k, b[0], b[1], float64(b[1])/math.Max(1, float64(b[0]+b[1])))
	}
}

// gateCurve prints, for a gate score on the answered texts (higher keeps the
// answer), the right and wrong answers removed at each cut.
func gateCurve(t *testing.T, name string, recs []cvRecord, keep func(cvRecord) bool, score func(cvRecord) float64, cuts []float64) {
	for _, cut := range cuts {
		var right, wrong, lostR, lostW, oosAns int
		for _, r := range recs {
			if !keep(r) || len(r.ids) == 0 || r.conf[0] < 0.5 {
				continue
			}
			pass := score(r) >= cut
			if r.h.want == "" {
				if pass {
					oosAns++
				}
				continue
			}
			ok := r.ids[0] == r.h.want
			switch {
			case pass && ok:
				right++
			case pass:
				wrong++
			case ok:
				lostR++
			default:
				lostW++
			}
		}
		t.Logf("%-10s cut %6.3f right %5d wrong %4d | removed right %4d wrong %4d | oos answered %d", name, cut, right, wrong, lostR, lostW, oosAns)
	}
}

// TestMarginGate compares, on the answered held-out texts, declining when the top
// two's fused scores are close with raising the threshold (go test ./index -run
// MarginGate -fit -v).
func TestMarginGate(t *testing.T) {
	if !*fit {
		t.Skip("only with -fit")
	}
	recs := collectCV(t, realStories)
	margin := func(r cvRecord) float64 {
		if len(r.fused) < 2 {
			return 99
		}
		return r.fused[0] - r.fused[1]
	}
	top := func(r cvRecord) float64 { return r.conf[0] }
	for _, sel := range cvSelections {
		gateCurve(t, sel.name+" τ", recs, sel.keep, top, []float64{0.5, 0.55, 0.6, 0.65, 0.7})
		gateCurve(t, sel.name+" d", recs, sel.keep, margin, []float64{0, 0.25, 0.5, 0.75, 1, 1.5})
	}
}

// cvSelections are the held-out texts the gates are reported for: plain phrasings,
// stories but those with another entry's answer as an aside, and those.
var cvSelections = []struct {
	name string
	keep func(cvRecord) bool
}{
	{"plain", func(r cvRecord) bool { return !r.h.story }},
	{"stories", func(r cvRecord) bool { return r.h.story && r.h.kind != "answer-then" }},
	{"answer-then", func(r cvRecord) bool { return r.h.kind == "answer-then" }},
}

// share0 is the top candidate's softmax share of the fused scores.
func share0(r cvRecord) float64 {
	var sum float64
	for _, f := range r.fused {
		sum += math.Exp(f - r.fused[0])
	}
	return 1 / sum
}

// TestMarginPower weighs the best candidate's share more in the confidence
// (share^a instead of share) and reports what it removes at 0.5.
func TestMarginPower(t *testing.T) {
	if !*fit {
		t.Skip("only with -fit")
	}
	recs := collectCV(t, realStories)
	for _, sel := range cvSelections {
		for _, a := range []float64{1, 1.5, 2, 3, 4} {
			gateCurve(t, fmt.Sprintf("%s a=%g", sel.name, a), recs, sel.keep, func(r cvRecord) float64 {
				return r.conf[0] * math.Pow(share0(r), (a-1)/2)
			}, []float64{0.5})
		}
	}
}

// TestMarginSets describes (measures, fits nothing) the sets' answered questions:
// right and wrong by the top two's fused margin and by whether the model and BM25
// agree on the best (go test ./index -run MarginSets -fit -v).
func TestMarginSets(t *testing.T) {
	if !*fit {
		t.Skip("only with -fit")
	}
	x, err := New(shipped(t))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	s, err := x.acquire()
	if err != nil {
		t.Fatal(err)
	}
	defer s.release()
	tab := tally{}
	for _, f := range []string{"../../shared/eval/dev.jsonl", "../bot/testdata/questions.jsonl", "../bot/testdata/fresh.jsonl", "../bot/testdata/real.jsonl", "../bot/testdata/real2.jsonl", "../bot/testdata/real3.jsonl", "../bot/testdata/urgent_heldout2.jsonl"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Skip(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			var q struct {
				Q      string   `json:"q"`
				Accept []string `json:"accept"`
			}
			if json.Unmarshal([]byte(line), &q) != nil || len(q.Accept) == 0 {
				continue
			}
			cands, err := s.candidates(context.Background(), q.Q, 4)
			if err != nil {
				t.Fatal(err)
			}
			if len(cands) == 0 || cands[0].confidence < 0.5 {
				continue
			}
			right := slices.Contains(q.Accept, cands[0].id)
			d := 99.0
			if len(cands) > 1 {
				d = cands[0].fused - cands[1].fused
			}
			second := len(cands) > 1 && slices.Contains(q.Accept, cands[1].id)
			keys := []string{"all", fmt.Sprintf("agree=%v", cands[0].ev.modelTop && cands[0].ev.rankTop), fmt.Sprintf("accepted second=%v", second)}
			switch {
			case d < 0.5:
				keys = append(keys, "d<0.5")
			case d < 1:
				keys = append(keys, "d 0.5-1")
			case d < 2:
				keys = append(keys, "d 1-2")
			default:
				keys = append(keys, "d>=2")
			}
			switch {
			case cands[0].confidence < 0.6:
				keys = append(keys, "conf<0.6")
			case cands[0].confidence < 0.7:
				keys = append(keys, "conf 0.6-0.7")
			default:
				keys = append(keys, "conf>=0.7")
			}
			for _, k := range keys {
				tab.add(k, right)
			}
		}
	}
	tab.log(t)
}

// TestMarginAgree asks more confidence of a best candidate that the model and BM25
// do not both rank first.
func TestMarginAgree(t *testing.T) {
	if !*fit {
		t.Skip("only with -fit")
	}
	recs := collectCV(t, realStories)
	for _, sel := range cvSelections {
		gateCurve(t, sel.name+" agree", recs, sel.keep, func(r cvRecord) float64 {
			if r.evs[0].modelTop && r.evs[0].rankTop {
				return 1
			}
			return r.conf[0]
		}, []float64{0.5, 0.55, 0.6, 0.65, 0.7, 0.8})
	}
}

// TestMarginRescue reports the declined held-out texts whose best candidate the
// model and BM25 agree on and leads by a wide fused margin: right and wrong by
// confidence.
func TestMarginRescue(t *testing.T) {
	if !*fit {
		t.Skip("only with -fit")
	}
	recs := collectCV(t, realStories)
	for _, story := range []bool{false, true} {
		for _, lo := range []float64{0.45, 0.4, 0.35} {
			for _, dmin := range []float64{1, 2, 3} {
				var right, wrong, oos int
				for _, r := range recs {
					if r.h.story != story || r.h.kind == "answer-then" || len(r.ids) == 0 || r.conf[0] >= 0.5 || r.conf[0] < lo {
						continue
					}
					if !(r.evs[0].modelTop && r.evs[0].rankTop) {
						continue
					}
					if len(r.fused) > 1 && r.fused[0]-r.fused[1] < dmin {
						continue
					}
					switch {
					case r.h.want == "":
						oos++
					case r.ids[0] == r.h.want:
						right++
					default:
						wrong++
					}
				}
				t.Logf("story %v conf %.2f-0.5 agree, margin >= %g: right %d wrong %d out of scope %d", story, lo, dmin, right, wrong, oos)
			}
		}
	}
}

// TestMarginAttract reports wrong answers by how often, in the other folds, the
// answering entry was ranked first for another entry's plain phrasing (its CV
// precision as the best candidate).
func TestMarginAttract(t *testing.T) {
	if !*fit {
		t.Skip("only with -fit")
	}
	recs := collectCV(t, realStories)
	top := make([]map[string]float64, cvFolds)
	bad := make([]map[string]float64, cvFolds)
	for k := range top {
		top[k], bad[k] = map[string]float64{}, map[string]float64{}
	}
	for _, r := range recs {
		if r.h.story || r.h.want == "" || len(r.ids) == 0 {
			continue
		}
		top[r.h.fold][r.ids[0]]++
		if r.ids[0] != r.h.want {
			bad[r.h.fold][r.ids[0]]++
		}
	}
	attract := func(fold int, id string) float64 {
		var b, n float64
		for k := range top {
			if k != fold {
				b += bad[k][id]
				n += top[k][id]
			}
		}
		return b / math.Max(n, 1)
	}
	grid := tally{}
	for _, r := range recs {
		if r.h.want == "" || len(r.ids) == 0 || r.conf[0] < 0.5 || r.h.kind == "answer-then" {
			continue
		}
		a := attract(r.h.fold, r.ids[0])
		ab := "a<.05"
		switch {
		case a >= 0.2:
			ab = "a>=.20"
		case a >= 0.1:
			ab = "a>=.10"
		case a >= 0.05:
			ab = "a>=.05"
		}
		grid.add(fmt.Sprintf("story=%v %s", r.h.story, ab), r.ids[0] == r.h.want)
	}
	grid.log(t)
}
