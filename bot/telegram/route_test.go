package telegram

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/smpbot/smpbot/bot/telegram/telegramtest"
)

var testMe = me{
	user:    tgbotapi.User{ID: 7000001, IsBot: true, FirstName: "SMP Bot", UserName: "SMPBot"},
	mention: regexp.MustCompile(`(?i)(^|[^\w@])@` + regexp.QuoteMeta("SMPBot") + `\b`),
}

func TestParseCommand(t *testing.T) {
	tests := []struct {
		text               string
		name, target, args string
		ok                 bool
	}{
		{"/help", "help", "", "", true},
		{"/ASK@SMPBot  how much?", "ask", "SMPBot", "how much?", true},
		{"/ask@SMPBot\nline two", "ask", "SMPBot", "line two", true},
		{"/topics@other_bot", "topics", "other_bot", "", true},
		{"/usr/bin is a path", "", "", "", false},
		{"/ nothing", "", "", "", false},
		{"/", "", "", "", false},
		{"hello /help", "", "", "", false},
		{"/" + strings.Repeat("a", 33), "", "", "", false},
		{"/faq_edit some-id", "faq_edit", "", "some-id", true},
	}
	for _, tt := range tests {
		name, target, args, ok := parseCommand(tt.text)
		if name != tt.name || target != tt.target || args != tt.args || ok != tt.ok {
			t.Errorf("parseCommand(%q) = %q, %q, %q, %v; want %q, %q, %q, %v", tt.text, name, target, args, ok, tt.name, tt.target, tt.args, tt.ok)
		}
	}
}

func TestRoute(t *testing.T) {
	ann := &tgbotapi.User{ID: 42, FirstName: "Ann"}
	botUser := &testMe.user
	private := &tgbotapi.Chat{ID: 42, Type: "private"}
	group := &tgbotapi.Chat{ID: -100123, Type: "supergroup", Title: "SMP"}
	botMsg := &tgbotapi.Message{MessageID: 5, From: botUser, Chat: group, Text: "an answer"}
	long := strings.Repeat("é", maxTextLen) // twice maxTextLen in bytes
	tests := []struct {
		name string
		u    tgbotapi.Update
		want event
	}{
		{"private text is a question",
			tgbotapi.Update{UpdateID: 1, Message: &tgbotapi.Message{MessageID: 9, From: ann, Chat: private, Text: "does laser hurt?"}},
			event{update: 1, kind: kindQuestion, chatID: 42, private: true, user: 42, text: "does laser hurt?"}},
		{"private command",
			tgbotapi.Update{UpdateID: 2, Message: &tgbotapi.Message{MessageID: 9, From: ann, Chat: private, Text: "/start"}},
			event{update: 2, kind: kindCommand, chatID: 42, private: true, user: 42, cmd: "start"}},
		{"group chatter is ignored",
			tgbotapi.Update{UpdateID: 3, Message: &tgbotapi.Message{MessageID: 10, From: ann, Chat: group, Text: "does laser hurt?"}},
			event{update: 3, kind: kindIgnore, why: "group message not addressed to the bot", chatID: -100123, replyTo: 10, user: 42}},
		{"group mention is a question without the mention",
			tgbotapi.Update{UpdateID: 4, Message: &tgbotapi.Message{MessageID: 11, From: ann, Chat: group, Text: "@smpbot does laser hurt?"}},
			event{update: 4, kind: kindQuestion, chatID: -100123, replyTo: 11, user: 42, text: "does laser hurt?"}},
		{"a longer name is not a mention",
			tgbotapi.Update{UpdateID: 5, Message: &tgbotapi.Message{MessageID: 12, From: ann, Chat: group, Text: "@SMPBotFan does laser hurt?"}},
			event{update: 5, kind: kindIgnore, why: "group message not addressed to the bot", chatID: -100123, replyTo: 12, user: 42}},
		{"reply to the bot is a question",
			tgbotapi.Update{UpdateID: 6, Message: &tgbotapi.Message{MessageID: 13, From: ann, Chat: group, Text: "and how much?", ReplyToMessage: botMsg}},
			event{update: 6, kind: kindQuestion, chatID: -100123, replyTo: 13, user: 42, text: "and how much?"}},
		{"command addressed to this bot",
			tgbotapi.Update{UpdateID: 7, Message: &tgbotapi.Message{MessageID: 14, From: ann, Chat: group, Text: "/ask@SMPBot does it scar?"}},
			event{update: 7, kind: kindCommand, chatID: -100123, replyTo: 14, user: 42, cmd: "ask", text: "does it scar?", addressed: true}},
		{"command addressed to another bot",
			tgbotapi.Update{UpdateID: 8, Message: &tgbotapi.Message{MessageID: 15, From: ann, Chat: group, Text: "/ask@OtherBot does it scar?"}},
			event{update: 8, kind: kindIgnore, why: "command for another bot", chatID: -100123, replyTo: 15, user: 42}},
		{"sticker in a private chat",
			tgbotapi.Update{UpdateID: 9, Message: &tgbotapi.Message{MessageID: 16, From: ann, Chat: private, Sticker: &tgbotapi.Sticker{FileID: "x"}}},
			event{update: 9, kind: kindNotText, chatID: 42, private: true, user: 42}},
		{"photo in a group",
			tgbotapi.Update{UpdateID: 10, Message: &tgbotapi.Message{MessageID: 17, From: ann, Chat: group, Photo: []tgbotapi.PhotoSize{{FileID: "p"}}, Caption: "@SMPBot look"}},
			event{update: 10, kind: kindIgnore, why: "group message without text", chatID: -100123, replyTo: 17, user: 42}},
		{"edited message",
			tgbotapi.Update{UpdateID: 11, EditedMessage: &tgbotapi.Message{MessageID: 9, From: ann, Chat: private, Text: "fixed typo"}},
			event{update: 11, kind: kindIgnore, why: "edited message"}},
		{"message from a bot",
			tgbotapi.Update{UpdateID: 12, Message: &tgbotapi.Message{MessageID: 18, From: &tgbotapi.User{ID: 9, IsBot: true}, Chat: group, Text: "@SMPBot hi"}},
			event{update: 12, kind: kindIgnore, why: "message from a bot"}},
		{"message without chat",
			tgbotapi.Update{UpdateID: 13, Message: &tgbotapi.Message{MessageID: 19, From: ann, Text: "hi"}},
			event{update: 13, kind: kindIgnore, why: "message without chat"}},
		{"channel post",
			tgbotapi.Update{UpdateID: 14, ChannelPost: &tgbotapi.Message{MessageID: 1, Chat: &tgbotapi.Chat{ID: -5, Type: "channel"}, Text: "news"}},
			event{update: 14, kind: kindIgnore, why: "channel post"}},
		{"unknown kind",
			tgbotapi.Update{UpdateID: 15, Poll: &tgbotapi.Poll{ID: "p"}},
			event{update: 15, kind: kindIgnore, why: "unsupported update kind"}},
		{"callback without sender",
			tgbotapi.Update{UpdateID: 16, CallbackQuery: &tgbotapi.CallbackQuery{ID: "c", Data: "a:x"}},
			event{update: 16, kind: kindIgnore, why: "callback query without sender or id"}},
		// The shape Telegram sends: from @GroupAnonymousBot, a bot, and sender_chat the group.
		{"anonymous admin asks with /ask",
			tgbotapi.Update{UpdateID: 17, Message: &tgbotapi.Message{MessageID: 20, From: &telegramtest.GroupAnonymousBot, SenderChat: group, Chat: group, Text: "/ask cost?"}},
			event{update: 17, kind: kindCommand, chatID: -100123, replyTo: 20, user: -100123, cmd: "ask", text: "cost?"}},
		{"very long text is clipped",
			tgbotapi.Update{UpdateID: 18, Message: &tgbotapi.Message{MessageID: 21, From: ann, Chat: private, Text: long}},
			event{update: 18, kind: kindQuestion, chatID: 42, private: true, user: 42, text: long[:maxTextLen], clipped: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := route(&tt.u, testMe)
			got.callback, got.inline, got.from, got.msg = nil, nil, nil, nil
			if got != tt.want {
				t.Errorf("route() =\n  %+v\nwant\n  %+v", got, tt.want)
			}
		})
	}
}

func TestRouteCallbackAndInline(t *testing.T) {
	ann := &tgbotapi.User{ID: 42}
	group := &tgbotapi.Chat{ID: -100123, Type: "supergroup"}
	cb := route(&tgbotapi.Update{UpdateID: 1, CallbackQuery: &tgbotapi.CallbackQuery{ID: "q1", From: ann, Data: "a:x",
		Message: &tgbotapi.Message{MessageID: 77, Chat: group}}}, testMe)
	if cb.kind != kindCallback || cb.chatID != -100123 || cb.replyTo != 77 || cb.user != 42 || cb.callback.Data != "a:x" {
		t.Errorf("callback in a group routed to %+v", cb)
	}
	old := route(&tgbotapi.Update{UpdateID: 2, CallbackQuery: &tgbotapi.CallbackQuery{ID: "q2", From: ann, InlineMessageID: "im"}}, testMe)
	if old.kind != kindCallback || old.chatID != 0 || old.key() != 42 {
		t.Errorf("callback on an inline message routed to %+v (key %d)", old, old.key())
	}
	iq := route(&tgbotapi.Update{UpdateID: 3, InlineQuery: &tgbotapi.InlineQuery{ID: "i1", From: ann, Query: "cost"}}, testMe)
	if iq.kind != kindInline || iq.inline.Query != "cost" || iq.key() != 42 {
		t.Errorf("inline query routed to %+v", iq)
	}
}

func TestDecodeUpdate(t *testing.T) {
	tests := []struct {
		raw     string
		id      int
		ok      bool
		decodes bool
	}{
		{`{"update_id":5,"message":{"message_id":1,"chat":{"id":1,"type":"private"},"text":"hi"}}`, 5, true, true},
		{`{"update_id":6,"message":"oops"}`, 6, true, false},
		{`{"message":{}}`, 0, false, true},
		{`[1,2]`, 0, false, false},
		{`{"update_id":"7"}`, 0, false, false},
	}
	for _, tt := range tests {
		_, id, ok, err := decodeUpdate([]byte(tt.raw))
		if id != tt.id || ok != tt.ok || (err == nil) != tt.decodes {
			t.Errorf("decodeUpdate(%s) = id %d, ok %v, err %v; want id %d, ok %v, decodes %v", tt.raw, id, ok, err, tt.id, tt.ok, tt.decodes)
		}
	}
}

func TestDecodeBatchGivesUnreadableUpdatesIDs(t *testing.T) {
	a := &Adapter{log: discard()}
	raws := []json.RawMessage{
		json.RawMessage(`"garbage"`),
		json.RawMessage(`{"update_id":11,"message":{"message_id":1,"chat":{"id":1,"type":"private"},"text":"hi"}}`),
		json.RawMessage(`{"update_id":12,"message":"oops"}`),
		json.RawMessage(`[]`),
	}
	items := a.decodeBatch(raws, 0)
	var got []int
	for _, it := range items {
		got = append(got, it.id)
	}
	want := []int{10, 11, 12, 13}
	if len(got) != len(want) {
		t.Fatalf("ids = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ids = %v, want %v", got, want)
		}
	}
	if items[0].err == nil || items[1].err != nil || items[2].err == nil || items[3].err == nil {
		t.Errorf("decode errors = %v, %v, %v, %v; want only the second to decode", items[0].err, items[1].err, items[2].err, items[3].err)
	}
}

func BenchmarkDecodeAndRoute(b *testing.B) {
	raw := []byte(`{"update_id":2,"message":{"message_id":2,"from":{"id":42,"is_bot":false,"first_name":"A"},"chat":{"id":-100,"type":"supergroup"},"date":1,"text":"@SMPBot how many laser sessions will I need?","entities":[{"type":"mention","offset":0,"length":7}]}}`)
	for b.Loop() {
		u, _, _, err := decodeUpdate(raw)
		if err != nil {
			b.Fatal(err)
		}
		if ev := route(&u, testMe); ev.kind != kindQuestion {
			b.Fatalf("routed to %v", ev.kind)
		}
	}
}
