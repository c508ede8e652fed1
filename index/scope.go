package index

import (
	"math"
	"os"
	"strconv"
	"strings"
)

// scopeClassifier is a logistic regression over a message's analysed terms that
// tells messages the FAQ should not answer from those it should, trained at every
// build with SMPBOT_IO=1 (measured, not shipped): the out-of-scope file, the getting pool and the pool's stories to decline
// against the FAQ's phrasings and the pool's stories it answers (both sides weigh
// the same in total). Its log-odds is evidence of the scope model (scopeVector):
// the FAQ's phrasings are short and name their subject, while real questions are
// stories, so the real-shaped stories on both sides teach it which words, not
// which shapes, are off the FAQ's subject (index/MODEL.md, ninth round).
type scopeClassifier struct {
	w    map[string]float64
	bias float64
	// narr, when set (SMPBOT_IONU=1), weighs each term by 1 - its narrativeness,
	// so that the words stories carry besides their question do not decide.
	narr map[string]float64
}

// value is how much term t counts.
func (c *scopeClassifier) value(t string) float64 {
	if c.narr == nil {
		return 1
	}
	return 1 - c.narr[t]
}

// scopeTrainPhrasings bounds how many of a large FAQ's phrasings train it.
const scopeTrainPhrasings = 3000

// ioOn turns the in/out classifier on (SMPBOT_IO=1): the ninth round measured it
// and did not ship it (index/MODEL.md), so a build does not train it and its
// evidence is 0 unless asked. The other SMPBOT_IO* switches choose its variant.
var ioOn = os.Getenv("SMPBOT_IO") == "1"

// ioEnv reads an experiment's switch (ninth round) once; empty means the default.
func ioEnv(name string) string { return ioSwitches[name] }

// ioSwitches choose the ninth round's variants (MODEL.md's table), each on top of
// SMPBOT_IO=1: IOOOS=0 leaves the out-of-scope file out of the declines (v11),
// IOASIDE=1 adds each decline as an aside before a phrasing, to answer (v16, v17),
// IOGET=0 leaves the getting pool out (v5), IONARR=1 adds the narrative sentences to
// the answers (v4), IOSYN=1 copies every text inside narrative sentences (v9),
// IONU=1 weighs terms by 1 - narrativeness (v12), IOSTORYW the stories' weight (v8),
// IOL2 the penalty (v7), IOFORM=prob the probability instead of the log-odds (v6),
// IOSENT=1 the lowest over the sentences (v18), IOF=0 the evidence off (the control
// v3), IOFIT=0 and IOFITGET=0 the pools' stories out of the fusion's fit (v2).
var ioSwitches = map[string]string{
	"SMPBOT_IOSTORYW": os.Getenv("SMPBOT_IOSTORYW"),
	"SMPBOT_IONARR":   os.Getenv("SMPBOT_IONARR"),
	"SMPBOT_IOGET":    os.Getenv("SMPBOT_IOGET"),
	"SMPBOT_IOL2":     os.Getenv("SMPBOT_IOL2"),
	"SMPBOT_IOFORM":   os.Getenv("SMPBOT_IOFORM"),
	"SMPBOT_IOFIT":    os.Getenv("SMPBOT_IOFIT"),
	"SMPBOT_IOF":      os.Getenv("SMPBOT_IOF"),
	"SMPBOT_IOSYN":    os.Getenv("SMPBOT_IOSYN"),
	"SMPBOT_IONU":     os.Getenv("SMPBOT_IONU"),
	"SMPBOT_IOOOS":    os.Getenv("SMPBOT_IOOOS"),
	"SMPBOT_IOASIDE":  os.Getenv("SMPBOT_IOASIDE"),
	"SMPBOT_IOSENT":   os.Getenv("SMPBOT_IOSENT"),
	"SMPBOT_IOFITGET": os.Getenv("SMPBOT_IOFITGET"),
}

// trainScope trains the classifier; phrasings are prepared, the rest raw text.
func trainScope(memo *termMemo, phrasings [][]string, narrative []string, narr map[string]float64, ps pools, outOfScope []string) *scopeClassifier {
	type ex struct {
		terms []string
		y, w  float64
	}
	var xs []ex
	add := func(text string, y, w float64) {
		seen := map[string]bool{}
		var ts []string
		for _, t := range memo.Analyze([]byte(text)) {
			if !seen[string(t.Term)] {
				seen[string(t.Term)] = true
				ts = append(ts, string(t.Term))
			}
		}
		if len(ts) > 0 {
			xs = append(xs, ex{ts, y, w})
		}
	}
	storyW := 1.0
	if v, err := strconv.ParseFloat(ioEnv("SMPBOT_IOSTORYW"), 64); err == nil {
		storyW = v
	}
	var all []string
	for _, p := range phrasings {
		all = append(all, p...)
	}
	stride := max(1, (len(all)+scopeTrainPhrasings-1)/scopeTrainPhrasings)
	// With narrative copies (SMPBOT_IOSYN=1), each phrasing and each line to decline
	// is also learnt inside narrative sentences, so that neither a story's length
	// nor its narrative tells the sides apart: only what it asks about.
	syn := ioEnv("SMPBOT_IOSYN") == "1" && len(narrative) >= 2
	var k int
	wrap := func(text string) string {
		k++
		a, b := narrative[(k*7)%len(narrative)], narrative[(k*13+5)%len(narrative)]
		if k%2 == 0 {
			return prepare(a) + " " + text + " " + prepare(b)
		}
		return prepare(a) + " " + prepare(b) + " " + text
	}
	for i := 0; i < len(all); i += stride {
		add(all[i], 0, 1)
		if syn {
			add(wrap(all[i]), 0, 1)
		}
	}
	if ioEnv("SMPBOT_IONARR") == "1" {
		for _, n := range narrative {
			add(prepare(n), 0, 1)
		}
	}
	for _, st := range ps.stories {
		add(prepare(st.text), b2f(st.want == ""), storyW)
	}
	if ioEnv("SMPBOT_IOOOS") == "0" {
		outOfScope = nil
	}
	// With asides (SMPBOT_IOASIDE=1), each line to decline is also learnt as an aside
	// before a phrasing, to answer: a story that asks one of the FAQ's questions is
	// in scope whatever else it mentions.
	aside := ioEnv("SMPBOT_IOASIDE") == "1" && len(all) > 0
	var j int
	decline := func(text string) {
		add(text, 1, 1)
		if syn {
			add(wrap(text), 1, 1)
		}
		if aside {
			j++
			add(text+" "+all[(j*stride*7)%len(all)], 0, 1)
		}
	}
	for _, q := range outOfScope {
		decline(prepare(q))
	}
	if ioEnv("SMPBOT_IOGET") != "0" {
		for _, g := range ps.getting {
			decline(prepare(g))
		}
	}
	var in, out float64
	for _, x := range xs {
		if x.y == 1 {
			out += x.w
		} else {
			in += x.w
		}
	}
	if in == 0 || out == 0 {
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
	if ioEnv("SMPBOT_IONU") == "1" {
		c.narr = narr
	}
	const rate = 0.1
	l2 := 1e-3
	if v, err := strconv.ParseFloat(ioEnv("SMPBOT_IOL2"), 64); err == nil {
		l2 = v
	}
	for epoch := 0; epoch < 20; epoch++ {
		for _, x := range xs {
			z := c.bias
			for _, t := range x.terms {
				z += c.w[t] * c.value(t)
			}
			g := (sigmoid(z) - x.y) * x.w
			g = math.Max(-5, math.Min(5, g))
			c.bias -= rate * g / 10
			for _, t := range x.terms {
				c.w[t] -= rate * (g*c.value(t) + l2*c.w[t])
			}
		}
	}
	return c
}

// offTopic returns the classifier's log-odds that terms are a message to decline,
// clipped to ±6 and scaled to ±1 (0 without a classifier).
func (c *scopeClassifier) offTopic(terms []string) float64 {
	if c == nil || ioEnv("SMPBOT_IOF") == "0" {
		return 0
	}
	z := c.bias
	for _, t := range terms {
		z += c.w[t] * c.value(t)
	}
	if ioEnv("SMPBOT_IOFORM") == "prob" {
		return sigmoid(z)
	}
	return math.Max(-6, math.Min(6, z)) / 6
}

// offTopic is the classifier's evidence for a message (text, analysed as terms):
// with SMPBOT_IOSENT=1 the lowest over its sentences, so that a story asking one of
// the FAQ's questions among asides counts as in scope.
func (s *snapshot) offTopic(text string, terms []string) float64 {
	if s.inout == nil || ioEnv("SMPBOT_IOSENT") != "1" {
		return s.inout.offTopic(terms)
	}
	parts := strings.FieldsFunc(text, func(r rune) bool { return r == '.' || r == '?' || r == '!' || r == '\n' })
	if len(parts) < 2 {
		return s.inout.offTopic(terms)
	}
	low := math.Inf(1)
	for _, p := range parts {
		if ts := s.analyze(p); len(ts) > 0 {
			low = math.Min(low, s.inout.offTopic(ts))
		}
	}
	if math.IsInf(low, 1) {
		return s.inout.offTopic(terms)
	}
	return low
}
