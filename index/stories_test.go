package index

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/smpbot/smpbot/knowledge"
)

// TestStoryPool checks the pool of real-shaped stories: enough on each side, none
// twice, each long enough to be a story, each answered by an entry of the shipped
// FAQ or "none", none about removal among those to decline, and none taken from an
// evaluation question nor close to one.
func TestStoryPool(t *testing.T) {
	ids := map[string]bool{}
	for _, e := range shipped(t) {
		ids[e.ID] = true
	}
	var texts []string
	var in, out int
	for _, st := range storyLines() {
		texts = append(texts, st.text)
		if n := len(strings.Fields(st.text)); n < 15 {
			t.Errorf("%q: %d words, a story has at least 15", st.text, n)
		}
		if st.want == "" {
			out++
			low := strings.ToLower(st.text)
			for _, w := range removalWords {
				if strings.Contains(low, w) {
					t.Errorf("%q is to be declined but speaks of removal or regret (%q)", st.text, w)
				}
			}
			continue
		}
		in++
		if !ids[st.want] {
			t.Errorf("%q: no entry %q", st.text, st.want)
		}
	}
	if in < 60 || out < 80 {
		t.Errorf("%d stories to answer and %d to decline, want at least 60 and 80", in, out)
	}
	checkPool(t, "story", texts, 140)
	checkNotFromSets(t, texts, true)
}

func TestParseStories(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []story
		wantErr bool
	}{
		{in: "# c\n\nnone | a b\ncost |  c d \n", want: []story{{"", "a b"}, {"cost", "c d"}}},
		{in: "no bar here\n", wantErr: true},
		{in: " | text\n", wantErr: true},
		{in: "cost |\n", wantErr: true},
		{in: "none | " + strings.Repeat("x", maxStoryLen+1) + "\n", wantErr: true},
	} {
		got, err := parseStories(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("parseStories(%q) error %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if !tc.wantErr && len(got) != len(tc.want) {
			t.Errorf("parseStories(%q) = %v, want %v", tc.in, got, tc.want)
			continue
		}
		for i := range tc.want {
			if got[i] != tc.want[i] {
				t.Errorf("parseStories(%q)[%d] = %v, want %v", tc.in, i, got[i], tc.want[i])
			}
		}
	}
}

// TestScopeSeparation describes how well the in/out classifier a shipped build
// trains tells the question sets' off-topic questions from their answerable ones
// (go test ./index -run ScopeSeparation -fit -v): per set, the share of each side it
// calls off-topic and the area under the ROC curve. A measurement after the
// decisions; nothing is fitted on it.
func TestScopeSeparation(t *testing.T) {
	if !*fit {
		t.Skip("only with -fit")
	}
	s, err := build(shipped(t), knowledge.OutOfScope(), narrativeLines(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	files, _ := filepath.Glob("../bot/testdata/*.jsonl")
	files = append(files, "../../shared/eval/dev.jsonl")
	var allIn, allOut []float64
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var in, out []float64
		for _, l := range strings.Split(string(data), "\n") {
			var q struct {
				Q      string
				Accept []string
			}
			if json.Unmarshal([]byte(l), &q) != nil || q.Q == "" {
				continue
			}
			z := s.inout.offTopic(s.analyzeQuery(rewrite(s.spell.correct(foldASCII(q.Q)))).terms)
			if len(q.Accept) == 0 {
				out = append(out, z)
			} else {
				in = append(in, z)
			}
		}
		allIn, allOut = append(allIn, in...), append(allOut, out...)
		t.Logf("%-24s answerable %3d called off-topic %.2f | off-topic %2d called off-topic %.2f | AUC %.3f", filepath.Base(f), len(in), above(in, 0), len(out), above(out, 0), auc(in, out))
	}
	t.Logf("%-24s answerable %3d called off-topic %.2f | off-topic %2d called off-topic %.2f | AUC %.3f", "all", len(allIn), above(allIn, 0), len(allOut), above(allOut, 0), auc(allIn, allOut))
}

// above returns the share of xs above x.
func above(xs []float64, x float64) float64 {
	var n int
	for _, v := range xs {
		if v > x {
			n++
		}
	}
	return float64(n) / float64(max(len(xs), 1))
}

// auc returns the probability that a random member of out scores above a random
// member of in (ties count half).
func auc(in, out []float64) float64 {
	if len(in) == 0 || len(out) == 0 {
		return math.NaN()
	}
	var s float64
	for _, o := range out {
		for _, i := range in {
			switch {
			case o > i:
				s++
			case o == i:
				s += 0.5
			}
		}
	}
	return s / float64(len(in)*len(out))
}

// The pool-aside kind of TestStoriesCV puts a telling sentence of a story about one
// entry beside a phrasing of another: questions and scraps are not asides, and an
// aside about the phrasing's own entry would not be one.
func TestPoolAsides(t *testing.T) {
	sts := []story{
		{want: "cost", text: "My smp went far too dark last year. How much is laser? ok."},
		{want: "laser-pain", text: "I hate needles and my scalp is sensitive. Does it hurt?"},
	}
	var got []string
	for _, c := range storyContext(sts) {
		got = append(got, c.want+": "+c.text)
	}
	want := []string{"cost: My smp went far too dark last year.", "laser-pain: I hate needles and my scalp is sensitive."}
	if !slices.Equal(got, want) {
		t.Errorf("storyContext = %q, want %q", got, want)
	}
	test := []heldOut{{want: "cost", text: "how much does removal cost"}, {text: "best pizza near me"}, {want: "laser-pain", text: "does laser hurt"}, {want: "aftercare", text: "how do I wash my head after"}}
	out := poolAsides(test, sts)
	if len(out) != 3 {
		t.Fatalf("poolAsides made %d texts, want 3 (one per phrasing, none for the out-of-scope one): %+v", len(out), out)
	}
	for _, h := range out {
		if h.kind != "pool-aside" || !h.story || h.want == "" {
			t.Errorf("%+v: want a pool-aside story to answer", h)
		}
		for _, s := range sts {
			if s.want == h.want && strings.Contains(h.text, strings.SplitN(s.text, ".", 2)[0]) {
				t.Errorf("%q: the aside is about its own entry %s", h.text, h.want)
			}
		}
	}
}
