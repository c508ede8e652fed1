package index

import (
	_ "embed"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/smpbot/smpbot/knowledge"
)

// swapText is the pool of everyday subjects that are not the FAQ's (jeans, fridge,
// lawn, lips, ear piercing): see subjectSwaps.
//
//go:embed swap.txt
var swapText string

// swapLines returns the pool of swap subjects, parsed once (one a line, # comments).
var swapLines = sync.OnceValue(func() []string {
	ls, err := knowledge.ParseOutOfScope(swapText)
	if err != nil {
		panic(err) // the file is fixed at compile time and tested
	}
	return ls
})

// swapSubjects are the words (as prepare leaves them: "scalp micropigmentation" is
// "smp" by then) that name what the FAQ is about: the treatment and where it is.
var swapSubjects = map[string]bool{
	"smp": true, "micropigmentation": true, "pigmentation": true, "pigment": true,
	"scalp": true, "head": true, "hairline": true, "tattoo": true, "tattoos": true,
	"tattooed": true, "ink": true, "dots": true, "dot": true, "skin": true,
}

// swapPerEntry is how many of each entry's phrasings are asked again about another
// subject, and maxSwaps bounds them all (a large FAQ spreads them over its entries),
// so that a build's training grows by at most maxSwaps examples.
var swapPerEntry = func() int {
	if v, err := strconv.Atoi(os.Getenv("SMPBOT_SWAP")); err == nil {
		return v
	}
	return 0
}()

const maxSwaps = 400

// subjectSwaps returns some of the (prepared) phrasings, about another subject: each
// run of subject words replaced by a subject of pool. A question that shares the
// FAQ's words except its subject ("how to fade jeans with bleach") is about something
// else, and the model learns these as "none of these".
func subjectSwaps(phrasings [][]string, pool []string) []string {
	if len(pool) == 0 || swapPerEntry <= 0 || len(phrasings) == 0 {
		return nil
	}
	stride := (len(phrasings)*swapPerEntry + maxSwaps - 1) / maxSwaps
	var out []string
	n := 0
	for i := 0; i < len(phrasings); i += max(stride, 1) {
		ps := phrasings[i]
		// The phrasings naming a subject, spread over the entry's.
		var with []string
		for _, p := range ps {
			if namesSubject(p) {
				with = append(with, p)
			}
		}
		k := min(swapPerEntry, len(with))
		for j := 0; j < k; j++ {
			p := with[j*len(with)/k]
			out = append(out, swapSubject(p, pool[(n*7+3)%len(pool)], pool[(n*13+5)%len(pool)]))
			n++
		}
	}
	return out
}

// namesSubject reports whether text holds a subject word.
func namesSubject(text string) bool {
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !isWordRune(r) }) {
		if swapSubjects[w] {
			return true
		}
	}
	return false
}

// swapSubject replaces the first run of subject words in text by first and the later
// runs by later.
func swapSubject(text, first, later string) string {
	var b strings.Builder
	runs, inRun := 0, false
	start := -1
	flush := func(end int) {
		w := text[start:end]
		switch {
		case swapSubjects[w] && inRun:
			// Part of the run already replaced.
		case swapSubjects[w]:
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
	var pending strings.Builder // separators after a word of a run, dropped if the run goes on
	for i, r := range text {
		if isWordRune(r) {
			if start < 0 {
				start = i
				if !(inRun && swapSubjects[wordAt(text, i)]) {
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
	for j < len(text) {
		r := rune(text[j])
		if r >= 0x80 || !isWordRune(r) {
			break
		}
		j++
	}
	return text[i:j]
}
