package index

import (
	_ "embed"
	"strings"
	"testing"
)

// gettingText is a pool of sentences about getting a treatment rather than living
// with one: considering a first SMP, booking, comparing practitioners, the first
// sittings and a new treatment's healing, hair transplants and hair loss treatment.
// The FAQ is about removing, correcting and living with SMP, so such messages sound
// like its entries while none answers them. TestStoriesCV asks them (getting
// kinds); the eighth round (MODEL.md) measured them as a feature of the decision
// and dropped it.
//
//go:embed getting.txt
var gettingText string

// gettingLines returns the pool, parsed once.
var gettingLines = poolLines(gettingText)

// gettingStories makes the getting kinds of stories: each getting sentence alone
// ("getting-oos"), to decline, and every other held-out phrasing after one
// ("getting-then": "I'm booked in for next month. can smp be removed?"), to answer.
func gettingStories(test []heldOut, getting []string) []heldOut {
	if len(getting) == 0 {
		return nil
	}
	var out []heldOut
	for _, g := range getting {
		out = append(out, heldOut{text: g, story: true, kind: "getting-oos"})
	}
	for i, t := range test {
		if t.want == "" || i%2 == 1 {
			continue
		}
		g := strings.TrimRight(getting[(i*13+5)%len(getting)], ".?! ")
		out = append(out, heldOut{want: t.want, text: g + ". " + t.text + "?", story: true, kind: "getting-then"})
	}
	return out
}

// removalWords name what the FAQ is about (removing, correcting, fading, regret); a
// sentence about getting a treatment holding one would teach that the FAQ's own
// subject is out of scope.
var removalWords = []string{
	"remov", "laser", "fade", "fading", "lighten", "regret", "correct", "undo", "gone",
	"saline", "botch", "blur", "migrat", "too dark", "get rid", "cover up", "camoufl",
}

// TestGettingPool checks the pool of sentences about getting a treatment: enough of
// them, none twice, none about removal or regret, and none taken from an evaluation
// question (nor a near copy of one: most of its words in one question).
func TestGettingPool(t *testing.T) {
	pool := gettingLines()
	checkPool(t, "getting", pool, 150)
	for _, l := range pool {
		low := strings.ToLower(l)
		for _, w := range removalWords {
			if strings.Contains(low, w) {
				t.Errorf("%q is about removal or regret (%q)", l, w)
			}
		}
	}
	words := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !isWordRune(r) && r != '\'' }) {
			if len(w) > 3 {
				m[w] = true
			}
		}
		return m
	}
	for _, q := range setQuestions(t, "../bot/testdata/*.jsonl", "../../shared/eval/*.jsonl") {
		low, qw := strings.ToLower(q.text), words(q.text)
		for _, l := range pool {
			if len(strings.Fields(l)) >= 5 && strings.Contains(low, strings.ToLower(l)) {
				t.Errorf("%q is taken from the question %q (%s)", l, q.text, q.file)
				continue
			}
			lw := words(l)
			var in int
			for w := range lw {
				if qw[w] {
					in++
				}
			}
			if len(lw) >= 4 && float64(in) >= 0.8*float64(len(lw)) {
				t.Errorf("%q is close to the question %q (%s)", l, q.text, q.file)
			}
		}
	}
}
