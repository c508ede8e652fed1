package telegram

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/telegram/telegramtest"
	"github.com/smpbot/smpbot/knowledge"
)

// FuzzRoute feeds arbitrary bytes to the parsing of an incoming update, as getUpdates
// or a webhook would deliver them: decoding and routing must never panic, and what they
// produce must be usable.
func FuzzRoute(f *testing.F) {
	for _, seed := range []string{
		`{"update_id":1,"message":{"message_id":1,"from":{"id":42,"is_bot":false,"first_name":"A"},"chat":{"id":42,"type":"private"},"date":1,"text":"does laser hurt?"}}`,
		`{"update_id":2,"message":{"message_id":2,"from":{"id":42,"is_bot":false,"first_name":"A"},"chat":{"id":-100,"type":"supergroup"},"date":1,"text":"/ask@SMPBot cost?","entities":[{"type":"bot_command","offset":0,"length":11}]}}`,
		`{"update_id":3,"message":{"message_id":3,"from":{"id":42,"first_name":"A"},"chat":{"id":-100,"type":"group"},"text":"@smpbot hi","entities":[{"type":"mention","offset":0,"length":999}]}}`,
		`{"update_id":4,"callback_query":{"id":"q","from":{"id":42,"first_name":"A"},"message":{"message_id":5,"chat":{"id":-100,"type":"group"}},"chat_instance":"c","data":"a:laser-cost"}}`,
		`{"update_id":5,"inline_query":{"id":"i","from":{"id":42,"first_name":"A"},"query":"cost","offset":""}}`,
		`{"update_id":6,"edited_message":{"message_id":1,"chat":{"id":42,"type":"private"},"text":"x"}}`,
		`{"update_id":7,"message":{"message_id":1,"chat":{"id":42,"type":"private"},"sticker":{"file_id":"s"}}}`,
		`{"update_id":8,"message":"oops"}`,
		`{"update_id":9,"message":{"message_id":1,"chat":null,"text":"/"}}`,
		`{"update_id":10,"message":{"message_id":1,"from":{"id":1},"chat":{"id":1,"type":"private"},"reply_to_message":{"message_id":2,"from":{"id":7000001,"is_bot":true}},"text":"\u0000/ask\u200b"}}`,
		`{"update_id":11,"message":{"message_id":4,"from":{"id":44,"first_name":"M"},"chat":{"id":44,"type":"private"},"text":"/faq_add@SMPBot\n---\nid: x\n---\n😀 heal now","entities":[{"type":"bold","offset":27,"length":4},{"type":"bold","offset":-3,"length":2},{"type":"bold","offset":1,"length":99}]}}`,
		`[]`, `null`, `{}`, `{"update_id":"x"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		u, id, ok, err := decodeUpdate(raw)
		if err != nil {
			return
		}
		if ok && id != u.UpdateID {
			t.Fatalf("decodeUpdate read id %d but the update has %d", id, u.UpdateID)
		}
		ev := route(&u, testMe)
		if ev.kind < kindIgnore || int(ev.kind) >= len(kindNames) {
			t.Fatalf("route returned kind %d", ev.kind)
		}
		if len(ev.text) > maxTextLen {
			t.Fatalf("routed text is %d bytes, over %d", len(ev.text), maxTextLen)
		}
		switch ev.kind {
		case kindCommand:
			if !isCommandName(ev.cmd) || ev.cmd != strings.ToLower(ev.cmd) {
				t.Fatalf("routed command %q is not a lower-case command name", ev.cmd)
			}
		case kindQuestion, kindNotText:
			if ev.chatID == 0 && u.Message.Chat.ID != 0 {
				t.Fatalf("question without a chat to answer in: %+v", ev)
			}
			if !ev.private && ev.replyTo != u.Message.MessageID {
				t.Fatalf("group question replies to %d, not to the asking message %d", ev.replyTo, u.Message.MessageID)
			}
		case kindCallback:
			if ev.callback == nil || ev.callback.From == nil {
				t.Fatalf("callback event without its query or sender")
			}
		case kindInline:
			if ev.inline == nil || ev.inline.From == nil {
				t.Fatalf("inline event without its query or sender")
			}
		case kindIgnore:
			if ev.why == "" {
				t.Fatalf("ignored update without a reason to log")
			}
		}
		if m := ev.msg; m != nil {
			marked := markBold(m.Text, m.Entities)
			if utf8.ValidString(m.Text) && !strings.Contains(m.Text, "*") && strings.ReplaceAll(marked, "**", "") != m.Text {
				t.Fatalf("markBold changed the text %q to %q", m.Text, marked)
			}
			if got := moderatorText(ev); len(got) > maxTextLen+4*len(m.Entities) {
				t.Fatalf("moderator text is %d bytes", len(got))
			}
		}
	})
}

// FuzzRender renders arbitrary FAQ text: every message must parse as Telegram HTML,
// fit the limit, and together keep all of the text.
func FuzzRender(f *testing.F) {
	f.Add("**Bold** & <b>not</b>\n\n- a bullet", "Q?", "⚠️ notice")
	f.Add(strings.Repeat("long line of words ", 400), "<q>", "")
	f.Add(strings.Repeat("x", 5000), "", "")
	f.Add("**unclosed & \"quoted\" 'single'", "A&B", "\x00\xff")
	f.Add(strings.Repeat("😀🙂\n\n", 1500), "q", "n")
	f.Fuzz(func(t *testing.T, answer, question, notice string) {
		r := bot.Reply{Kind: bot.KindAnswer, Urgent: notice != "", Notice: notice, Disclaimer: "D.",
			Entry:       &knowledge.Entry{ID: "x", Question: question, Answer: answer, Caveats: []string{answer[:min(len(answer), 50)]}},
			Suggestions: []bot.Suggestion{{ID: question, Question: answer[:min(len(answer), 80)]}}}
		msgs := renderReply(r, false)
		var all strings.Builder
		for i, m := range msgs {
			if n := telegramtest.Len(m.text); n > maxMessageLen {
				t.Fatalf("message %d is %d UTF-16 units", i, n)
			}
			p, err := telegramtest.ParseHTML(m.text)
			if err != nil {
				t.Fatalf("message %d does not parse: %v\n%q", i, err, m.text)
			}
			all.WriteString(p)
			if m.keyboard != nil {
				for _, row := range m.keyboard.InlineKeyboard {
					for _, b := range row {
						if d := *b.CallbackData; len(d) > maxCallbackData || !utf8.ValidString(d) {
							t.Fatalf("button data %q is invalid", d)
						}
					}
				}
			}
		}
		squash := func(s string) string { return strings.Join(strings.Fields(strings.ReplaceAll(s, "**", "")), "") }
		if utf8.ValidString(answer) && !strings.Contains(squash(all.String()), squash(strings.TrimPrefix(strings.TrimPrefix(answer, "- "), "* "))) &&
			!strings.Contains(answer, "\r") && !strings.Contains(answer, "\n- ") && !strings.Contains(answer, "\n* ") {
			t.Fatalf("the answer is not all there:\n%q\nrendered as\n%q", answer, all.String())
		}
		one := renderOne(r, false)
		if n := telegramtest.Len(one.text); n > maxMessageLen {
			t.Fatalf("single message is %d UTF-16 units", n)
		}
		if _, err := telegramtest.ParseHTML(one.text); err != nil {
			t.Fatalf("single message does not parse: %v", err)
		}
	})
}

// FuzzModeratorInput feeds arbitrary text, as a moderator would send it, to every step
// of an add and to an edit as a pasted entry: the session must never panic, every reply
// must be a message Telegram accepts, and a preview must only ever show a valid entry.
func FuzzModeratorInput(f *testing.F) {
	for _, seed := range []string{
		"-", "none", "Can I dye my hair after SMP removal?", "aftercare, no-such-entry, aftercare",
		"AAD | https://www.aad.org/\nno url here", "Title https://example.com/a\n- Other: http://x.y/",
		"---\nid: aftercare\nquestion: <b>Q</b>\n---\nanswer", "---\n---\n", "---\nid: [\n---",
		strings.Repeat("**bold** & <i> ", 400), "\x00\xff\ufeff---\nid: x",
	} {
		f.Add(seed)
	}
	store, err := knowledge.OpenStore(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	a := &Adapter{mod: bot.NewModeration(store, bot.Moderators{}, nil), now: time.Now}
	check := func(t *testing.T, s *session, msgs []message) {
		t.Helper()
		for i, m := range msgs {
			if n := telegramtest.Len(m.text); n > maxMessageLen || n == 0 {
				t.Fatalf("message %d is %d UTF-16 units", i, n)
			}
			if _, err := telegramtest.ParseHTML(m.text); err != nil {
				t.Fatalf("message %d does not parse: %v\n%q", i, err, m.text)
			}
			if m.keyboard == nil {
				continue
			}
			for _, row := range m.keyboard.InlineKeyboard {
				for _, b := range row {
					if d := *b.CallbackData; len(d) > maxCallbackData || !utf8.ValidString(d) {
						t.Fatalf("button data %q is invalid", d)
					}
				}
			}
			if !s.previewing() {
				t.Fatalf("buttons before the preview")
			}
			if probs := a.problems(s, s.draft, ""); len(probs) > 0 {
				t.Fatalf("a preview of an invalid entry: %v", probs)
			}
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		text = clip(text, maxTextLen)
		add := &session{action: "add", steps: addSteps, draft: knowledge.Entry{Updated: a.today()}}
		for range len(addSteps) + 2 {
			check(t, add, a.advance(add, text))
		}
		e, v, err := store.Get("aftercare")
		if err != nil {
			t.Fatal(err)
		}
		edit := &session{action: "edit", entryID: e.ID, base: v, orig: e, draft: e, steps: editSteps}
		check(t, edit, a.advance(edit, "---\n"+text))
		check(t, edit, a.advance(edit, text))
	})
}
