package index

import "testing"

// Tests written to kill mutants that gremlins found alive (see README, Testing).

// TestRewrite: multi-word names become their token wherever they stand, the longest
// name first, including two names in a row and a name ending the text.
func TestRewrite(t *testing.T) {
	tests := []struct{ in, want string }{
		{"no name in here", "no name in here"},
		{"Scalp Micro Pigmentation removal?", "smp removal?"},
		{"q switch nd yag", "qswitch ndyag"},
		{"q-switch, nd:yag and pico second", "qswitch, ndyag and picosecond"},
		{"laser on dark skin", "laser on darkskin"},
		{"can I do it yourself at home", "can i diy diy"},
	}
	for _, tt := range tests {
		if got := rewrite(tt.in); got != tt.want {
			t.Errorf("rewrite(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestCloseClosesTheBleveIndex: Close releases the current snapshot's index, not only
// refuses searches.
func TestCloseClosesTheBleveIndex(t *testing.T) {
	x := newIndex(t, shipped(t))
	s := x.cur.Load()
	if _, err := s.idx.DocCount(); err != nil {
		t.Fatalf("before Close: %v", err)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.idx.DocCount(); err == nil {
		t.Error("the bleve index is still open after Close")
	}
}
