package bot_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/smpbot/smpbot/bot"
)

// FuzzAnswer sends arbitrary messages to the real handler: it must never fail or
// panic, always say something, keep every reply well-formed (a scope note only under
// an answer, and shown), and always put the medical notice first when a message is
// urgent.
func FuzzAnswer(f *testing.F) {
	for _, s := range []string{"", "hi", "how many laser sessions", "<@1> pus and fever", "+a -b ~c *d", "\x00\xff", strings.Repeat("smp ", 500)} {
		f.Add(s)
	}
	h := handler(f)
	f.Fuzz(func(t *testing.T, text string) {
		r, err := h.Answer(context.Background(), bot.Question{Text: text, Platform: "fuzz"})
		if err != nil {
			t.Fatalf("Answer(%q): %v", text, err)
		}
		if r.Text == "" || !utf8.ValidString(r.Text) {
			t.Fatalf("Answer(%q): empty or invalid text %q", text, r.Text)
		}
		switch r.Kind {
		case bot.KindAnswer:
			if r.Entry == nil || !strings.Contains(r.Text, bot.Disclaimer) {
				t.Fatalf("answer without entry or disclaimer: %+v", r)
			}
		case bot.KindNoMatch, bot.KindSmallTalk:
			if r.Entry != nil {
				t.Fatalf("%s with an entry", r.Kind)
			}
		default:
			t.Fatalf("unknown kind %q", r.Kind)
		}
		if r.ScopeNote != "" && (r.Kind != bot.KindAnswer || !strings.Contains(r.Text, r.ScopeNote)) {
			t.Fatalf("a scope note on a %s, or not in its text: %+v", r.Kind, r)
		}
		if r.Urgent && !strings.HasPrefix(r.Text, bot.UrgentNotice) {
			t.Fatalf("urgent reply does not start with the notice: %q", r.Text)
		}
		if r.Confidence < 0 || r.Confidence > 1 || len(r.Suggestions) > 3 {
			t.Fatalf("confidence %v, %d suggestions", r.Confidence, len(r.Suggestions))
		}
		if utf8.RuneCountInString(r.Question) > bot.MaxQuestionLen {
			t.Fatalf("cleaned question has %d runes", utf8.RuneCountInString(r.Question))
		}
	})
}
