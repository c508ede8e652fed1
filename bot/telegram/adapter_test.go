package telegram

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/telegram/telegramtest"
)

var (
	ann = tgbotapi.User{ID: 42, FirstName: "Ann", UserName: "ann"}
	bob = tgbotapi.User{ID: 43, FirstName: "Bob"}
)

func TestPrivateQuestion(t *testing.T) {
	h := start(t, setup{})
	c := h.fake.PrivateChat(ann)
	h.fake.Send(c, ann, "How many laser sessions will I need?", 0)
	got := h.messages(t, 1)[0]
	if got.ChatID != ann.ID || got.ParseMode != "HTML" || got.ReplyTo != 0 {
		t.Errorf("sent to chat %d, parse mode %q, reply to %d; want chat %d, HTML, no reply in a private chat", got.ChatID, got.ParseMode, got.ReplyTo, ann.ID)
	}
	if !strings.HasPrefix(got.Text, "How many laser sessions does SMP removal take?") || !strings.Contains(got.Text, bot.Disclaimer) {
		t.Errorf("answer text =\n%s\nwant the laser-sessions-count entry with the disclaimer", got.Text)
	}
	if len(got.Keyboard) == 0 || !strings.HasPrefix(*got.Keyboard[0][0].CallbackData, cbAnswer) {
		t.Errorf("keyboard = %v, want buttons for related entries", got.Keyboard)
	}
}

// TestQuestionAboutATattoo: a question about a tattoo that does not name SMP gets the
// scope note after the answer, under Keep in mind, in the message Telegram shows, and
// so does each inline result for it.
func TestQuestionAboutATattoo(t *testing.T) {
	const q = "laser tattoo removal on my forearm, how many sessions will it take?"
	h := start(t, setup{})
	h.fake.Send(h.fake.PrivateChat(ann), ann, q, 0)
	got := h.messages(t, 1)[0]
	answer, note, sources := strings.Index(got.Text, "Well-placed SMP"), strings.Index(got.Text, "Keep in mind:\n• "+bot.ScopeNote), strings.Index(got.Text, "Sources:")
	if answer < 0 || note < answer || sources < note {
		t.Errorf("answer at %d, note at %d, sources at %d: want the note between them, under Keep in mind:\n%s", answer, note, sources, got.Text)
	}
	h.fake.Inline(bob, q)
	if !h.fake.Wait(60*time.Second, func() bool { return len(h.fake.InlineAnswers()) == 1 }) {
		t.Fatalf("got %d inline answers, want 1", len(h.fake.InlineAnswers()))
	}
	results := h.fake.InlineAnswers()[0].Results
	if len(results) == 0 {
		t.Fatal("no inline results")
	}
	for _, r := range results {
		if !strings.Contains(r.Text, bot.ScopeNote) {
			t.Errorf("inline result %s lacks the scope note:\n%s", r.ID, r.Text)
		}
	}
}

func TestCommandMenuGoesThroughRequest(t *testing.T) {
	h := start(t, setup{})
	// Run registers the menu, logging a failure, before it polls: once deleteWebhook,
	// the first call of polling, is in, the outcome of setMyCommands is in the log.
	// The fake records the menu before the adapter has decoded the answer, so
	// waiting for the menu alone could read the log too early.
	if !h.fake.Wait(60*time.Second, func() bool { return len(h.fake.Calls("deleteWebhook")) > 0 }) {
		t.Fatal("the adapter never started polling")
	}
	if len(h.fake.Commands()) == 0 {
		t.Fatal("setMyCommands was never called")
	}
	var got []string
	for _, c := range h.fake.Commands() {
		got = append(got, c.Command)
	}
	if want := []string{"help", "topics", "ask"}; !slices.Equal(got, want) {
		t.Errorf("menu = %v, want %v", got, want)
	}
	// Request succeeds on a `true` result where Send would fail to decode a Message;
	// the adapter logging no error proves which one it used.
	if strings.Contains(h.logs.String(), "could not register") {
		t.Errorf("registering the menu failed:\n%s", h.logs.String())
	}
}

func TestGroupRouting(t *testing.T) {
	h := start(t, setup{})
	g := h.fake.Group(-100500, "SMP removal support")
	h.fake.Send(g, ann, "does anyone know a good clinic?", 0) // not for the bot
	mention := h.fake.Send(g, ann, "@SMPBot how many laser sessions will I need?", 0)
	first := h.messages(t, 1)[0]
	if first.ChatID != g.ID || first.ReplyTo != mention.MessageID {
		t.Fatalf("answer to a mention went to chat %d replying to %d, want chat %d replying to %d", first.ChatID, first.ReplyTo, g.ID, mention.MessageID)
	}
	botMsg := tgbotapi.Message{MessageID: first.MessageID, From: ptr(h.fake.Bot()), Chat: &g}
	reply := h.fake.Send(g, bob, "and what is the best pizza topping", botMsg.MessageID)
	ask := h.fake.Send(g, bob, "/ask@SMPBot does laser removal hurt?", 0)
	h.fake.Send(g, bob, "/ask@OtherBot does laser removal hurt?", 0)
	h.fake.Send(g, bob, "/unknown", 0)
	addressed := h.fake.Send(g, bob, "/unknown@SMPBot", 0)
	h.settle(t)
	msgs := h.fake.Messages()
	tests := []struct {
		replyTo int
		want    string
	}{
		{mention.MessageID, "How many laser sessions does SMP removal take?"},
		{reply.MessageID, "Sorry, I don't have a good answer"},
		{ask.MessageID, ""},
		{addressed.MessageID, unknownCmd},
	}
	if len(msgs) != len(tests) {
		t.Fatalf("got %d messages, want %d (one per message addressed to the bot): %+v", len(msgs), len(tests), msgs)
	}
	for i, tt := range tests {
		if msgs[i].ReplyTo != tt.replyTo || !strings.HasPrefix(msgs[i].Text, tt.want) {
			t.Errorf("message %d replies to %d with %q; want a reply to %d starting %q", i, msgs[i].ReplyTo, firstLine(msgs[i].Text), tt.replyTo, tt.want)
		}
	}
}

func TestCommands(t *testing.T) {
	h := start(t, setup{})
	c := h.fake.PrivateChat(ann)
	tests := []struct {
		text string
		want string
		n    int // messages
	}{
		{"/start", "I answer questions about removing or fixing scalp micropigmentation", 1},
		{"/help", "I answer questions about removing or fixing scalp micropigmentation", 1},
		{"/ask", askUsage, 1},
		{"/nope", unknownCmd, 1},
		{"/topics", "Here is what I can answer.", 2}, // more topics than fit on one message
	}
	sent := 0
	for _, tt := range tests {
		h.fake.Send(c, ann, tt.text, 0)
		msgs := h.messages(t, sent+tt.n)
		got := msgs[sent]
		sent += tt.n
		if !strings.HasPrefix(got.Text, tt.want) {
			t.Errorf("%s: reply starts %q, want %q", tt.text, firstLine(got.Text), tt.want)
		}
	}
	h.settle(t)
	topics := handler(t).Topics()
	var buttons []string
	for _, m := range h.fake.Messages()[4:] {
		for _, row := range m.Keyboard {
			buttons = append(buttons, *row[0].CallbackData)
		}
	}
	if len(buttons) != len(topics) || buttons[0] != cbAnswer+topics[0].ID {
		t.Errorf("/topics has %d buttons starting %v, want %d starting %s", len(buttons), buttons[:1], len(topics), cbAnswer+topics[0].ID)
	}
	if n := len(h.fake.Messages()); n != sent {
		t.Errorf("sent %d messages, want %d", n, sent)
	}
}

func TestButtonAnswersEntryAndAcknowledges(t *testing.T) {
	h := start(t, setup{})
	c := h.fake.PrivateChat(ann)
	h.fake.Send(c, ann, "How many laser sessions will I need?", 0)
	first := h.messages(t, 1)[0]
	data := *first.Keyboard[0][0].CallbackData
	botMsg := tgbotapi.Message{MessageID: first.MessageID, From: ptr(h.fake.Bot()), Chat: &c, Text: first.Text}
	q := h.fake.Press(ann, botMsg, data)
	stale := h.fake.Press(ann, botMsg, "zz:whatever")
	h.settle(t)
	msgs := h.fake.Messages()
	if len(msgs) != 2 {
		t.Fatalf("got %d messages, want the first answer and the pressed entry's", len(msgs))
	}
	r, _ := handler(t).Answer(context.Background(), bot.Question{EntryID: strings.TrimPrefix(data, cbAnswer)})
	if !strings.HasPrefix(msgs[1].Text, r.Entry.Question) {
		t.Errorf("button answer starts %q, want the entry %q", firstLine(msgs[1].Text), r.Entry.Question)
	}
	acks := h.fake.CallbackAnswers()
	want := []telegramtest.CallbackAnswer{{QueryID: q}, {QueryID: stale, Text: staleButton}}
	if !slices.Equal(acks, want) {
		t.Errorf("callback answers = %+v, want %+v", acks, want)
	}
}

func TestButtonInGroupRepliesToTheButtonMessage(t *testing.T) {
	h := start(t, setup{})
	g := h.fake.Group(-100600, "group")
	h.fake.Send(g, ann, "/ask@SMPBot how many laser sessions will I need?", 0)
	first := h.messages(t, 1)[0]
	botMsg := tgbotapi.Message{MessageID: first.MessageID, From: ptr(h.fake.Bot()), Chat: &g}
	h.fake.Press(bob, botMsg, *first.Keyboard[0][0].CallbackData)
	got := h.messages(t, 2)[1]
	if got.ChatID != g.ID || got.ReplyTo != first.MessageID {
		t.Errorf("button answer went to chat %d replying to %d, want chat %d replying to %d", got.ChatID, got.ReplyTo, g.ID, first.MessageID)
	}
}

func TestInlineMode(t *testing.T) {
	h := start(t, setup{})
	h.fake.Inline(ann, "how many laser sessions will I need")
	h.fake.Inline(bob, "my scalp has pus and a fever after laser")
	h.fake.Inline(ann, "")
	if !h.fake.Wait(60*time.Second, func() bool { return len(h.fake.InlineAnswers()) == 3 }) {
		t.Fatalf("got %d inline answers, want 3", len(h.fake.InlineAnswers()))
	}
	answers := h.fake.InlineAnswers()
	slices.SortFunc(answers, func(a, b telegramtest.InlineAnswer) int { return strings.Compare(a.QueryID, b.QueryID) })

	sessions := answers[0].Results
	if len(sessions) == 0 || sessions[0].ID != "laser-sessions-count" {
		t.Fatalf("inline results = %+v, want laser-sessions-count first", sessions)
	}
	if !strings.HasPrefix(sessions[0].Text, sessions[0].Title) || !strings.Contains(sessions[0].Text, bot.Disclaimer) || sessions[0].ParseMode != "HTML" {
		t.Errorf("inline result inserts %q (mode %q), want the full answer in HTML", firstLine(sessions[0].Text), sessions[0].ParseMode)
	}
	urgent := answers[1].Results
	if len(urgent) == 0 || urgent[0].ID != bot.UrgentEntryID {
		t.Fatalf("urgent inline results = %+v, want %s first", urgent, bot.UrgentEntryID)
	}
	for _, r := range urgent {
		if !strings.HasPrefix(r.Text, "⚠️") || !strings.HasPrefix(r.Description, "⚠️") {
			t.Errorf("urgent inline result %s starts %q (description %q), want the urgent notice first", r.ID, firstLine(r.Text), r.Description)
		}
	}
	if n := len(answers[2].Results); n != maxInlineResults {
		t.Errorf("empty inline query got %d results, want %d topics", n, maxInlineResults)
	}
}

// TestInlineNothingToOffer: a query nothing matches gets the button to a private chat,
// sent as Telegram's "button" (the fake refuses the deprecated switch_pm_* fields).
func TestInlineNothingToOffer(t *testing.T) {
	nothing := bot.HandlerFunc(func(context.Context, bot.Question) (bot.Reply, error) {
		return bot.Reply{Kind: bot.KindNoMatch}, nil
	})
	h := start(t, setup{h: nothing})
	h.fake.Inline(ann, "zzz")
	if !h.fake.Wait(60*time.Second, func() bool { return len(h.fake.InlineAnswers()) == 1 }) {
		t.Fatalf("no inline answer; calls %+v", h.fake.Calls("answerInlineQuery"))
	}
	if a := h.fake.InlineAnswers()[0]; len(a.Results) != 0 || a.Button != "Ask me in a private chat" || a.StartParameter != "inline" {
		t.Errorf("inline answer %+v, want no results and the private-chat button", a)
	}
}

func TestButtonOnInlineMessageEditsIt(t *testing.T) {
	h := start(t, setup{})
	q := h.fake.PressInline(ann, "inline-msg-1", cbAnswer+"laser-sessions-count")
	h.settle(t)
	msgs := h.fake.Messages()
	if len(msgs) != 1 || msgs[0].Method != "editMessageText" || msgs[0].InlineMessageID != "inline-msg-1" {
		t.Fatalf("messages = %+v, want one edit of the inline message", msgs)
	}
	if !strings.HasPrefix(msgs[0].Text, "How many laser sessions does SMP removal take?") {
		t.Errorf("edited text starts %q", firstLine(msgs[0].Text))
	}
	if acks := h.fake.CallbackAnswers(); len(acks) != 1 || acks[0].QueryID != q {
		t.Errorf("callback answers = %+v, want one for %s", acks, q)
	}
	// The same button again: the message already shows that answer, which Telegram
	// refuses to "modify"; that is no failure.
	h.fake.PressInline(ann, "inline-msg-1", cbAnswer+"laser-sessions-count")
	h.settle(t)
	if strings.Contains(h.logs.String(), "handling an update failed") {
		t.Errorf("pressing the same button twice logged a failure:\n%s", h.logs.String())
	}
}

func TestRateLimit(t *testing.T) {
	h := start(t, setup{cfg: func(c *Config) { c.QuestionsPerMinute = 2 }})
	c := h.fake.PrivateChat(ann)
	for range 5 {
		h.fake.Send(c, ann, "how much does laser removal cost", 0)
	}
	urgent := h.fake.Send(c, ann, "my scalp has pus and a fever after laser", 0)
	h.settle(t)
	var got []string
	for _, m := range h.fake.Messages() {
		got = append(got, firstLine(m.Text))
	}
	if len(got) != 4 {
		t.Fatalf("replies = %q, want 2 answers, 1 notice and the urgent answer", got)
	}
	if got[2] != bot.RateLimitedText {
		t.Errorf("third reply = %q, want the rate-limit notice once", got[2])
	}
	if !strings.HasPrefix(got[3], "⚠️") {
		t.Errorf("reply to the urgent message %d = %q, want the urgent notice despite the limit", urgent.MessageID, got[3])
	}
}

func TestOddUpdatesAreSurvivedAndLogged(t *testing.T) {
	h := start(t, setup{})
	c := h.fake.PrivateChat(ann)
	g := h.fake.Group(-100700, "g")
	next := h.fake.NextUpdateID()
	malformed := h.fake.PushRaw(fmt.Sprintf(`{"update_id":%d,"message":"not an object"}`, next))
	poll := h.fake.PushRaw(fmt.Sprintf(`{"update_id":%d,"poll":{"id":"p1","question":"?","options":[],"total_voter_count":0,"is_closed":false,"is_anonymous":true,"type":"regular","allows_multiple_answers":false}}`, next+1))
	edited := h.fake.Edit(h.fake.Send(c, ann, "hi", 0), "what does laser cost")
	h.fake.SendMessage(c, tgbotapi.Message{From: &ann, Sticker: &tgbotapi.Sticker{FileID: "s1", Emoji: "👍"}}, 0)
	h.fake.SendMessage(g, tgbotapi.Message{From: &bob, Photo: []tgbotapi.PhotoSize{{FileID: "p1", Width: 1, Height: 1}}, Caption: "@SMPBot look"}, 0)
	h.fake.Send(c, ann, strings.Repeat("how many laser sessions will I need ", 500), 0) // over 16 KB
	h.fake.Send(c, ann, "How many laser sessions will I need?", 0)
	h.settle(t)
	var got []string
	for _, m := range h.fake.Messages() {
		got = append(got, firstLine(m.Text))
	}
	want := []string{
		"Hi! I answer questions", // the "hi" before the edit
		notTextText,
		"How many laser sessions does SMP removal take?", // the very long one
		"How many laser sessions does SMP removal take?",
	}
	if len(got) != len(want) {
		t.Fatalf("replies = %q, want %q", got, want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i][:min(len(want[i]), 12)]) {
			t.Errorf("reply %d = %q, want it to start like %q", i, got[i], want[i])
		}
	}
	// A poll is a kind the bot never asks for: Telegram (the fake) does not deliver it.
	if skipped := h.fake.Skipped(); !slices.Contains(skipped, poll) {
		t.Errorf("the poll update %d was delivered; skipped %v", poll, skipped)
	}
	logs := h.logs.String()
	for _, want := range []string{
		fmt.Sprintf("malformed update skipped\" update_id=%d", malformed),
		fmt.Sprintf("update_id=%d kind=ignore why=\"edited message\"", edited),
		"non-text message in a private chat",
		"why=\"group message without text\"",
		"very long message clipped",
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

func TestUpdateWithoutIDIsConfirmed(t *testing.T) {
	h := start(t, setup{})
	c := h.fake.PrivateChat(ann)
	h.fake.Send(c, ann, "hello", 0)
	h.messages(t, 1)
	h.fake.PushRaw(`{"message":{"message_id":99,"chat":{"id":42,"type":"private"},"text":"no id"}}`)
	h.fake.Send(c, ann, "How many laser sessions will I need?", 0)
	h.settle(t)
	if n := len(h.fake.Messages()); n != 3 {
		t.Errorf("sent %d messages, want 3 (the update without an id is answered once, not again and again)", n)
	}
}

func TestPermanentSendErrorIsNotRetried(t *testing.T) {
	h := start(t, setup{})
	c := h.fake.PrivateChat(ann)
	h.fake.Block(c.ID)
	h.fake.Send(c, ann, "How many laser sessions will I need?", 0)
	h.settle(t)
	if n := len(h.fake.Calls("sendMessage")); n != 1 {
		t.Errorf("sendMessage called %d times for a chat that blocked the bot, want 1", n)
	}
	if !strings.Contains(h.logs.String(), "Forbidden: bot was blocked by the user") {
		t.Errorf("the failure was not logged")
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	h := start(t, setup{})
	c := h.fake.PrivateChat(ann)
	h.fake.Fail("sendMessage", telegramtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 1})
	h.fake.Send(c, ann, "How many laser sessions will I need?", 0)
	h.messages(t, 1)
	calls := h.fake.Calls("sendMessage")
	if len(calls) != 2 || calls[0].Status != http.StatusTooManyRequests || calls[1].Status != http.StatusOK {
		t.Fatalf("sendMessage calls = %+v, want a 429 then a success", calls)
	}
	if gap := calls[1].At.Sub(calls[0].At); gap < time.Second {
		t.Errorf("retried %v after a 429 with retry_after 1, want at least 1s", gap)
	}
	if n := h.fake.Refused(0); n != 0 {
		t.Errorf("%d calls refused inside the retry_after, want 0", n)
	}
}

func TestStopEndsLongPollAndConfirms(t *testing.T) {
	h := start(t, setup{opts: []Option{WithPollTimeout(50 * time.Second)}})
	c := h.fake.PrivateChat(ann)
	h.fake.Send(c, ann, "How many laser sessions will I need?", 0)
	h.messages(t, 1)
	// The bot is now in a 50 s long poll; stopping must not wait for it, and must
	// confirm the answered update so that a restart does not answer it again.
	if err := h.stop(); err != nil {
		t.Fatalf("Run returned %v, want nil", err)
	}
	if n := h.fake.Pending(); n != 0 {
		t.Errorf("%d updates unconfirmed after a clean stop, want 0", n)
	}
}

func TestUnauthorizedTokenFailsNewWithoutLeakingIt(t *testing.T) {
	fake := telegramtest.NewServer("999:other")
	defer fake.Close()
	_, err := New(Config{Token: testToken, APIEndpoint: fake.Endpoint()})
	if err == nil || !strings.Contains(err.Error(), "Unauthorized") {
		t.Fatalf("New with a wrong token returned %v, want Unauthorized", err)
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("error contains the token: %v", err)
	}
	fake.Close()
	_, err = New(Config{Token: testToken, APIEndpoint: fake.Endpoint()})
	if err == nil {
		t.Fatal("New against a closed server succeeded")
	}
	if strings.Contains(err.Error(), testToken) || !strings.Contains(err.Error(), "<token>") {
		t.Errorf("network error = %q, want the URL with the token redacted", err)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	fake := telegramtest.NewServer(testToken)
	defer fake.Close()
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no token", Config{APIEndpoint: fake.Endpoint()}, "no token"},
		{"endpoint without format", Config{Token: testToken, APIEndpoint: fake.URL}, "not a format"},
		{"webhook without secret", Config{Token: testToken, APIEndpoint: fake.Endpoint(), Webhook: Webhook{ListenAddr: "127.0.0.1:0"}}, "secret token"},
		{"webhook bad secret", Config{Token: testToken, APIEndpoint: fake.Endpoint(), Webhook: Webhook{ListenAddr: "127.0.0.1:0", SecretToken: "a b"}}, "secret token"},
		{"webhook bad path", Config{Token: testToken, APIEndpoint: fake.Endpoint(), Webhook: Webhook{ListenAddr: "127.0.0.1:0", SecretToken: "s", Path: "x"}}, "must start with /"},
	}
	for _, tt := range tests {
		_, err := New(tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New = %v, want an error about %q", tt.name, err, tt.want)
		}
	}
}

func TestRevokedTokenStopsRun(t *testing.T) {
	fake := telegramtest.NewServer(testToken)
	defer fake.Close()
	a, err := New(Config{Token: testToken, APIEndpoint: fake.Endpoint()}, WithBackoff(time.Millisecond, 10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	fake.SetFaults(func(method string, n int) telegramtest.Fault {
		if method == "getUpdates" {
			return telegramtest.Fault{Status: http.StatusUnauthorized}
		}
		return telegramtest.Fault{}
	})
	err = a.Run(context.Background(), handler(t))
	var te *tgbotapi.Error
	if !errors.As(err, &te) || te.Code != http.StatusUnauthorized {
		t.Errorf("Run = %v, want the 401 from getUpdates", err)
	}
}

func ptr[T any](v T) *T { return &v }

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func TestConnectedFollowsPolling(t *testing.T) {
	h := start(t, setup{})
	waitFor := func(want bool) bool {
		deadline := time.Now().Add(10 * time.Second)
		for h.a.Connected() != want && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		return h.a.Connected() == want
	}
	if !waitFor(true) {
		t.Fatal("not connected while polling")
	}
	h.fake.SetFaults(func(method string, n int) telegramtest.Fault {
		if method == "getUpdates" {
			return telegramtest.Fault{Status: 502}
		}
		return telegramtest.Fault{}
	})
	if !waitFor(false) {
		t.Error("still connected while getUpdates fails")
	}
	h.fake.SetFaults(nil)
	if !waitFor(true) {
		t.Error("not connected again after getUpdates recovered")
	}
	h.stop()
	if h.a.Connected() {
		t.Error("connected after Run returned")
	}
}

// TestAnonymousAdmin: an anonymous group admin's /ask@bot arrives from
// @GroupAnonymousBot (a bot) with sender_chat the group, and is answered.
func TestAnonymousAdmin(t *testing.T) {
	h := start(t, setup{})
	g := h.fake.Group(-100800, "admins")
	m := h.fake.SendAnonymous(g, "/ask@SMPBot does laser removal hurt?")
	got := h.messages(t, 1)[0]
	if got.ChatID != g.ID || got.ReplyTo != m.MessageID || !strings.Contains(got.Text, "laser") {
		t.Errorf("reply %+v, want an answer in the group to message %d", got, m.MessageID)
	}
}

// TestForumTopics: a question asked in a forum's topic is answered in that topic, also
// when the question was deleted before the answer (Telegram would otherwise put an
// answer sent without its reply into the General topic).
func TestForumTopics(t *testing.T) {
	var forum tgbotapi.Chat
	var deleted tgbotapi.Message
	h := start(t, setup{before: func(f *telegramtest.Server) {
		// Asked and deleted before the bot is running, so the answer finds it gone.
		forum = f.Forum(-100300, "forum")
		deleted = f.SendInTopic(forum, bob, "@SMPBot does laser removal hurt?", 9)
		f.Delete(forum, deleted.MessageID)
	}})
	asked := h.fake.SendInTopic(forum, ann, "@SMPBot how many laser sessions will I need?", 7)
	h.settle(t)
	byReply := map[int]telegramtest.Sent{}
	for _, m := range h.fake.Messages() {
		byReply[m.ReplyTo] = m
	}
	for _, tt := range []struct {
		msg    tgbotapi.Message
		thread int
	}{{asked, 7}, {deleted, 9}} {
		m, ok := byReply[tt.msg.MessageID]
		if !ok {
			t.Errorf("no answer to message %d", tt.msg.MessageID)
			continue
		}
		if m.Thread != tt.thread || m.ChatID != forum.ID {
			t.Errorf("answer to message %d landed in topic %d of chat %d, want topic %d", tt.msg.MessageID, m.Thread, m.ChatID, tt.thread)
		}
	}
}
