package bot

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var (
	urgentCV    = flag.Bool("urgentcv", false, "print the cross-validated comparison of urgent designs (TestUrgentDesigns)")
	heldoutFile = flag.String("heldout", "", "a held-out set to measure the designs on once (TestUrgentDesigns)")
)

// cvFlags gives, for every example, the model's probability and its flag when the
// example's fold was held out of training (k folds, the messages of a pair in one).
func cvFlags(exs []urgentExample, p urgentModelParams, k int) (probs, parts []float64, flags []bool) {
	probs = make([]float64, len(exs))
	parts = make([]float64, len(exs))
	flags = make([]bool, len(exs))
	for fold := 0; fold < k; fold++ {
		var train []urgentExample
		for _, e := range exs {
			if e.group%k != fold {
				train = append(train, e)
			}
		}
		m := trainUrgent(train, p)
		for i, e := range exs {
			if e.group%k == fold {
				all := sentenceTokens(e.text)
				rs := readRules(all)
				probs[i], parts[i] = m.read(all, rs)
				flags[i] = !p.vetoed(all, rs) && p.decide(probs[i], parts[i], rs)
			}
		}
	}
	return probs, parts, flags
}

// cvMixedFlags is cvFlags on messages of the pairs joined to an FAQ or out-of-scope
// question of the same fold (withAsides over the held-out fold): what a message
// asking two things gets.
func cvMixedFlags(exs []urgentExample, p urgentModelParams, k int) ([]urgentExample, []bool) {
	var tests []urgentExample
	var flags []bool
	for fold := 0; fold < k; fold++ {
		var train, held []urgentExample
		for _, e := range exs {
			if e.group%k != fold {
				train = append(train, e)
			} else {
				held = append(held, e)
			}
		}
		m := trainUrgent(train, p)
		for _, e := range withAsides(held, false) {
			if e.source == "aside" {
				e.source = "pairs"
				tests = append(tests, e)
				flags = append(flags, m.flags(e.text))
			}
		}
	}
	return tests, flags
}

func cvFlagsOnly(exs []urgentExample, p urgentModelParams, k int) []bool {
	_, _, flags := cvFlags(exs, p, k)
	return flags
}

// cvCounts tallies flags by kind of example, as the handler flags: a question on how
// to recognise a complication after the treatment is flagged whatever IsUrgent says.
type cvCounts struct {
	pos, posHit, pairNeg, pairFalse, otherNeg, otherFalse int
}

func (c cvCounts) recall() float64        { return float64(c.posHit) / float64(c.pos) }
func (c cvCounts) pairFalseRate() float64 { return float64(c.pairFalse) / float64(c.pairNeg) }

func (c cvCounts) String() string {
	s := fmt.Sprintf("recall %d/%d (%.3f), ordinary pairs flagged %d/%d (%.3f)", c.posHit, c.pos, c.recall(), c.pairFalse, c.pairNeg, c.pairFalseRate())
	if c.otherNeg > 0 {
		s += fmt.Sprintf(", FAQ and out-of-scope flagged %d/%d", c.otherFalse, c.otherNeg)
	}
	return s
}

func tally(exs []urgentExample, flags []bool) cvCounts {
	var c cvCounts
	for i, e := range exs {
		flagged := flags[i] || signsAfterTreatment(e.text)
		switch {
		case e.urgent:
			c.pos++
			c.posHit += b2i(flagged)
		case e.source == "pairs":
			c.pairNeg++
			c.pairFalse += b2i(flagged)
		default:
			c.otherNeg++
			c.otherFalse += b2i(flagged)
		}
	}
	return c
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// rulesSeenPairs is how many lines of urgent_pairs.jsonl the rules were written
// from; the lines after them (the first held-out set, and examples written for the
// model) are new to the rules, so on them the rules' signals are measured honestly.
const rulesSeenPairs = 283

func rulesUnseen(exs []urgentExample, flags []bool) ([]urgentExample, []bool) {
	var e2 []urgentExample
	var f2 []bool
	for i, e := range exs {
		if e.source == "pairs" && e.line > rulesSeenPairs {
			e2 = append(e2, e)
			f2 = append(f2, flags[i])
		}
	}
	return e2, f2
}

// TestUrgentCrossValidated holds the shipped design to its cross-validated figures
// (5 folds, the two messages of a pair in one fold), measured when it was chosen:
// recall 185/191 (0.969), ordinary pairs flagged 10/221 (0.045), FAQ phrasings and
// out-of-scope questions flagged 15/1544; after main's FAQ edits of the same day
// (1,681 phrasings and questions), 183/191, 10/221, 16/1681. With the third held-out
// set's changes (URGENT.md; 136 more pairs, the course-of-healing groups, threshold
// 0.6, veto 0.05): 218/225, 15/329, 7/1879. With the fourth round's (50 more pairs,
// the vetoes of questions about care and risk and of settling messages): 233/239,
// 6/365, 4/1879. With the fifth round's (heldout2, heldout3 and heldout4 moved into
// the pairs, 198 lines; a normal temperature vetoes): 311/315, 13/487, 4/1879. With
// the sixth round's (one pair relabelled; rules for clear fluid, near misses, other
// procedures' swelling, "can X give you"; strong signs never vetoed; the steady and
// no-body vetoes): 312/314, 7/488, 3/1879. With the seventh round's (heldout5 and
// heldout6 moved into the pairs, 16 new pairs; eye words beside a brow or eyeliner
// site masked; relief that is over, comparisons of place and with the usual; the
// general-question and worry vetoes; fainting a strong sign): 345/347, 7/586,
// 2/1879. With the ninth round's (folds of FAQ phrasings drawn from their texts, the
// walk and asides too; a recurring reaction and a session's pain): 345/347, 7/586,
// 2/1879. The FAQ is training data that moderators edit, so the floors leave room.
func TestUrgentCrossValidated(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the model five times")
	}
	exs, err := urgentExamples()
	if err != nil {
		t.Fatal(err)
	}
	_, _, flags := cvFlags(exs, shippedUrgentParams, 5)
	c := tally(exs, flags)
	t.Log(c)
	if c.recall() < 0.94 || c.pairFalseRate() > 0.055 || float64(c.otherFalse) > 0.012*float64(c.otherNeg) {
		t.Errorf("%v; want recall at least 0.94, ordinary pairs flagged at most 0.055, others at most 1.2%%", c)
	}
}

// TestUrgentModelIsDeterministic: two trainings give the same weights, so a message
// is read the same in every process.
func TestUrgentModelIsDeterministic(t *testing.T) {
	exs, err := urgentExamples()
	if err != nil {
		t.Fatal(err)
	}
	a, b := trainUrgent(exs, shippedUrgentParams), trainUrgent(exs, shippedUrgentParams)
	for i := range a.w {
		if a.w[i] != b.w[i] {
			t.Fatalf("weight %d: %v and %v", i, a.w[i], b.w[i])
		}
	}
	if a.w[fBias] == 0 || a.w[fNormal] >= 0 {
		t.Errorf("bias %v, asking what is normal %v: want a trained bias and a normality question weighing against urgent", a.w[fBias], a.w[fNormal])
	}
}

// TestUrgentDesigns compares designs of the urgent detector by 5-fold
// cross-validation over the training examples; with -heldout FILE it also measures
// some on a held-out set (once per frozen design: do not tune on it). URGENT.md has
// the numbers that decided the design.
//
//	go test ./bot -run UrgentDesigns -urgentcv -v
//	go test ./bot -run UrgentDesigns -urgentcv -heldout testdata/urgent_heldout2.jsonl -v
func TestUrgentDesigns(t *testing.T) {
	if !*urgentCV {
		t.Skip("a comparison for choosing the design, not a test: run with -urgentcv")
	}
	exs, err := urgentExamples()
	if err != nil {
		t.Fatal(err)
	}
	rules := make([]bool, len(exs))
	normal := make([]bool, len(exs)) // vetoed as a question about what is normal
	toks := make([][][]token, len(exs))
	rss := make([]ruleSignals, len(exs))
	for i, e := range exs {
		toks[i] = sentenceTokens(e.text)
		rss[i] = readRules(toks[i])
		rules[i], normal[i] = rss[i].any(), !rss[i].any() && asksIfNormal(toks[i])
	}
	t.Logf("%-44s %v", "rules alone (written from most pairs)", tally(exs, rules))
	t.Logf("%-44s unseen by the rules: %v", "", tally(rulesUnseen(exs, rules)))

	// The model alone (no rules in the decision), its features.
	alone := shippedUrgentParams
	alone.withRules = false
	type design struct {
		name string
		p    func(*urgentModelParams)
	}
	for _, d := range []design{
		{"model: word 1-grams", func(p *urgentModelParams) { p.bigrams, p.cues, p.context, p.course = false, false, false, false }},
		{"model: word 1-2-grams", func(p *urgentModelParams) { p.cues, p.context, p.course = false, false, false }},
		{"model: 1-2-grams + cue groups", func(p *urgentModelParams) { p.context, p.course = false, false }},
		{"model: 1-2-grams + cue groups + context", func(p *urgentModelParams) { p.course = false }},
		{"model: same + course of healing groups", func(p *urgentModelParams) { p.course = true }},
		{"model: same, 30 epochs", func(p *urgentModelParams) { p.epochs = 30 }},
		{"model: same, L2 1e-3", func(p *urgentModelParams) { p.l2 = 1e-3 }},
		{"model: same, threshold 0.3", func(p *urgentModelParams) { p.threshold = 0.3 }},
		{"model: same, threshold 0.7", func(p *urgentModelParams) { p.threshold = 0.7 }},
		{"model: same + rule signals as features", func(p *urgentModelParams) { p.ruleFeats = true }},
	} {
		p := alone
		d.p(&p)
		_, _, flags := cvFlags(exs, p, 5)
		t.Logf("%-44s %v", d.name, tally(exs, flags))
		t.Logf("%-44s unseen by the rules: %v", "", tally(rulesUnseen(exs, flags)))
	}

	// How a message is read, alone and joined to another question.
	for _, c := range []struct {
		units      int
		mixed      bool
		withRules  bool
		vetoOnPart bool
	}{
		{0, false, false, false}, {0, false, true, false}, {1, false, true, false}, {1, true, false, false},
		{1, true, true, false}, {1, false, true, true}, {1, true, true, true}, {2, true, true, false},
	} {
		p := shippedUrgentParams
		p.units, p.mixed, p.withRules, p.vetoParts = c.units, c.mixed, c.withRules, c.vetoOnPart
		_, _, flags := cvFlags(exs, p, 5)
		m := trainUrgent(exs, p)
		var fit []string
		for _, e := range exs {
			if e.source == "pairs" && m.flags(e.text) != e.urgent && !signsAfterTreatment(e.text) {
				fit = append(fit, e.text)
			}
		}
		t.Logf("units %d, asides %v, rules %v, veto on clauses %v: %v", c.units, c.mixed, c.withRules, c.vetoOnPart, tally(exs, flags))
		t.Logf("%-44s joined to another question: %v; pairs not fitted: %d", "", tally(cvMixedFlags(exs, p, 5)), len(fit))
	}

	// The veto.
	probs, parts, _ := cvFlags(exs, shippedUrgentParams, 5)
	for _, veto := range []float64{0, 0.02, 0.05, 0.1, 0.2, 0.3} {
		p := shippedUrgentParams
		p.veto, p.severeVeto = veto, veto
		flags := make([]bool, len(exs))
		for i := range exs {
			flags[i] = !normal[i] && p.decide(probs[i], parts[i], rss[i])
		}
		t.Logf("model, or rules unless model < %.2f: %v", veto, tally(exs, flags))
		t.Logf("%-44s unseen by the rules: %v", "", tally(rulesUnseen(exs, flags)))
	}

	// The threshold and the veto together, on the same cross-validated readings,
	// with the vetoes of a question about care or a risk, or a message saying the
	// after-effect is settling.
	for _, v := range []struct{ care, risk, better bool }{
		{false, false, false}, {true, false, false}, {true, true, false}, {true, false, true}, {true, true, true},
	} {
		for _, threshold := range []float64{0.5, 0.6, 0.7, 0.8, 0.9} {
			for _, veto := range []float64{0.02, 0.05, 0.1} {
				p := shippedUrgentParams
				p.threshold, p.veto = threshold, veto
				p.careVeto, p.riskVeto, p.betterVeto = v.care, v.risk, v.better
				flags := make([]bool, len(exs))
				for i := range exs {
					flags[i] = !p.vetoed(toks[i], rss[i]) && p.decide(probs[i], parts[i], rss[i])
				}
				t.Logf("threshold %.2f, veto %.2f, vetoes care %v risk %v settling %v: %v", threshold, veto, v.care, v.risk, v.better, tally(exs, flags))
			}
		}
	}

	// The fifth round's vetoes (a question about the course, "can you get X?", a
	// message saying it is steady), each alone and together, at the shipped threshold
	// and veto and at the neighbouring ones.
	for _, v := range []struct{ course, get, steady bool }{
		{false, false, false}, {true, false, false}, {false, true, false}, {false, false, true},
		{true, true, false}, {true, false, true}, {false, true, true}, {true, true, true},
	} {
		for _, tv := range [][2]float64{{0.6, 0.05}, {0.5, 0.05}, {0.7, 0.05}, {0.6, 0.1}} {
			p := shippedUrgentParams
			p.threshold, p.veto = tv[0], tv[1]
			p.courseVeto, p.getVeto, p.steadyVeto = v.course, v.get, v.steady
			flags := make([]bool, len(exs))
			for i := range exs {
				flags[i] = !p.vetoed(toks[i], rss[i]) && p.decide(probs[i], parts[i], rss[i])
			}
			t.Logf("threshold %.2f, veto %.2f, vetoes course %v get %v steady %v: %v", tv[0], tv[1], v.course, v.get, v.steady, tally(exs, flags))
			if tv == [2]float64{0.6, 0.05} {
				t.Logf("%-44s joined to another question: %v", "", tally(cvMixedFlags(exs, p, 5)))
			}
		}
	}

	// A severe sign the rules read, vetoed by the model under a lower bar, or never.
	for _, severe := range []float64{0, 0.005, 0.01, 0.02, 0.05} {
		p := shippedUrgentParams
		p.severeVeto = severe
		flags := make([]bool, len(exs))
		for i := range exs {
			flags[i] = !p.vetoed(toks[i], rss[i]) && p.decide(probs[i], parts[i], rss[i])
		}
		t.Logf("shipped, severe signs vetoed under %.3f: %v", severe, tally(exs, flags))
		t.Logf("%-44s joined to another question: %v", "", tally(cvMixedFlags(exs, p, 5)))
	}

	// The sixth round: a strong sign (pus, a coloured discharge, a bad smell, a high
	// temperature, trouble breathing) vetoed by the model under strongVeto, or never;
	// with and without the steady veto and the veto of a message naming no body.
	for _, strong := range []float64{0.05, 0.02, 0.01, 0} {
		p := shippedUrgentParams
		p.strongVeto = strong
		sp, spart, _ := cvFlags(exs, p, 5)
		for _, v := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			q := p
			q.steadyVeto, q.bodyVeto = v[0], v[1]
			flags := make([]bool, len(exs))
			for i := range exs {
				flags[i] = !q.vetoed(toks[i], rss[i]) && q.decide(sp[i], spart[i], rss[i])
			}
			t.Logf("strong signs vetoed under %.2f, vetoes steady %v no body %v: %v", strong, v[0], v[1], tally(exs, flags))
			if v == [2]bool{true, true} || v == [2]bool{} {
				t.Logf("%-44s joined to another question: %v", "", tally(cvMixedFlags(exs, q, 5)))
			}
		}
	}

	if *heldoutFile == "" {
		return
	}
	f, err := os.Open(*heldoutFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cases, err := ReadEvalCases(f)
	if err != nil {
		t.Fatal(err)
	}
	held := make([]urgentExample, len(cases))
	for i, c := range cases {
		held[i] = urgentExample{text: c.Q, urgent: c.Urgent, source: "pairs"}
	}
	measure := func(name string, flag func(string) bool) {
		flags := make([]bool, len(held))
		var wrong []string
		for i, e := range held {
			flags[i] = flag(e.text)
			if flags[i] != e.urgent {
				wrong = append(wrong, fmt.Sprintf("%v %q", e.urgent, e.text))
			}
		}
		t.Logf("held out, %-36s %v\n\t%s", name, tally(held, flags), strings.Join(wrong, "\n\t"))
	}
	measure("rules", urgentRules)
	measure("shipped", IsUrgent)
	m := trainUrgent(exs, alone)
	measure("model alone", m.flags)
	withSignals := alone
	withSignals.ruleFeats = true
	m2 := trainUrgent(exs, withSignals)
	measure("model with rule signals as features", m2.flags)
}

func BenchmarkTrainUrgent(b *testing.B) {
	exs, err := urgentExamples()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		trainUrgent(exs, shippedUrgentParams)
	}
}

// TestUrgentDesignsOnSets trains the shipped features once on every example and
// reads each question set of the repository under a grid of thresholds and vetoes:
// complications flagged and ordinary messages flagged per set, as the handler flags
// (a signs question counts as flagged). It chooses among the designs CV ranks alike
// by the rule of URGENT.md (every complication of every set flagged); the sets it
// reads are not clean afterwards, so the held-out set (urgent_heldout7.jsonl) is not
// among them (urgent_heldout5 and 6 are training data since the seventh round).
//
//	go test ./bot -run UrgentDesignsOnSets -urgentcv -v
func TestUrgentDesignsOnSets(t *testing.T) {
	if !*urgentCV {
		t.Skip("a comparison for choosing the design, not a test: run with -urgentcv")
	}
	exs, err := urgentExamples()
	if err != nil {
		t.Fatal(err)
	}
	m := trainUrgent(exs, shippedUrgentParams)
	type reading struct {
		prob, part    float64
		all           [][]token
		rs            ruleSignals
		signs, urgent bool
	}
	files := []string{"testdata/urgent_pairs.jsonl",
		"testdata/questions.jsonl", "testdata/fresh.jsonl", "testdata/real.jsonl", "testdata/real2.jsonl", "testdata/real3.jsonl", "testdata/generic.jsonl", "../../shared/eval/dev.jsonl"}
	sets := make([][]reading, len(files))
	for i, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Logf("%s: %v", file, err)
			continue
		}
		cases, err := ReadEvalCases(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			all := sentenceTokens(c.Q)
			rs := readRules(all)
			r := reading{all: all, rs: rs, signs: signsAfterTreatment(c.Q), urgent: c.Urgent}
			r.prob, r.part = m.read(all, rs)
			sets[i] = append(sets[i], r)
		}
	}
	for _, d := range []struct {
		threshold, veto    float64
		care, risk, better bool
	}{
		{0.5, 0.05, false, false, false}, {0.6, 0.05, false, false, false}, {0.7, 0.05, false, false, false},
		{0.5, 0.05, true, false, false}, {0.6, 0.05, true, false, false}, {0.7, 0.05, true, false, false},
		{0.5, 0.05, true, true, false}, {0.6, 0.05, true, true, false}, {0.7, 0.05, true, true, false},
		{0.5, 0.05, true, false, true}, {0.6, 0.05, true, false, true}, {0.7, 0.05, true, false, true},
		{0.5, 0.05, true, true, true}, {0.6, 0.05, true, true, true}, {0.7, 0.05, true, true, true},
	} {
		for _, fifth := range [][3]bool{{false, false, false}, {true, false, false}, {false, true, false}, {false, false, true}, {true, true, true}} {
			if fifth != [3]bool{} && (d.threshold != 0.6 || !d.care || !d.risk || !d.better) {
				continue
			}
			{
				threshold, veto := d.threshold, d.veto
				p := shippedUrgentParams
				p.threshold, p.veto = threshold, veto
				p.careVeto, p.riskVeto, p.betterVeto = d.care, d.risk, d.better
				p.courseVeto, p.getVeto, p.steadyVeto = fifth[0], fifth[1], fifth[2]
				var line []string
				missed, wrong := 0, 0
				for i, rs := range sets {
					var pos, hit, neg, fl int
					for _, r := range rs {
						flagged := r.signs || !p.vetoed(r.all, r.rs) && p.decide(r.prob, r.part, r.rs)
						if r.urgent {
							pos++
							hit += b2i(flagged)
						} else {
							neg++
							fl += b2i(flagged)
						}
					}
					missed += pos - hit
					wrong += fl
					name := strings.TrimSuffix(strings.TrimPrefix(files[i][strings.LastIndex(files[i], "/")+1:], "urgent_"), ".jsonl")
					line = append(line, fmt.Sprintf("%s %d/%d %d/%d", name, hit, pos, fl, neg))
				}
				t.Logf("threshold %.2f veto %.2f vetoes care %v risk %v settling %v, course %v get %v steady %v: missed %d, false %d | %s",
					threshold, veto, d.care, d.risk, d.better, fifth[0], fifth[1], fifth[2], missed, wrong, strings.Join(line, "; "))
			}
		}
	}
}

// cvReadings reads every example of the urgent model with the rules and, by 5-fold
// cross-validation, with the model: what a comparison of vetoes decides on.
func cvReadings(t *testing.T) (exs []urgentExample, toks [][][]token, rss []ruleSignals, probs, parts []float64) {
	t.Helper()
	exs, err := urgentExamples()
	if err != nil {
		t.Fatal(err)
	}
	toks = make([][][]token, len(exs))
	rss = make([]ruleSignals, len(exs))
	for i, e := range exs {
		toks[i] = sentenceTokens(e.text)
		rss[i] = readRules(toks[i])
	}
	probs, parts, _ = cvFlags(exs, shippedUrgentParams, 5)
	return exs, toks, rss, probs, parts
}

// TestUrgentSeventhRound compares the seventh round's vetoes (URGENT.md): a general
// question naming a sign ordinary healing can show, a question whether to worry;
// each alone and together, on the same cross-validated readings, and joined to
// another question.
//
//	go test ./bot -run UrgentSeventhRound -urgentcv -v
func TestUrgentSeventhRound(t *testing.T) {
	if !*urgentCV {
		t.Skip("a comparison for choosing the design, not a test: run with -urgentcv")
	}
	exs, toks, rss, probs, parts := cvReadings(t)
	for _, v := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
		p := shippedUrgentParams
		p.generalVeto, p.worryVeto = v[0], v[1]
		flags := make([]bool, len(exs))
		for i := range exs {
			flags[i] = !p.vetoed(toks[i], rss[i]) && p.decide(probs[i], parts[i], rss[i])
		}
		t.Logf("vetoes general %v worry %v: %v", v[0], v[1], tally(exs, flags))
		t.Logf("%-44s joined to another question: %v", "", tally(cvMixedFlags(exs, p, 5)))
		for i, e := range exs {
			if e.source == "pairs" && flags[i] != (e.urgent && !signsAfterTreatment(e.text)) && !(signsAfterTreatment(e.text) && e.urgent) {
				t.Logf("\t%v line %d %.3f: %.120q", e.urgent, e.line, probs[i], e.text)
			}
		}
	}
}

// TestUrgentEighthRound compares the eighth round's vetoes (a rash with an everyday
// cause, a common illness of its own, an after-effect that comes back after each
// session and settles) switched off and on, in CV and joined to another question
// (URGENT.md, eighth round).
//
//	go test ./bot -run UrgentEighthRound -urgentcv -v
func TestUrgentEighthRound(t *testing.T) {
	if !*urgentCV {
		t.Skip("a comparison for choosing the design, not a test: run with -urgentcv")
	}
	exs, toks, rss, probs, parts := cvReadings(t)
	for _, on := range []bool{false, true} {
		p := shippedUrgentParams
		p.causeVeto, p.illnessVeto, p.recurVeto = on, on, on
		flags := make([]bool, len(exs))
		for i := range exs {
			flags[i] = !p.vetoed(toks[i], rss[i]) && p.decide(probs[i], parts[i], rss[i])
		}
		t.Logf("eighth round's vetoes %v: %v", on, tally(exs, flags))
		t.Logf("%-30s joined to another question: %v", "", tally(cvMixedFlags(exs, p, 5)))
	}
}
