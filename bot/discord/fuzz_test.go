package discord

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/knowledge"
)

// FuzzParseInteraction feeds INTERACTION_CREATE payloads through discordgo's decoding
// and the adapter's reading of them. Seeds: testdata/fuzz/FuzzParseInteraction, made
// from the fake's payloads.
func FuzzParseInteraction(f *testing.F) {
	f.Add([]byte(`{"id":"1","type":2,"data":{"name":"ask","options":[{"name":"question","type":3,"value":"hi"}]},"member":{"user":{"id":"7"}}}`))
	f.Add([]byte(`{"id":"1","type":3,"data":{"custom_id":"a:cost","component_type":2},"user":{"id":"7"}}`))
	f.Add([]byte(`{"id":"1","type":4,"data":{"name":"ask","options":[{"name":"question","type":3,"value":7,"focused":true}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var i discordgo.Interaction
		if json.Unmarshal(data, &i) != nil {
			return
		}
		req := parseInteraction(&i)
		if strings.Contains(req.kind, ":") {
			t.Errorf("kind %q contains the separator", req.kind)
		}
		if d, ok := i.Data.(discordgo.MessageComponentInteractionData); ok && strings.Contains(d.CustomID, ":") && req.kind+":"+req.payload != d.CustomID {
			t.Errorf("custom id %q read as %q and %q", d.CustomID, req.kind, req.payload)
		}
		if d, ok := i.Data.(discordgo.ModalSubmitInteractionData); ok {
			if strings.Contains(d.CustomID, ":") && req.kind+":"+req.payload != d.CustomID {
				t.Errorf("modal custom id %q read as %q and %q", d.CustomID, req.kind, req.payload)
			}
			if req.fields == nil {
				t.Errorf("a modal submission without fields")
			}
			// What the moderator front makes of the fields must not panic either.
			_, _ = formFrom(req.fields).entry("e")
		}
		if req.user != "" && req.name == "" && (i.Member == nil || i.Member.User == nil || i.Member.User.Username != "") &&
			(i.User == nil || i.User.Username != "") {
			t.Errorf("user %s without a name", req.user)
		}
		_ = identityOf(req)
		_ = req.focused()
		_ = req.option("question")
		_ = req.option(daysOption)
	})
}

// FuzzEntryForm feeds the entry form's five inputs, as a submission may carry
// anything, to the reading of them: problems are reported by line, and an entry read
// from a form comes back unchanged through a form prefilled with it (an edit that
// changes nothing changes nothing). Seeds: testdata/fuzz/FuzzEntryForm.
func FuzzEntryForm(f *testing.F) {
	f.Add("How many sessions?", "sessions needed\n- how many zaps", "Often 4 to 10.\r\n\r\nIt depends.", "Ask your clinic.",
		"tags: laser, sessions\nrelated: cost\nsource: Clinic | https://e.org/a")
	f.Add("Q", "• a\r\n", "A", "", "sources: T | with | bar | https://e.org\nTAGS: x,,y\nlink: nope")
	f.Add("", "", "", "", "source: https://e.org")
	f.Fuzz(func(t *testing.T, question, alternates, answer, caveats, more string) {
		e, err := form{question, alternates, answer, caveats, more}.entry("e")
		if err != nil {
			for _, err := range bot.Problems(err) {
				if !strings.Contains(err.Error(), "line ") {
					t.Errorf("error %q does not name a line", err)
				}
			}
			return
		}
		again, err := formOf(e).entry("e")
		if err != nil || !entriesEqual(again, e) {
			t.Errorf("through a prefilled form, %+v became %+v (%v)", e, again, err)
		}
	})
}

// FuzzQuestionFromMessage feeds MESSAGE_CREATE payloads through discordgo's decoding and
// the adapter's choice of what to answer. Seeds: testdata/fuzz/FuzzQuestionFromMessage.
func FuzzQuestionFromMessage(f *testing.F) {
	f.Add([]byte(`{"id":"1","channel_id":"2","author":{"id":"7"},"content":"<@42> hi","mentions":[{"id":"42"}],"guild_id":"3"}`), "42")
	f.Add([]byte(`{"id":"1","channel_id":"2","author":{"id":"7","bot":true},"content":"hi"}`), "42")
	f.Fuzz(func(t *testing.T, data []byte, botID string) {
		var m discordgo.Message
		if json.Unmarshal(data, &m) != nil {
			return
		}
		q, ok := questionFromMessage(&m, botID)
		if !ok && q != "" {
			t.Errorf("ignored message yields question %q", q)
		}
		if ok && botID != "" && strings.Contains(q, "<@"+botID+">") {
			t.Errorf("question %q still mentions the bot", q)
		}
		if ok && (m.Author == nil || m.Author.Bot || m.Author.ID == botID) {
			t.Errorf("answering a message by %+v", m.Author)
		}
	})
}

// FuzzRender checks that whatever an entry holds, the message fits Discord's limits.
func FuzzRender(f *testing.F) {
	f.Add("How many sessions?", "It depends.\n\nOften 1-2.", "Ask a doctor.", "Source", "https://example.org", "cost", "What does it cost?", true)
	f.Add(strings.Repeat("🧪", 300), strings.Repeat("word ", 2000), strings.Repeat("c", 2000), "[x]", "not a url", strings.Repeat("i", 200), "", false)
	f.Fuzz(func(t *testing.T, question, answer, caveat, title, url, id, suggestion string, urgent bool) {
		e := &knowledge.Entry{ID: "e", Question: question, Answer: answer,
			Caveats: []string{caveat, caveat, caveat}, Sources: []knowledge.Source{{Title: title, URL: url}, {Title: title, URL: url}}}
		r := bot.Reply{Kind: bot.KindAnswer, Entry: e, Disclaimer: bot.Disclaimer,
			Suggestions: []bot.Suggestion{{ID: id, Question: suggestion}}, Related: []bot.Suggestion{{ID: id + "2", Question: suggestion}}}
		if urgent {
			r.Urgent, r.Notice = true, bot.UrgentNotice+caveat
		}
		// The reply id is as arbitrary as the entry ids: custom ids must still fit.
		r.ID = id
		m := render(r, !urgent)
		checkLimits(t, m)
		if len(m.embeds) == 0 {
			t.Errorf("an answer rendered without an embed")
		}
		if urgent && !strings.HasPrefix(m.content, bot.UrgentNotice[:50]) {
			t.Errorf("content %.60q does not start with the urgent notice", m.content)
		}
	})
}
