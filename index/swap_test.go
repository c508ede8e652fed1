package index

import (
	_ "embed"
	"strings"
	"testing"
)

// swapText is a pool of everyday subjects that are not the FAQ's (jeans, fridge,
// lawn, lips, ear piercing): TestStoriesCV asks held-out phrasings about them
// (swapStories), to be declined.
//
//go:embed swap.txt
var swapText string

var swapLines = poolLines(swapText)

// faqSubjects are the words (as prepare leaves them: "scalp micropigmentation" is
// "smp" by then) that name what the FAQ is about: the treatment and where it is.
// Other words the FAQ shares with everyday questions ("fade", "bleach", "spots",
// "swollen") do not make a question about it.
var faqSubjects = map[string]bool{
	"smp": true, "micropigmentation": true, "pigmentation": true, "pigment": true,
	"scalp": true, "head": true, "hairline": true, "tattoo": true, "tattoos": true,
	"tattooed": true, "ink": true, "dots": true, "dot": true, "skin": true,
}

// namesSubject reports whether text (prepared: rewritten and lower case) holds a word
// of faqSubjects.
func namesSubject(text string) bool {
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !isWordRune(r) }) {
		if faqSubjects[w] {
			return true
		}
	}
	return false
}

// swapStories makes of one in every held-out phrasing in test naming a subject of the
// FAQ ("swap-oos") the same phrasing about an everyday subject of the pool, to be
// declined: "how to fade my smp at home" becomes "how to fade my jeans at home".
func swapStories(test []heldOut, subjects []string, every int) []heldOut {
	if len(subjects) < 2 {
		return nil
	}
	var out []heldOut
	for i, t := range test {
		p := prepare(t.text)
		if t.want == "" || i%every != 0 || !namesSubject(p) {
			continue
		}
		text := swapSubject(p, subjects[(i*3)%len(subjects)], subjects[(i*3+1)%len(subjects)])
		out = append(out, heldOut{text: text, story: true, kind: "swap-oos"})
	}
	return out
}

// swapSubject replaces the first run of subject words (faqSubjects) in text by first
// and the later runs by later.
func swapSubject(text, first, later string) string {
	var b, pending strings.Builder // pending: separators after a word, dropped inside a run
	runs, inRun, start := 0, false, -1
	flush := func(end int) {
		w := text[start:end]
		switch {
		case faqSubjects[w] && inRun:
			// Part of the run already replaced.
		case faqSubjects[w]:
			inRun = true
			if runs == 0 {
				b.WriteString(first)
			} else {
				b.WriteString(later)
			}
			runs++
		default:
			inRun = false
			b.WriteString(w)
		}
	}
	for i, r := range text {
		if isWordRune(r) {
			if start < 0 {
				start = i
				if !(inRun && faqSubjects[wordAt(text, i)]) {
					b.WriteString(pending.String())
				}
				pending.Reset()
			}
			continue
		}
		if start >= 0 {
			flush(i)
			start = -1
		}
		pending.WriteRune(r)
	}
	if start >= 0 {
		flush(len(text))
	}
	b.WriteString(pending.String())
	return b.String()
}

// wordAt returns the word of text starting at i.
func wordAt(text string, i int) string {
	j := i
	for j < len(text) && text[j] < 0x80 && isWordRune(rune(text[j])) {
		j++
	}
	return text[i:j]
}

func TestSwapSubject(t *testing.T) {
	tests := []struct{ in, want string }{
		{"how to look after my scalp after laser", "how to look after my jeans after laser"},
		{"smp laser aftercare", "jeans laser aftercare"},
		{"can i fade my smp ink at home?", "can i fade my jeans at home?"},
		{"ink on my scalp is spreading", "jeans on my lips is spreading"},
		{"no subject here", "no subject here"},
	}
	for _, tt := range tests {
		if got := swapSubject(tt.in, "jeans", "lips"); got != tt.want {
			t.Errorf("swapSubject(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestSwapPool checks that no subject of the pool names one of the FAQ's, and that
// the swapped phrasings of the shipped FAQ no longer do.
func TestSwapPool(t *testing.T) {
	pool := swapLines()
	if len(pool) < 40 {
		t.Fatalf("swap pool has %d subjects, want at least 40", len(pool))
	}
	for _, p := range pool {
		if namesSubject(prepare(p)) {
			t.Errorf("swap subject %q names a subject of the FAQ", p)
		}
	}
	var test []heldOut
	for _, e := range shipped(t) {
		for _, a := range e.Alternates {
			test = append(test, heldOut{want: e.ID, text: a})
		}
	}
	swaps := swapStories(test, pool, 1)
	if len(swaps) < len(test)/4 {
		t.Fatalf("%d swaps of %d phrasings, want at least a quarter", len(swaps), len(test))
	}
	for _, s := range swaps {
		if namesSubject(s.text) {
			t.Errorf("swap %q still names a subject of the FAQ", s.text)
		}
	}
}

// TestNamesSubject checks which texts name a subject of the FAQ.
func TestNamesSubject(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{"can scalp micropigmentation be removed", true},
		{"how to fade my head tattoo", true},
		{"how to fade jeans with bleach", false},
		{"how much does laser removal cost", false},
	}
	for _, tt := range tests {
		if got := namesSubject(prepare(tt.text)); got != tt.want {
			t.Errorf("namesSubject(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

// genericStories are the held-out phrasings that name SMP (after rewrite: "scalp
// micropigmentation", "scalp tattoo", "hairline ink" and the like are "smp") asked the
// way people often do without naming it: the first "smp" replaced by a generic subject
// ("tattoo", "micropigmentation", "pigment", "ink", "it", in turn), later ones by "it"
// (kinds "generic-tattoo" and so on: the own entry is still the answer).
func genericStories(test []heldOut) []heldOut {
	generic := []string{"tattoo", "micropigmentation", "pigment", "ink", "it"}
	var out []heldOut
	n := 0
	for _, t := range test {
		p := strings.Fields(prepare(t.text))
		first := true
		for i, w := range p {
			if strings.Trim(w, ",.?!;:") != "smp" {
				continue
			}
			by := "it"
			if first {
				by, first = generic[n%len(generic)], false
			}
			p[i] = strings.Replace(w, "smp", by, 1)
		}
		if t.want == "" || first {
			continue
		}
		out = append(out, heldOut{want: t.want, text: strings.Join(p, " "), story: true, kind: "generic-" + generic[n%len(generic)]})
		n++
	}
	return out
}
