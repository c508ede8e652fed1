package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/discord/discordtest"
	"github.com/smpbot/smpbot/knowledge"
)

// hugeReply breaks every limit Discord has, with characters outside the BMP.
func hugeReply() bot.Reply {
	long := strings.Repeat("Laser removal 🧪 takes patience. ", 700)
	e := &knowledge.Entry{ID: "huge", Question: strings.Repeat("Why is this question so long? ", 20), Answer: long + "\n\n" + long}
	for i := range 60 {
		e.Caveats = append(e.Caveats, fmt.Sprintf("Caveat %d: %s", i, strings.Repeat("careful ", 40)))
	}
	for i := range 40 {
		e.Sources = append(e.Sources, knowledge.Source{Title: fmt.Sprintf("Source [%d] (draft)", i), URL: fmt.Sprintf("https://example.org/%d?q=(x)", i)})
	}
	var ss []bot.Suggestion
	for i := range 40 {
		ss = append(ss, bot.Suggestion{ID: fmt.Sprintf("entry-%d", i), Question: strings.Repeat("Long suggestion ", 10)})
	}
	ss = append(ss, bot.Suggestion{ID: strings.Repeat("x", 120), Question: "an id over the custom id limit"})
	return bot.Reply{
		Kind: bot.KindAnswer, Entry: e, Urgent: true, Notice: strings.Repeat(bot.UrgentNotice+" ", 8),
		Suggestions: ss[:20], Related: ss[20:], Disclaimer: strings.Repeat(bot.Disclaimer+" ", 20),
	}
}

// checkLimits checks m against Discord's limits: as the fake (and Discord) count, and
// in UTF-16 code units, which is stricter.
func checkLimits(t testing.TB, m message) {
	t.Helper()
	body, err := json.Marshal(m.send(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := discordtest.CheckMessage(body); err != nil {
		t.Errorf("Discord would refuse the message: %v", err)
	}
	if w := width(m.content); w > maxContent {
		t.Errorf("content is %d UTF-16 units, over %d", w, maxContent)
	}
	total := 0
	for _, e := range m.embeds {
		total += width(e.Title) + width(e.Description)
		if e.Footer != nil {
			total += width(e.Footer.Text)
		}
		for _, f := range e.Fields {
			total += width(f.Name) + width(f.Value)
			if width(f.Value) > maxFieldValue {
				t.Errorf("field %q is %d UTF-16 units, over %d", f.Name, width(f.Value), maxFieldValue)
			}
		}
		if width(e.Description) > maxDescription {
			t.Errorf("description is %d UTF-16 units, over %d", width(e.Description), maxDescription)
		}
		for _, s := range []string{e.Title, e.Description} {
			if !utf8.ValidString(s) {
				t.Errorf("%q is not valid UTF-8: a cut split a character", s)
			}
		}
	}
	if total > maxEmbedTotal {
		t.Errorf("embeds hold %d UTF-16 units, over %d", total, maxEmbedTotal)
	}
}

func TestRender(t *testing.T) {
	e := entry(t, "laser-sessions-count")
	answer := bot.Reply{
		Kind: bot.KindAnswer, Entry: &e, Disclaimer: bot.Disclaimer,
		Suggestions: []bot.Suggestion{{ID: "laser-pain", Question: "Does it hurt?"}, {ID: e.ID, Question: e.Question}},
		Related:     []bot.Suggestion{{ID: "laser-pain", Question: "Does it hurt?"}, {ID: "cost", Question: "What does it cost?"}},
	}
	urgent := answer
	urgent.Urgent, urgent.Notice = true, bot.UrgentNotice
	tests := []struct {
		name        string
		reply       bot.Reply
		wantContent string
		wantTitle   string
		wantButtons []string
	}{
		{"answer", answer, "", e.Question, []string{"a:laser-pain", "a:cost"}},
		{"urgent notice first, in the content", urgent, bot.UrgentNotice, e.Question, []string{"a:laser-pain", "a:cost"}},
		{"no match", bot.Reply{Kind: bot.KindNoMatch, Message: "Not sure.", Suggestions: []bot.Suggestion{{ID: "cost", Question: "Cost?"}}}, "Not sure.", "", []string{"a:cost"}},
		{"urgent without an entry", bot.Reply{Kind: bot.KindNoMatch, Urgent: true, Notice: bot.UrgentNotice, Message: "Not sure."}, bot.UrgentNotice + "\n\nNot sure.", "", nil},
		{"small talk", bot.Reply{Kind: bot.KindSmallTalk, Message: "Hello!"}, "Hello!", "", nil},
		{"only plain text", bot.Reply{Text: "plain"}, "plain", "", nil},
		{"nothing at all", bot.Reply{}, apologyText, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := render(tt.reply, false)
			checkLimits(t, m)
			if m.content != tt.wantContent {
				t.Errorf("content = %q, want %q", m.content, tt.wantContent)
			}
			title := ""
			if len(m.embeds) > 0 {
				title = m.embeds[0].Title
			}
			if title != tt.wantTitle {
				t.Errorf("title = %q, want %q", title, tt.wantTitle)
			}
			var ids []string
			for _, row := range m.components {
				for _, c := range row.(discordgo.ActionsRow).Components {
					ids = append(ids, c.(discordgo.Button).CustomID)
				}
			}
			if !slices.Equal(ids, tt.wantButtons) {
				t.Errorf("buttons = %q, want %q", ids, tt.wantButtons)
			}
		})
	}
}

func TestRenderHugeReply(t *testing.T) {
	r := hugeReply()
	m := render(r, false)
	checkLimits(t, m)
	if !strings.HasPrefix(m.content, bot.UrgentNotice) || !strings.HasSuffix(m.content, ellipsis) {
		t.Errorf("content = %.80q...%q, want the notice, cut with an ellipsis", m.content, m.content[max(0, len(m.content)-20):])
	}
	if !strings.HasSuffix(m.embeds[0].Title, ellipsis) {
		t.Errorf("title %q is not marked as cut", m.embeds[0].Title)
	}
	var desc string
	for _, e := range m.embeds {
		desc += e.Description
	}
	if !strings.HasPrefix(r.Entry.Answer, desc[:1000]) || !strings.HasSuffix(desc, ellipsis) {
		t.Errorf("the description is not the start of the answer, cut with an ellipsis")
	}
	buttons := 0
	for _, row := range m.components {
		buttons += len(row.(discordgo.ActionsRow).Components)
	}
	if buttons != maxRows*maxRowButtons {
		t.Errorf("%d buttons, want the %d Discord allows", buttons, maxRows*maxRowButtons)
	}
}

func TestRenderTopics(t *testing.T) {
	tests := []struct {
		name      string
		n         int
		wantMenus int
	}{
		{"none", 0, 0},
		{"one menu", 25, 1},
		{"two menus", 26, 2},
		{"more than five menus can hold", 200, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ts []bot.Suggestion
			for i := range tt.n {
				ts = append(ts, bot.Suggestion{ID: fmt.Sprintf("topic-%d", i), Question: fmt.Sprintf("Question number %d, %s?", i, strings.Repeat("long ", 30))})
			}
			m := renderTopics(ts)
			checkLimits(t, m)
			if len(m.components) != tt.wantMenus {
				t.Errorf("%d menus, want %d", len(m.components), tt.wantMenus)
			}
			if tt.n == 0 && m.content != noTopicsText {
				t.Errorf("content = %q, want %q", m.content, noTopicsText)
			}
		})
	}
}

func TestTrimText(t *testing.T) {
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"fits", "short", 10, "short"},
		{"spaces trimmed", "  short  ", 5, "short"},
		{"cut at a word", "one two three four", 12, "one two…"},
		{"no word boundary", "abcdefghijklmnop", 6, "abcde…"},
		{"surrogate pairs kept whole", "🧪🧪🧪🧪", 5, "🧪🧪…"},
		{"nothing fits", "abc", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := trimText(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("trimText(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
			if width(got) > tt.max {
				t.Errorf("trimText(%q, %d) = %q is %d wide", tt.in, tt.max, got, width(got))
			}
		})
	}
}

func TestSplitText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want []string
	}{
		{"fits", "a b", 10, []string{"a b"}},
		{"paragraphs", "aaaa bbbb\n\ncccc dddd", 12, []string{"aaaa bbbb", "cccc dddd"}},
		{"lines", "aaaa bbbb\ncccc dddd", 12, []string{"aaaa bbbb", "cccc dddd"}},
		{"words", "aaaa bbbb cccc", 10, []string{"aaaa bbbb", "cccc"}},
		{"anywhere", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"narrower than a character", "🧪🧪", 1, []string{"🧪", "🧪"}},
		{"empty", "  ", 4, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := splitText(tt.in, tt.max); !slices.Equal(got, tt.want) {
				t.Errorf("splitText(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

func TestJoinLines(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		max   int
		want  string
	}{
		{"fits", []string{"a", "b"}, 3, "a\nb"},
		{"lines left out", []string{"aaa", "bbb", "ccc"}, 9, "aaa\nbbb\n…"},
		{"room made for the ellipsis", []string{"aaa", "bbb", "ccc"}, 8, "aaa\n…"},
		{"first line too long", []string{"aaaa bbbb cccc"}, 10, "aaaa bbbb…"},
		{"none", nil, 10, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := joinLines(tt.lines, tt.max)
			if got != tt.want || width(got) > tt.max {
				t.Errorf("joinLines(%q, %d) = %q, want %q", tt.lines, tt.max, got, tt.want)
			}
		})
	}
}

func TestCustomID(t *testing.T) {
	tests := []struct {
		kind, payload, want string
	}{
		{kindAnswer, "laser-pain", "a:laser-pain"},
		{kindFeedback, "cost:up", "f:cost:up"},
		{kindAnswer, strings.Repeat("x", maxCustomID-1), ""},
		{kindAnswer, "", ""},
	}
	for _, tt := range tests {
		got := customID(tt.kind, tt.payload)
		if got != tt.want {
			t.Errorf("customID(%q, %q) = %q, want %q", tt.kind, tt.payload, got, tt.want)
		}
		if got == "" {
			continue
		}
		if k, p := splitCustomID(got); k != tt.kind || p != tt.payload {
			t.Errorf("splitCustomID(%q) = %q, %q, want %q, %q", got, k, p, tt.kind, tt.payload)
		}
	}
}

func TestQuestionFromMessage(t *testing.T) {
	const botID = "42"
	user := &discordgo.User{ID: "7", Username: "alice"}
	me := &discordgo.User{ID: botID, Bot: true}
	tests := []struct {
		name   string
		m      *discordgo.Message
		want   string
		wantOK bool
	}{
		{"DM", &discordgo.Message{Author: user, Content: "how much?"}, "how much?", true},
		{"mention", &discordgo.Message{Author: user, GuildID: "1", Content: "<@42> how much?", Mentions: []*discordgo.User{me}}, "how much?", true},
		{"nickname mention", &discordgo.Message{Author: user, GuildID: "1", Content: "how much <@!42>", Mentions: []*discordgo.User{me}}, "how much", true},
		{"reply to the bot", &discordgo.Message{Author: user, GuildID: "1", Type: discordgo.MessageTypeReply, Content: "and after?", Mentions: []*discordgo.User{me}}, "and after?", true},
		{"no mention in a guild", &discordgo.Message{Author: user, GuildID: "1", Content: "<@42> how much?"}, "", false},
		{"other bot", &discordgo.Message{Author: &discordgo.User{ID: "8", Bot: true}, Content: "hi"}, "", false},
		{"itself", &discordgo.Message{Author: &discordgo.User{ID: botID}, Content: "hi"}, "", false},
		{"webhook", &discordgo.Message{Author: user, WebhookID: "9", Content: "hi"}, "", false},
		{"system message", &discordgo.Message{Author: user, Type: discordgo.MessageTypeGuildMemberJoin}, "", false},
		{"no author", &discordgo.Message{Content: "hi"}, "", false},
		{"nil", nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := questionFromMessage(tt.m, botID)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("questionFromMessage = %q, %v, want %q, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestRedactor(t *testing.T) {
	r := newRedactor("s3cr3t")
	tests := []struct{ in, want string }{
		{"Bot s3cr3t refused", "Bot [redacted] refused"},
		{`Post "https://discord.com/api/v9/interactions/123/aW50ZXJhY3Rpb24/callback": EOF`, `Post "https://discord.com/api/v9/interactions/123/[redacted]/callback": EOF`},
		{"PATCH http://127.0.0.1:80/api/v9/webhooks/55/tok3n/messages/@original", "PATCH http://127.0.0.1:80/api/v9/webhooks/55/[redacted]/messages/@original"},
		{"POST /api/v9/webhooks/55/tok3n?wait=true", "POST /api/v9/webhooks/55/[redacted]?wait=true"},
		{"HTTP 500 Internal Server Error", "HTTP 500 Internal Server Error"},
	}
	for _, tt := range tests {
		if got := r.String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	inner := fmt.Errorf("wrapped: %w", context.Canceled)
	err := r.Err(fmt.Errorf("token s3cr3t: %w", inner))
	if strings.Contains(err.Error(), "s3cr3t") || !errors.Is(err, context.Canceled) {
		t.Errorf("Err = %q, want it redacted and still matching context.Canceled", err)
	}
}

func BenchmarkAutocomplete(b *testing.B) {
	h := realHandler(b)
	ctx := context.Background()
	for b.Loop() {
		if cs := buildChoices(h.Complete(ctx, "how many laser sess", maxChoices)); len(cs) == 0 {
			b.Fatal("no choices")
		}
	}
}

func BenchmarkRender(b *testing.B) {
	r, err := realHandler(b).Answer(context.Background(), bot.Question{Text: "How many laser sessions will I need?"})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		render(r, false)
	}
}

func TestFeedbackAndReplyIDs(t *testing.T) {
	e := entry(t, "laser-sessions-count")
	many := func(n int) []bot.Suggestion {
		var ss []bot.Suggestion
		for i := range n {
			ss = append(ss, bot.Suggestion{ID: fmt.Sprintf("entry-%d", i), Question: fmt.Sprintf("Question %d?", i)})
		}
		return ss
	}
	long := strings.Repeat("r", 98)
	tests := []struct {
		name     string
		reply    bot.Reply
		feedback bool
		want     []string // custom ids, in order
	}{
		{"answer with an id", bot.Reply{ID: "R1", Kind: bot.KindAnswer, Entry: &e, Related: many(2)}, true,
			[]string{"a:entry-0:R1", "a:entry-1:R1", "f:R1:y", "f:R1:n"}},
		{"handler takes no feedback", bot.Reply{ID: "R1", Kind: bot.KindAnswer, Entry: &e, Related: many(1)}, false,
			[]string{"a:entry-0:R1"}},
		{"reply without an id", bot.Reply{Kind: bot.KindAnswer, Entry: &e, Related: many(1)}, true,
			[]string{"a:entry-0"}},
		{"no match", bot.Reply{ID: "R1", Kind: bot.KindNoMatch, Message: "Sorry.", Suggestions: many(1)}, true,
			[]string{"a:entry-0:R1"}},
		{"id too long for a custom id", bot.Reply{ID: long, Kind: bot.KindAnswer, Entry: &e, Related: many(1)}, true,
			[]string{"a:entry-0"}},
		{"rows full: feedback keeps its row", bot.Reply{ID: "R1", Kind: bot.KindAnswer, Entry: &e, Suggestions: many(30)}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := render(tt.reply, tt.feedback)
			checkLimits(t, m)
			ids := sentIDs(t, m)
			if tt.want == nil {
				if len(m.components) != maxRows || !slices.Equal(ids[len(ids)-2:], []string{"f:R1:y", "f:R1:n"}) {
					t.Errorf("%d rows ending %q, want %d rows ending with the feedback pair", len(m.components), ids[len(ids)-2:], maxRows)
				}
				return
			}
			if !slices.Equal(ids, tt.want) {
				t.Errorf("custom ids %q, want %q", ids, tt.want)
			}
		})
	}
}

// sentIDs are the custom ids of m as Discord receives them.
func sentIDs(t *testing.T, m message) []string {
	t.Helper()
	body, err := json.Marshal(m.send(nil))
	if err != nil {
		t.Fatal(err)
	}
	var got discordgo.Message
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	return discordtest.Sent{Message: got}.CustomIDs()
}

// Under an answer the follow-ups are one list: one row, one style.
func TestRenderFollowUpsAsOneRow(t *testing.T) {
	e := entry(t, "laser-sessions-count")
	r := bot.Reply{Kind: bot.KindAnswer, Entry: &e,
		Suggestions: []bot.Suggestion{{ID: "laser-pain", Question: "Does it hurt?"}},
		Related:     []bot.Suggestion{{ID: "cost", Question: "What does it cost?"}, {ID: "healing-time", Question: "Healing?"}}}
	rows := render(r, false).components
	if len(rows) != 1 {
		t.Fatalf("%d rows of buttons, want 1", len(rows))
	}
	for _, c := range rows[0].(discordgo.ActionsRow).Components {
		if b := c.(discordgo.Button); b.Style != discordgo.SecondaryButton {
			t.Errorf("%s has style %v, want the follow-ups' one style", b.CustomID, b.Style)
		}
	}
}

// TestRenderScopeNote: the scope note is the first line of Keep in mind under an
// answer, and its last under an urgent one, whose notice stays first in the content.
func TestRenderScopeNote(t *testing.T) {
	e := entry(t, "laser-sessions-count")
	answer := bot.Reply{Kind: bot.KindAnswer, Entry: &e, Disclaimer: bot.Disclaimer, ScopeNote: bot.ScopeNote}
	urgent := answer
	urgent.Urgent, urgent.Notice = true, bot.UrgentNotice
	note := "• " + bot.ScopeNote
	for _, tt := range []struct {
		name  string
		reply bot.Reply
		first bool
	}{{"answer", answer, true}, {"urgent", urgent, false}} {
		t.Run(tt.name, func(t *testing.T) {
			m := render(tt.reply, false)
			checkLimits(t, m)
			fields := m.embeds[len(m.embeds)-1].Fields
			if len(fields) == 0 || fields[0].Name != "Keep in mind" {
				t.Fatalf("fields %+v, want Keep in mind first", fields)
			}
			lines := strings.Split(fields[0].Value, "\n")
			if got := lines[0] == note; got != tt.first {
				t.Errorf("Keep in mind = %q: note first %v, want %v", lines, got, tt.first)
			}
			if !tt.first && lines[len(lines)-1] != note {
				t.Errorf("Keep in mind = %q, want the note last", lines)
			}
			if tt.reply.Urgent && !strings.HasPrefix(m.content, bot.UrgentNotice) {
				t.Errorf("content %q, want the urgent notice first", m.content)
			}
		})
	}
}
