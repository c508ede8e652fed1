package index

import (
	"strings"
	"testing"
)

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

// TestSwapPool checks that the pool's subjects name none of the FAQ's and that the
// swaps of the shipped FAQ are bounded and about other subjects.
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
	entries := shipped(t)
	var phrasings [][]string
	for _, e := range entries {
		phrasings = append(phrasings, prepareAll(append([]string{e.Question}, e.Alternates...)))
	}
	swaps := subjectSwaps(phrasings, pool)
	if len(swaps) == 0 || len(swaps) > maxSwaps {
		t.Fatalf("%d swaps of %d entries, want 1 to %d", len(swaps), len(entries), maxSwaps)
	}
	for _, s := range swaps {
		if namesSubject(s) {
			t.Errorf("swap %q still names a subject of the FAQ", s)
		}
	}
	// A large FAQ spreads its swaps over its entries within the bound.
	many := make([][]string, 10000)
	for i := range many {
		many[i] = []string{"my smp is " + strings.Repeat("x", i%7), "scalp question"}
	}
	if got := len(subjectSwaps(many, pool)); got > maxSwaps || got < maxSwaps/2 {
		t.Errorf("10,000 entries: %d swaps, want %d to %d", got, maxSwaps/2, maxSwaps)
	}
}
