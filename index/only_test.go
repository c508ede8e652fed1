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
	a := s.analyzeWords(prepare("how many laser sessions to remove smp"))
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
