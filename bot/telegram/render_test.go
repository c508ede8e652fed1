package telegram

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/telegram/telegramtest"
	"github.com/smpbot/smpbot/knowledge"
)

// checkMessages checks what Telegram would: every message parses as HTML, fits the
// limit, and its buttons carry valid callback data.
func checkMessages(t *testing.T, msgs []message) (plain []string) {
	t.Helper()
	for i, m := range msgs {
		if n := telegramtest.Len(m.text); n > maxMessageLen {
			t.Errorf("message %d is %d UTF-16 units, over %d", i, n, maxMessageLen)
		}
		p, err := telegramtest.ParseHTML(m.text)
		if err != nil {
			t.Errorf("message %d does not parse: %v\n%s", i, err, m.text)
		}
		plain = append(plain, p)
		if m.keyboard != nil {
			for _, row := range m.keyboard.InlineKeyboard {
				for _, b := range row {
					if b.CallbackData == nil || len(*b.CallbackData) > maxCallbackData || !hasAnyPrefix(*b.CallbackData, cbAnswer, cbFeedback, cbModerator) {
						t.Errorf("message %d has a button with bad callback data %v", i, b.CallbackData)
					}
				}
			}
		}
	}
	return plain
}

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func TestRenderRealReplies(t *testing.T) {
	h := handler(t)
	tests := []struct {
		question  string
		wantFirst string // the plain text starts with this
		wantIn    []string
		buttons   bool
	}{
		{"How many laser sessions will I need?", "How many laser sessions does SMP removal take?",
			[]string{"Well-placed SMP", "Sources:", "Keep in mind:", bot.Disclaimer, buttonsHint}, true},
		{"my scalp has pus and a fever after laser", "⚠️",
			[]string{bot.Disclaimer}, false},
		{"what is the best pizza topping", "Sorry, I don't have a good answer", nil, false},
		// A tattoo, not SMP: the scope note under Keep in mind.
		{"laser tattoo removal on my forearm, how many sessions will it take?", "How many laser sessions does SMP removal take?",
			[]string{"Keep in mind:\n• " + bot.ScopeNote, bot.Disclaimer}, true},
	}
	for _, tt := range tests {
		t.Run(tt.question, func(t *testing.T) {
			r, err := h.Answer(context.Background(), bot.Question{Text: tt.question, Platform: "telegram"})
			if err != nil {
				t.Fatal(err)
			}
			msgs := renderReply(r, false)
			if len(msgs) != 1 {
				t.Fatalf("got %d messages, want 1", len(msgs))
			}
			plain := checkMessages(t, msgs)[0]
			if !strings.HasPrefix(plain, tt.wantFirst) {
				t.Errorf("message starts %q, want it to start with %q", plain[:min(80, len(plain))], tt.wantFirst)
			}
			if r.Urgent && !strings.HasPrefix(plain, r.Notice[:40]) {
				t.Errorf("urgent notice is not first: %q", plain[:80])
			}
			for _, w := range tt.wantIn {
				if !strings.Contains(plain, w) {
					t.Errorf("message lacks %q:\n%s", w, plain)
				}
			}
			if got := msgs[0].keyboard != nil; tt.buttons && !got {
				t.Errorf("no buttons, want suggestions or related entries as buttons")
			}
		})
	}
}

func TestRenderEscapesEverything(t *testing.T) {
	r := bot.Reply{
		Kind:   bot.KindAnswer,
		Urgent: true, Notice: "See a <doctor> & \"now\"",
		Entry: &knowledge.Entry{ID: "x", Question: "Is <b>this</b> bold?", Answer: "**Yes** & <script>alert(1)</script>\n- a <i>bullet</i>",
			Caveats: []string{"<caveat>"}, Sources: []knowledge.Source{{Title: "A&B <c>", URL: `https://example.com/?a=1&b="2"`}, {Title: "Offline", URL: "book <p. 3>"}}},
		Disclaimer:  "not <advice>",
		Suggestions: []bot.Suggestion{{ID: "y", Question: "<Why>?"}},
	}
	msgs := renderReply(r, false)
	plain := strings.Join(checkMessages(t, msgs), "\n")
	for _, want := range []string{"See a <doctor> & \"now\"", "Is <b>this</b> bold?", "Yes & <script>alert(1)</script>", "• a <i>bullet</i>",
		"• <caveat>", "A&B <c>", "Offline: book <p. 3>", "not <advice>"} {
		if !strings.Contains(plain, want) {
			t.Errorf("rendered text lacks %q:\n%s", want, plain)
		}
	}
	if !strings.Contains(msgs[0].text, `<a href="https://example.com/?a=1&amp;b=&#34;2&#34;">A&amp;B &lt;c&gt;</a>`) {
		t.Errorf("source link not escaped as expected:\n%s", msgs[0].text)
	}
	if !strings.Contains(msgs[0].text, "<b>Yes</b>") {
		t.Errorf("**bold** in an answer not rendered bold:\n%s", msgs[0].text)
	}
	if got := *msgs[len(msgs)-1].keyboard.InlineKeyboard[0][0].CallbackData; got != "a:y" {
		t.Errorf("suggestion button data = %q, want a:y", got)
	}
}

func TestPackSplitsAtParagraphs(t *testing.T) {
	var paras []string
	for i := range 60 {
		paras = append(paras, fmt.Sprintf("Paragraph %d. %s", i, strings.Repeat("Lasers & <pigment> fade slowly. ", 6)))
	}
	r := bot.Reply{Kind: bot.KindAnswer, Notice: "URGENT first", Urgent: true,
		Entry: &knowledge.Entry{ID: "long", Question: "Long?", Answer: strings.Join(paras, "\n\n")}, Disclaimer: "Disclaimer."}
	msgs := renderReply(r, false)
	if len(msgs) < 3 {
		t.Fatalf("got %d messages, want the long answer split in several", len(msgs))
	}
	plain := checkMessages(t, msgs)
	if !strings.HasPrefix(plain[0], "URGENT first") {
		t.Errorf("first message starts %q, want the urgent notice first", plain[0][:40])
	}
	for i, p := range plain[1:] {
		if !strings.HasPrefix(p, "Paragraph ") && !strings.HasPrefix(p, "Disclaimer.") {
			t.Errorf("message %d starts mid-paragraph: %q", i+1, p[:min(40, len(p))])
		}
	}
	joined := strings.Join(plain, "\n\n")
	for i := range paras {
		if !strings.Contains(joined, fmt.Sprintf("Paragraph %d. ", i)) {
			t.Errorf("paragraph %d is missing", i)
		}
	}
}

func TestPackSplitsOverlongLinesAndWords(t *testing.T) {
	tests := []struct {
		name string
		text string
	}{
		{"one line of many words", strings.Repeat("word & <word> ", 1200)},
		{"one word", strings.Repeat("&", 9000)},
		{"astral characters", strings.Repeat("😀", 5000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := renderReply(bot.Reply{Kind: bot.KindNoMatch, Message: tt.text}, false)
			if len(msgs) < 2 {
				t.Fatalf("got %d messages, want the text split", len(msgs))
			}
			plain := checkMessages(t, msgs)
			// Splitting may drop only the white space it broke at.
			squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
			if got, want := squash(strings.Join(plain, "")), squash(tt.text); got != want {
				t.Errorf("split text does not add up to the original (%d vs %d bytes)", len(got), len(want))
			}
		})
	}
}

func TestRenderOneShortens(t *testing.T) {
	r := bot.Reply{Kind: bot.KindAnswer, Entry: &knowledge.Entry{ID: "long", Question: "Long?",
		Answer: strings.Repeat("A paragraph of text that goes on.\n\n", 300)}, Disclaimer: "D."}
	m := renderOne(r, false)
	plain := checkMessages(t, []message{m})[0]
	if !strings.HasSuffix(plain, shortenedNote) {
		t.Errorf("shortened message does not end with the note: %q", plain[len(plain)-80:])
	}
}

func TestAnswerButtonLimits(t *testing.T) {
	tests := []struct {
		s      bot.Suggestion
		from   string
		ok     bool
		data   string
		label  string
		labelN int
	}{
		{bot.Suggestion{ID: "laser-cost", Question: "How much?"}, "", true, "a:laser-cost", "How much?", 0},
		{bot.Suggestion{ID: "laser-cost", Question: "How much?"}, "r1AbC_-x", true, "a:laser-cost:r1AbC_-x", "How much?", 0},
		{bot.Suggestion{ID: strings.Repeat("x", 62), Question: "Q"}, "", true, "a:" + strings.Repeat("x", 62), "Q", 0},
		// The reply id is dropped, not the button, when both do not fit in 64 bytes.
		{bot.Suggestion{ID: strings.Repeat("x", 49), Question: "Q"}, "0123456789abc", true, "a:" + strings.Repeat("x", 49), "Q", 0},
		{bot.Suggestion{ID: strings.Repeat("x", 48), Question: "Q"}, "0123456789abc", true, "a:" + strings.Repeat("x", 48) + ":0123456789abc", "Q", 0}, // 64 bytes exactly
		{bot.Suggestion{ID: strings.Repeat("x", 63), Question: "Q"}, "", false, "", "", 0},
		{bot.Suggestion{ID: "", Question: "Q"}, "", false, "", "", 0},
		{bot.Suggestion{ID: "a:b", Question: "Q"}, "", false, "", "", 0},
		{bot.Suggestion{ID: "long", Question: strings.Repeat("é", 100)}, "", true, "a:long", "", maxButtonLabel},
	}
	for _, tt := range tests {
		b, ok := answerButton(tt.s, tt.from)
		if ok != tt.ok {
			t.Errorf("answerButton(%q, %q) ok = %v, want %v", tt.s.ID, tt.from, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		if *b.CallbackData != tt.data {
			t.Errorf("answerButton(%q, %q) data = %q, want %q", tt.s.ID, tt.from, *b.CallbackData, tt.data)
		}
		if len(*b.CallbackData) > maxCallbackData {
			t.Errorf("answerButton(%q, %q) data is %d bytes, over %d", tt.s.ID, tt.from, len(*b.CallbackData), maxCallbackData)
		}
		if tt.label != "" && b.Text != tt.label {
			t.Errorf("answerButton(%q) label = %q, want %q", tt.s.ID, b.Text, tt.label)
		}
		if tt.labelN != 0 && len([]rune(b.Text)) != tt.labelN {
			t.Errorf("answerButton(%q) label has %d characters, want %d", tt.s.ID, len([]rune(b.Text)), tt.labelN)
		}
	}
}

func TestFeedbackButtons(t *testing.T) {
	entry := &knowledge.Entry{ID: "x", Question: "Q?", Answer: "A."}
	tests := []struct {
		name     string
		r        bot.Reply
		feedback bool
		want     [][]string // callback data, row by row
	}{
		{"answer with an id", bot.Reply{ID: "r1", Kind: bot.KindAnswer, Entry: entry, Related: []bot.Suggestion{{ID: "y", Question: "Y?"}}}, true,
			[][]string{{"a:y:r1"}, {"f:r1:y", "f:r1:n"}}},
		{"handler takes no feedback", bot.Reply{ID: "r1", Kind: bot.KindAnswer, Entry: entry, Related: []bot.Suggestion{{ID: "y", Question: "Y?"}}}, false,
			[][]string{{"a:y:r1"}}},
		{"answer without an id", bot.Reply{Kind: bot.KindAnswer, Entry: entry}, true, nil},
		{"no match gets no feedback", bot.Reply{ID: "r2", Kind: bot.KindNoMatch, Message: "Sorry.", Suggestions: []bot.Suggestion{{ID: "y", Question: "Y?"}}}, true,
			[][]string{{"a:y:r2"}}},
		{"reply id too long for feedback", bot.Reply{ID: strings.Repeat("r", 61), Kind: bot.KindAnswer, Entry: entry}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := renderReply(tt.r, tt.feedback)
			checkMessages(t, msgs)
			var got [][]string
			if kb := msgs[len(msgs)-1].keyboard; kb != nil {
				for _, row := range kb.InlineKeyboard {
					var r []string
					for _, b := range row {
						r = append(r, *b.CallbackData)
					}
					got = append(got, r)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("buttons = %v, want %v", got, tt.want)
			}
			hint := strings.Contains(msgs[0].text, buttonsHint)
			if wantHint := len(tt.r.Related) > 0; hint != wantHint {
				t.Errorf("hint about entry buttons shown = %v, want %v", hint, wantHint)
			}
		})
	}
}

func TestTopicMessages(t *testing.T) {
	var topics []bot.Suggestion
	for i := range 95 {
		topics = append(topics, bot.Suggestion{ID: fmt.Sprintf("t%d", i), Question: fmt.Sprintf("Topic %d?", i)})
	}
	msgs := topicMessages(topics)
	if len(msgs) != 3 {
		t.Fatalf("got %d messages, want 3 of at most %d buttons", len(msgs), maxButtons)
	}
	checkMessages(t, msgs)
	n := 0
	for _, m := range msgs {
		n += len(m.keyboard.InlineKeyboard)
	}
	if n != 95 {
		t.Errorf("got %d topic buttons, want 95", n)
	}
}

func TestRedact(t *testing.T) {
	base := &url.Error{Op: "Post", URL: "http://127.0.0.1:1/bot" + testToken + "/getUpdates", Err: context.Canceled}
	err := redact(base, testToken)
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("redacted error still has the token: %v", err)
	}
	if !strings.Contains(err.Error(), "/bot<token>/getUpdates") {
		t.Errorf("redacted error = %q, want the token replaced by <token>", err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("redacted error does not unwrap to the original")
	}
	wrapped := fmt.Errorf("telegram: %w", err)
	if strings.Contains(wrapped.Error(), testToken) {
		t.Errorf("wrapping brought the token back: %v", wrapped)
	}
	plainErr := &tgbotapi.Error{Code: 400, Message: "Bad Request: chat not found"}
	if got := redact(plainErr, testToken); got != error(plainErr) {
		t.Errorf("an error without the token was changed: %v", got)
	}
}

func BenchmarkRenderReply(b *testing.B) {
	r, err := handler(b).Answer(context.Background(), bot.Question{Text: "How many laser sessions will I need?"})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		renderReply(r, false)
	}
}
