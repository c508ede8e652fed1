package bot

import (
	"testing"

	"github.com/smpbot/smpbot/knowledge"
)

// TestInkWithoutSMP: a tattoo, micropigmentation, permanent makeup or ink makes the
// subject, and naming SMP or the scalp (not negated) takes the note away. A question
// without a subject gets no note: most who ask have SMP.
func TestInkWithoutSMP(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		// SMP or the scalp named: the FAQ speaks of it already.
		{"how many laser sessions to remove my SMP?", false},
		{"SMP tattoo removal, does it hurt?", false},
		{"can scalp micropigmentation be removed", false},
		{"the tattoo on my scalp came out too dark", false},
		{"my hairline tattoo looks fake, can it be lasered off", false},
		{"my hair tattoo is fading blue", false},
		{"micropigmentation on my bald head went blotchy", false},
		{"the ink around my temples has spread", false},
		{"the ink at my hair line is too sharp", false},
		{"not sure if my smp ink can be removed", false}, // doubt, not negation
		{"I don't know whether the SMP tattoo will fade", false},
		{"tatooed scalp, how much to remove?", false}, // misspelt subject, scalp named

		// A tattoo, micropigmentation or ink, and nothing of the scalp.
		{"tattoo removal on my arm, how many sessions?", true},
		{"micropigmentation", true},
		{"I regret my micropigmentation, can it be undone?", true},
		{"does micro pigmentation come off with saline?", true},
		{"how long between laser sessions for a cosmetic tattoo", true},
		{"is PMU removal painful", true},
		{"can permanent makeup be removed completely?", true},
		{"my microblading healed too dark", true},
		{"will the ink ever fade on its own?", true},
		{"how much does it cost to get a tat lasered", true},
		{"how long does a tatoo take to heal after laser", true}, // short misspelling
		{"does micropigmantation removal leave scars", true},     // one edit
		{"it's not SMP, it's a tattoo on my forearm", true},      // negated marker
		{"the tattoo isn't on my scalp, it's on my ankle", true}, // negated marker

		// No subject: no note.
		{"is laser removal painful", false},
		{"how many sessions will I need?", false},
		{"can it be removed", false},
		{"", false},
		// Words that only look like a subject.
		{"will laser affect my skin pigmentation", false},
		{"I think the tattle is unfair", false},
	}
	for _, tt := range tests {
		if got := inkWithoutSMP(tt.text); got != tt.want {
			t.Errorf("inkWithoutSMP(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

// TestCaveatsPutTheScopeNoteFirst: the note leads what to keep in mind, before the
// entry's own caveats, except under an urgent answer, whose caveats about getting
// checked come first; an answer without it keeps the entry's caveats as they are.
func TestCaveatsPutTheScopeNoteFirst(t *testing.T) {
	e := &knowledge.Entry{Caveats: []string{"one", "two"}}
	if got := Caveats(Reply{Entry: e}); len(got) != 2 || got[0] != "one" {
		t.Errorf("Caveats without a note = %q, want the entry's", got)
	}
	got := Caveats(Reply{Entry: e, ScopeNote: ScopeNote})
	if len(got) != 3 || got[0] != ScopeNote || got[1] != "one" || got[2] != "two" {
		t.Errorf("Caveats with a note = %q, want the note, then the entry's", got)
	}
	got = Caveats(Reply{Entry: e, ScopeNote: ScopeNote, Urgent: true})
	if len(got) != 3 || got[0] != "one" || got[2] != ScopeNote {
		t.Errorf("Caveats of an urgent answer = %q, want the entry's, then the note", got)
	}
	if got := Caveats(Reply{}); len(got) != 0 {
		t.Errorf("Caveats of a reply without an entry = %q, want none", got)
	}
	if len(e.Caveats) != 2 {
		t.Errorf("the entry's caveats changed: %q", e.Caveats)
	}
}
