package index

import (
	"context"
	"testing"
)

// Restricting a query to some entries (the yardsticks, a large FAQ's shortlist) must
// not change their scores: the ids lead the conjunction but add nothing.
func TestQueryOnlyKeepsScores(t *testing.T) {
	x := newIndex(t, shipped(t))
	s := x.cur.Load()
	a := s.analyzeQuery(prepare("how many laser sessions to remove smp"))
	all, err := s.query(context.Background(), a, 5)
	if err != nil || len(all) < 3 {
		t.Fatalf("query = %v, %v; want several hits", all, err)
	}
	for _, h := range all {
		one, err := s.query(context.Background(), a, 1, h.id, "cost")
		if err != nil || len(one) == 0 || one[0].id != h.id || one[0].score != h.score {
			t.Errorf("restricted to %s and cost: %v, %v; want %v as unrestricted", h.id, one, err, h)
		}
	}
}

// A FAQ large enough for the model's shortlist must still find an entry by its own
// phrasings: the shortlist is where bleve looks.
func TestLargeFAQFindsItsPhrasings(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a large FAQ")
	}
	entries := generate(t, shortlistFAQ+500)
	x := newIndex(t, entries)
	n, found := 0, 0
	for i := 0; i < len(entries); i += 25 {
		e := entries[i]
		for _, p := range append([]string{e.Question}, e.Alternates[:2]...) {
			n++
			if m := top(t, x, p); m.ID == e.ID {
				found++
			}
		}
	}
	t.Logf("%d of %d phrasings find their entry first", found, n)
	if rate := float64(found) / float64(n); rate < 0.95 {
		t.Errorf("%d of %d phrasings of a %d-entry FAQ find their entry first (%.3f), want at least 0.95", found, n, len(entries), rate)
	}
}

// Training is deterministic, so a rebuild over the same phrasings reuses the model,
// and any change to them trains a new one.
func TestModelReusedOnlyForTheSamePhrasings(t *testing.T) {
	texts := [][]string{{"how much does it cost"}, {"does it hurt"}, {"pizza"}}
	a := trainModelOnce(texts, 0)
	if b := trainModelOnce([][]string{{"how much does it cost"}, {"does it hurt"}, {"pizza"}}, 0); b != a {
		t.Error("same phrasings: a new model")
	}
	for _, changed := range [][][]string{
		{{"how much does it cost"}, {"does it hurt"}, {"pizza", "weather"}},
		{{"how much does it cost", "does it hurt"}, {"pizza"}},
		{{"how much does it cos"}, {"tdoes it hurt"}, {"pizza"}},
	} {
		if b := trainModelOnce(changed, 0); b == a {
			t.Errorf("%q: the model of other phrasings", changed)
		}
	}
}
