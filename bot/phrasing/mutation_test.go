package phrasing

import (
	"testing"
	"time"
)

// Tests written to kill mutants that gremlins found alive (see README, Testing), when
// this code was in bot/sqlitelog.

var day0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// TestTokensOfCommonWordsOnly: a question of common words only keeps its words, so two
// different such questions do not fall into one group.
func TestTokensOfCommonWordsOnly(t *testing.T) {
	got := tokens("What is it?")
	if len(got) != 3 || !got["what"] || !got["is"] || !got["it"] {
		t.Errorf(`tokens("What is it?") = %v, want what, is, it`, got)
	}
	g := Group([]Question{{Text: "what is it"}, {Text: "how are you"}}, 3)
	if len(g) != 2 {
		t.Errorf("two questions of different common words: got %d groups, want 2: %+v", len(g), g)
	}
}

// TestJaccard: intersection over union, two empty sets being alike.
func TestJaccard(t *testing.T) {
	set := func(ws ...string) map[string]bool {
		s := map[string]bool{}
		for _, w := range ws {
			s[w] = true
		}
		return s
	}
	tests := []struct {
		a, b map[string]bool
		want float64
	}{
		{set(), set(), 1},
		{set("laser"), set(), 0},
		{set(), set("laser"), 0},
		{set("laser", "cost"), set("laser", "pain"), 1.0 / 3},
		{set("laser", "cost"), set("cost", "laser"), 1},
	}
	for _, tt := range tests {
		if got := jaccard(tt.a, tt.b); got != tt.want {
			t.Errorf("jaccard(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestGroupJoinsTheFirstAlikeGroup: a wording alike enough to two groups joins the more
// frequent one, whatever order its words are looked at in (map order varies per run).
func TestGroupJoinsTheFirstAlikeGroup(t *testing.T) {
	at := day0
	qs := []Question{
		{Text: "laser removal cost", At: at}, {Text: "laser removal cost", At: at}, {Text: "laser removal cost", At: at},
		{Text: "laser removal pain", At: at}, {Text: "laser removal pain", At: at},
		{Text: "laser removal cost and pain", At: at},
	}
	for range 20 {
		g := Group(qs, 3)
		if len(g) != 2 || g[0].Question != "laser removal cost" || g[0].Count != 4 || g[1].Count != 2 {
			t.Fatalf("got %+v, want laser removal cost (4, with the cost and pain wording), then laser removal pain (2)", g)
		}
	}
}

// TestGroupTextIndependentOfOrder: repeats of a wording asked at the same time show the
// same text whatever order the log returned them in.
func TestGroupTextIndependentOfOrder(t *testing.T) {
	a := Question{Text: "Dye hair?", At: day0}
	b := Question{Text: "dye hair", At: day0}
	for _, qs := range [][]Question{{a, b}, {b, a}} {
		g := Group(qs, 3)
		if len(g) != 1 || g[0].Question != "Dye hair?" || g[0].Count != 2 {
			t.Errorf("Group(%q, %q) = %+v, want one group of 2 shown as %q", qs[0].Text, qs[1].Text, g, "Dye hair?")
		}
	}
}

// TestMostCommon: the key with the highest count, the smallest key on a tie, so that a
// report does not change from one run to the next.
func TestMostCommon(t *testing.T) {
	tests := []struct {
		in   map[string]int
		want string
	}{
		{map[string]int{}, ""},
		{map[string]int{"cost": 1, "pain": 3, "aftercare": 2}, "pain"},
		{map[string]int{"pain": 2, "cost": 2, "zinc": 2, "aftercare": 1}, "cost"},
	}
	for _, tt := range tests {
		for range 10 { // map order varies
			if got := mostCommon(tt.in); got != tt.want {
				t.Fatalf("mostCommon(%v) = %q, want %q", tt.in, got, tt.want)
			}
		}
	}
}
