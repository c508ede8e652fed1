package telegram

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/knowledge"
)

// cannedHandler answers every question with one reply and takes feedback, so that
// what the adapter sends can be compared with PreviewReply of that reply.
type cannedHandler struct{ r bot.Reply }

func (h cannedHandler) Answer(context.Context, bot.Question) (bot.Reply, error) { return h.r, nil }
func (h cannedHandler) RecordFeedback(context.Context, bot.Feedback) error      { return nil }

// longReply is an urgent answer too long for one Telegram message, with markup to
// escape, bold, bullets, caveats, sources and follow-ups.
func longReply() bot.Reply {
	var paras []string
	for i := range 14 {
		paras = append(paras, fmt.Sprintf("Paragraph %d: **bold words** & <script>x</script> %s", i, strings.Repeat("a long line of answer text ", 14)))
	}
	paras = append(paras, "- first point\n- second point")
	e := knowledge.Entry{ID: "long-one", Question: "A long question <b>?", Answer: strings.Join(paras, "\n\n"),
		Caveats: []string{"Ask your clinic."}, Sources: []knowledge.Source{{Title: "A & B", URL: "https://example.org/a?b=1&c=2"}}}
	return bot.Reply{ID: "r1", Kind: bot.KindAnswer, Entry: &e, Urgent: true, Notice: bot.UrgentNotice, Disclaimer: bot.Disclaimer,
		Suggestions: []bot.Suggestion{{ID: "cost", Question: "How much does removal cost?"}},
		Related:     []bot.Suggestion{{ID: "healing-time", Question: "How long does healing take?"}}}
}

func keyboardLabels(kb [][]tgbotapi.InlineKeyboardButton) [][]string {
	var out [][]string
	for _, row := range kb {
		var labels []string
		for _, b := range row {
			labels = append(labels, b.Text)
		}
		out = append(out, labels)
	}
	return out
}

// PreviewReply is what the adapter sends: the same messages, split in the same
// places, with the same buttons.
func TestPreviewReplyIsWhatIsSent(t *testing.T) {
	for _, tt := range []struct {
		name string
		r    bot.Reply
	}{
		{"long urgent answer", longReply()},
		{"decline", bot.Reply{Kind: bot.KindNoMatch, Message: "I don't know that one <yet> & sorry.",
			Suggestions: []bot.Suggestion{{ID: "cost", Question: "How much does removal cost?"}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want := PreviewReply(tt.r, true)
			h := start(t, setup{h: cannedHandler{tt.r}})
			u := tgbotapi.User{ID: 42, FirstName: "Ann"}
			h.fake.Send(h.fake.PrivateChat(u), u, "anything", 0)
			got := h.messages(t, len(want))
			h.settle(t)
			if got = h.fake.Messages(); len(got) != len(want) {
				t.Fatalf("the adapter sent %d messages, the preview shows %d", len(got), len(want))
			}
			if tt.name == "long urgent answer" && len(want) < 2 {
				t.Errorf("a reply of %d characters previewed as %d message, want it split", len(tt.r.Entry.Answer), len(want))
			}
			if last := want[len(want)-1].Buttons; tt.r.Entry != nil && !slices.ContainsFunc(last, func(row []string) bool { return slices.Contains(row, helpfulLabel) }) {
				t.Errorf("buttons under an answer with feedback on: %q, want Helpful among them", last)
			}
			for i := range want {
				if got[i].HTML != want[i].HTML {
					t.Errorf("message %d:\nsent    %q\npreview %q", i, got[i].HTML, want[i].HTML)
				}
				if want[i].Length > MaxMessageLength || want[i].Length != u16len(got[i].HTML) {
					t.Errorf("message %d: preview length %d, sent %d, limit %d", i, want[i].Length, u16len(got[i].HTML), MaxMessageLength)
				}
				if g := keyboardLabels(got[i].Keyboard); !slices.EqualFunc(g, want[i].Buttons, slices.Equal) {
					t.Errorf("message %d: buttons sent %q, previewed %q", i, g, want[i].Buttons)
				}
			}
		})
	}
}
