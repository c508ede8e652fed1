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

// TestReplacedSnapshotClosesAfterItsLastSearch: a Rebuild during a search leaves the
// old index open for that search and closes it when the search ends.
func TestReplacedSnapshotClosesAfterItsLastSearch(t *testing.T) {
	entries := shipped(t)
	x := newIndex(t, entries)
	s, err := x.acquire()
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Rebuild(entries); err != nil {
		t.Fatal(err)
	}
	if _, err := s.idx.DocCount(); err != nil {
		t.Fatalf("replaced index closed while a search holds it: %v", err)
	}
	s.release()
	if _, err := s.idx.DocCount(); err == nil {
		t.Error("replaced index still open after its last search")
	}
}

// TestEntriesInLoadOrder: Entries returns every entry, in the order given.
func TestEntriesInLoadOrder(t *testing.T) {
	entries := shipped(t)
	got := newIndex(t, entries).Entries()
	if len(got) != len(entries) {
		t.Fatalf("got %d entries, want %d", len(got), len(entries))
	}
	for i := range entries {
		if got[i].ID != entries[i].ID {
			t.Fatalf("entry %d is %q, want %q", i, got[i].ID, entries[i].ID)
		}
	}
}
