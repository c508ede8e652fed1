package index

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smpbot/smpbot/knowledge"
)

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
	if len(pool) < 150 {
		t.Fatalf("%d getting sentences, want at least 150", len(pool))
	}
	seen := map[string]bool{}
	for _, l := range pool {
		low := strings.ToLower(l)
		if seen[low] {
			t.Errorf("%q twice", l)
		}
		seen[low] = true
		for _, w := range removalWords {
			if strings.Contains(low, w) {
				t.Errorf("%q is about removal or regret (%q)", l, w)
			}
		}
	}
	files, _ := filepath.Glob("../bot/testdata/*.jsonl")
	if shared, _ := filepath.Glob("../../shared/eval/*.jsonl"); len(shared) > 0 {
		files = append(files, shared...)
	}
	if len(files) == 0 {
		t.Fatal("no question sets in ../bot/testdata")
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
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var q struct{ Q string }
			if json.Unmarshal(sc.Bytes(), &q) != nil {
				continue
			}
			low := strings.ToLower(q.Q)
			qw := words(q.Q)
			for _, l := range pool {
				if len(strings.Fields(l)) >= 5 && strings.Contains(low, strings.ToLower(l)) {
					t.Errorf("%q is taken from the question %q (%s)", l, q.Q, filepath.Base(f))
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
					t.Errorf("%q is close to the question %q (%s)", l, q.Q, filepath.Base(f))
				}
			}
		}
		fh.Close()
	}
}

// TestGettingness checks the gettingness a build measures: the words of getting a
// treatment weigh as such, the FAQ's subject words not at all, and a message about
// booking a first treatment is more getting-ish than one about removing it.
func TestGettingness(t *testing.T) {
	s, err := build(shipped(t), knowledge.OutOfScope(), narrativeLines())
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	for _, tc := range []struct {
		word     string
		min, max float64
	}{
		{"consultation", 0.7, 1},
		{"grafts", 0.7, 1},
		{"laser", 0, 0},
		{"removal", 0, 0},
	} {
		terms := s.analyze(tc.word)
		if len(terms) != 1 {
			t.Fatalf("%q analysed as %q", tc.word, terms)
		}
		if got := s.get[terms[0]]; got < tc.min || got > tc.max {
			t.Errorf("gettingness of %q = %.2f, want %.2f to %.2f", tc.word, got, tc.min, tc.max)
		}
	}
	getting := s.gettingShare(s.analyze(prepare("I'm booking a consultation for my first session, what should I ask")))
	removing := s.gettingShare(s.analyze(prepare("can laser removal take out smp that went too dark")))
	if getting <= removing+0.2 {
		t.Errorf("getting share: booking a first session %.2f, removal %.2f", getting, removing)
	}
}
