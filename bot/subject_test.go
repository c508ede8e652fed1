package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/smpbot/smpbot/bot"
)

// TestScopeNoteUnderAnswers: the handler adds the scope note to an answer when the
// question speaks of a tattoo or micropigmentation without naming SMP or the scalp,
// and to nothing else: not to answers about SMP, not to declines, not to an entry
// chosen from a list.
func TestScopeNoteUnderAnswers(t *testing.T) {
	h := handler(t)
	tests := []struct {
		text string
		kind bot.Kind
		note bool
	}{
		{"laser tattoo removal on my forearm, how many sessions will it take?", bot.KindAnswer, true},
		{"I regret my micropigmentation, can it be removed completely?", bot.KindAnswer, true},
		{"How many laser sessions will I need to remove my SMP?", bot.KindAnswer, false},
		{"what is the capital of peru", bot.KindNoMatch, false},
		{"how do I get rid of my permanent eyeliner", bot.KindNoMatch, false},
	}
	for _, tt := range tests {
		r := ask(t, h, tt.text)
		if r.Kind != tt.kind {
			t.Errorf("%q: kind %s, want %s", tt.text, r.Kind, tt.kind)
			continue
		}
		if got := r.ScopeNote != ""; got != tt.note {
			t.Errorf("%q: scope note %q, want one: %v", tt.text, r.ScopeNote, tt.note)
		}
		if got := strings.Contains(r.Text, bot.ScopeNote); got != tt.note {
			t.Errorf("%q: note in the text %v, want %v:\n%s", tt.text, got, tt.note, r.Text)
		}
	}
	r, err := h.Answer(context.Background(), bot.Question{EntryID: "laser-sessions-count", Platform: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if r.ScopeNote != "" {
		t.Errorf("an entry chosen by id has the note %q", r.ScopeNote)
	}
}

// TestDeclineOfOtherInk: a question about brows, eyeliner, lips or another tattoo that
// is declined says what the FAQ covers and, for permanent makeup of the face, who can
// help, or, for a tattoo elsewhere, that the removal entries carry over; with or
// without topics to offer. Other declines keep asking for other words. (Since the in/out classifier,
// index/MODEL.md ninth round, some brow questions are answered instead: "my eyebrow
// tattoo is too dark, can it be lightened?" at 0.54; the cases here are declined.)
func TestDeclineOfOtherInk(t *testing.T) {
	h := handler(t)
	const practitioner = "qualified practitioner who can see you in person"
	const carries = "applies to other tattoos too"
	tests := []struct {
		text                  string
		practitioner, carries bool
	}{
		{"can permanent eyeliner be lightened", true, false},                  // nothing to offer
		{"my microbladed brows are too dark, will they fade", true, false},    // topics offered
		{"my brow tattoo is too dark", true, false},                           // topics offered
		{"can my micropigmentation be lasered off my forearm", false, true},   // a tattoo elsewhere
		{"what is the capital of peru", false, false},                         // nothing to offer
		{"which laser is best for removing unwanted body hair", false, false}, // off-topic, no ink
	}
	for _, tt := range tests {
		r := ask(t, h, tt.text)
		if r.Kind != bot.KindNoMatch {
			t.Errorf("%q: kind %s, want a decline", tt.text, r.Kind)
			continue
		}
		if got := strings.Contains(r.Message, practitioner); got != tt.practitioner {
			t.Errorf("%q: practitioner named %v, want %v: %q", tt.text, got, tt.practitioner, r.Message)
		}
		if got := strings.Contains(r.Message, carries); got != tt.carries {
			t.Errorf("%q: says the FAQ carries over %v, want %v: %q", tt.text, got, tt.carries, r.Message)
		}
		if !strings.Contains(r.Message, "scalp micropigmentation (SMP)") && (tt.practitioner || len(r.Suggestions) == 0) {
			t.Errorf("%q: the decline does not say what the FAQ covers: %q", tt.text, r.Message)
		}
		if len(r.Suggestions) > 0 && !strings.HasSuffix(r.Message, "come closest:") {
			t.Errorf("%q: topics offered without leading to them: %q", tt.text, r.Message)
		}
	}
}
