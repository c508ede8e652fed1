package sqlitelog

import "testing"

// Tests written to kill mutants that gremlins found alive (see README, Testing).

// TestPhraseKey: the fold must keep exactly what FAQ validation keeps (a-z, 0-9 and
// non-ASCII letters), or a proposal would not compare equal to the alternate it becomes;
// the edges of each range are where an off-by-one would show.
func TestPhraseKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Laser, A to Z?", "laser a to z"},
		{"0 or 9 sessions", "0 or 9 sessions"},
		{"after 10-09... ok?!", "after 10 09 ok"},
		{"`{@[/:", ""},
		{"Café  ÉTÉ", "café été"},
	}
	for _, tt := range tests {
		if got := phraseKey(tt.in); got != tt.want {
			t.Errorf("phraseKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
