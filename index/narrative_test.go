package index

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/smpbot/smpbot/knowledge"
)

// subjectWords name what one FAQ entry or another is about; a narrative sentence
// holding one would be evidence for that entry, not neutral context.
var subjectWords = []string{
	"laser", "dark", "light", "colo", "blur", "spread", "fade", "remov", "price", "cost",
	"pay", "scar", "hairline", "pain", "hurt", "clinic", "artist", "technician", "saline",
	"transplant", "grey", "gray", "blister", "infect", "swell", "red", "session", "heal",
	"camoufl", "botch", "migrat", "dot", "pigment", "ink",
}

// TestNarrativePool checks the pool of narrative context sentences: enough of them,
// none twice, none naming an entry's subject, and none taken from an evaluation
// question.
func TestNarrativePool(t *testing.T) {
	pool := narrativeLines()
	checkPool(t, "narrative", pool, 200)
	for _, l := range pool {
		low := strings.ToLower(l)
		for _, w := range strings.FieldsFunc(low, func(r rune) bool { return !isWordRune(r) && r != '\'' }) {
			for _, s := range subjectWords {
				if strings.HasPrefix(w, s) {
					t.Errorf("%q names a subject (%q)", l, w)
				}
			}
		}
	}
	for _, q := range setQuestions(t, "../bot/testdata/*.jsonl") {
		low := strings.ToLower(q.text)
		for _, l := range pool {
			if len(strings.Fields(l)) >= 5 && strings.Contains(low, strings.ToLower(l)) {
				t.Errorf("%q is taken from the question %q (%s)", l, q.text, q.file)
			}
		}
	}
}

// checkPool fails the test if a pool of sentences has fewer than min of them, and
// reports each sentence it holds twice.
func checkPool(t *testing.T, name string, pool []string, min int) {
	t.Helper()
	if len(pool) < min {
		t.Fatalf("%d %s sentences, want at least %d", len(pool), name, min)
	}
	seen := map[string]bool{}
	for _, l := range pool {
		low := strings.ToLower(l)
		if seen[low] {
			t.Errorf("%q twice", l)
		}
		seen[low] = true
	}
}

// setQuestion is a question of a question set, and the set's file name.
type setQuestion struct{ text, file string }

// setQuestions returns the questions of the question sets the patterns find; it
// fails the test if they find none.
func setQuestions(t *testing.T, patterns ...string) []setQuestion {
	t.Helper()
	var files []string
	for _, p := range patterns {
		fs, _ := filepath.Glob(p)
		files = append(files, fs...)
	}
	if len(files) == 0 {
		t.Fatalf("no question sets in %q", patterns)
	}
	var out []setQuestion
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var q struct{ Q string }
			if json.Unmarshal(sc.Bytes(), &q) == nil {
				out = append(out, setQuestion{q.Q, filepath.Base(f)})
			}
		}
		fh.Close()
	}
	return out
}

// TestNarrativeTermsDoNotDecide checks the narrativeness a build measures: words of
// stories weigh little, the FAQ's subject words not at all less, and a story's
// narrative terms are not searched while its question's are left.
func TestNarrativeTermsDoNotDecide(t *testing.T) {
	s, err := build(shipped(t), knowledge.OutOfScope(), narrativeLines(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	for _, tc := range []struct {
		word     string
		min, max float64
	}{
		{"ago", narrDrop, 1},
		{"sorry", narrDrop, 1},
		{"laser", 0, 0},
		{"removal", 0, 0},
		{"regret", 0.2, narrDrop},
	} {
		terms := s.analyze(tc.word)
		if len(terms) != 1 {
			t.Fatalf("%q analysed as %q", tc.word, terms)
		}
		if got := s.narr[terms[0]]; got < tc.min || got > tc.max {
			t.Errorf("narrativeness of %q = %.2f, want %.2f to %.2f", tc.word, got, tc.min, tc.max)
		}
	}
	story := s.analyzeQuery(prepare("got it done years ago, sorry for rambling, thanks in advance: can laser removal work"))
	got := s.informative(story).terms
	for _, w := range []string{"ago", "sorry", "rambling"} {
		if ts := s.analyze(w); len(ts) != 1 || slices.Contains(got, ts[0]) {
			t.Errorf("searched %q (%q) for the story: %q", w, ts, got)
		}
	}
	if !slices.Contains(got, s.analyze("laser")[0]) {
		t.Errorf("laser not searched for the story: %q", got)
	}
	// A text of narrative alone still searches its words.
	if got := s.informative(s.analyzeQuery("sorry, years ago")).terms; len(got) == 0 {
		t.Error("a narrative-only text searched nothing")
	}
}
