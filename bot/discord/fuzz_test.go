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
		_ = req.focused()
		_ = req.option("question")
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
