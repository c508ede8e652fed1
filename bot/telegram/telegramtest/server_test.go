package telegramtest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

const token = "42:test-token"

func client(t *testing.T, s *Server) *tgbotapi.BotAPI {
	t.Helper()
	b, err := tgbotapi.NewBotAPIWithClient(token, s.Endpoint(), &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("connecting the real library to the fake: %v", err)
	}
	return b
}

func TestParseHTML(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"<b>bold</b> &amp; &lt;i&gt; &#34;q&#34; &quot;", `bold & <i> "q" "`, true},
		{`<a href="https://x.org/?a=1&amp;b=2">link</a>`, "link", true},
		{"<i><b>nested</b></i>", "nested", true},
		{"lone & ampersand", "lone & ampersand", true},
		{"<b>unclosed", "", false},
		{"<b><i>crossed</b></i>", "", false},
		{"<script>x</script>", "", false},
		{"a < b", "", false},
		{"&nbsp;", "", false},
		{"<a>no href</a>", "", false},
	}
	for _, tt := range tests {
		got, err := ParseHTML(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseHTML(%q) = %q, %v; want %q, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestEntities(t *testing.T) {
	got := Entities("/ask@SMPBot é😀 @Bob?")
	want := []tgbotapi.MessageEntity{{Type: "bot_command", Offset: 0, Length: 11}, {Type: "mention", Offset: 16, Length: 4}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Entities = %+v, want %+v", got, want)
	}
}

func TestLongPollWaitsAndOffsetConfirms(t *testing.T) {
	s := NewServer(token)
	defer s.Close()
	b := client(t, s)
	u := tgbotapi.User{ID: 1, FirstName: "U"}
	c := s.PrivateChat(u)
	// The message is sent once the long poll is waiting, so that the poll must wake
	// for it rather than find it already there.
	go func() {
		if s.Wait(10*time.Second, func() bool { return s.Polling() == 1 }) {
			s.Send(c, u, "hello", 0)
		}
	}()
	updates, err := b.GetUpdates(tgbotapi.UpdateConfig{Timeout: 10})
	if err != nil || len(updates) != 1 || updates[0].Message.Text != "hello" {
		t.Fatalf("long poll returned %+v, %v; want the message sent while it waited", updates, err)
	}
	if calls := s.Calls("getUpdates"); len(calls) != 1 {
		t.Fatalf("%d getUpdates calls, want the one long poll", len(calls))
	}
	// Not confirmed yet: asking again from the start returns it again.
	again, err := b.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(again) != 1 {
		t.Fatalf("without an offset got %d updates, %v; want the unconfirmed one again", len(again), err)
	}
	// The offset confirms it.
	after, err := b.GetUpdates(tgbotapi.UpdateConfig{Offset: updates[0].UpdateID + 1})
	if err != nil || len(after) != 0 || s.Pending() != 0 {
		t.Fatalf("after confirming got %d updates, %v, %d pending; want none", len(after), err, s.Pending())
	}
}

func TestLongPollEndsWhenTheClientLeaves(t *testing.T) {
	s := NewServer(token)
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/bot"+token+"/getUpdates?timeout=50", nil)
		_, err := http.DefaultClient.Do(req)
		done <- err
	}()
	if !s.Wait(5*time.Second, func() bool { return s.Polling() == 1 }) {
		t.Fatal("the long poll never started")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("client got %v, want its own cancellation", err)
	}
	if !s.Wait(5*time.Second, func() bool { return len(s.Calls("getUpdates")) == 1 }) {
		t.Fatal("the server's long poll did not end when the client left")
	}
	if s.Polling() != 0 {
		t.Errorf("%d polls still waiting", s.Polling())
	}
	if st := s.Calls("getUpdates")[0].Status; st != 0 {
		t.Errorf("abandoned poll recorded with status %d, want 0", st)
	}
}

func TestFaults(t *testing.T) {
	s := NewServer(token)
	defer s.Close()
	b := client(t, s)
	c := s.PrivateChat(tgbotapi.User{ID: 1})
	s.Fail("sendMessage",
		Fault{Status: http.StatusTooManyRequests, RetryAfter: 3},
		Fault{Status: http.StatusInternalServerError},
		Fault{Drop: true},
	)
	_, err := b.Send(tgbotapi.NewMessage(c.ID, "x"))
	var te *tgbotapi.Error
	if !errors.As(err, &te) || te.Code != 429 || te.RetryAfter != 3 {
		t.Errorf("first send: %v, want a 429 with retry_after 3", err)
	}
	// The 429 holds chat c for its 3 s; the queued faults go to the next calls made
	// elsewhere.
	d := s.PrivateChat(tgbotapi.User{ID: 2})
	if _, err = b.Send(tgbotapi.NewMessage(d.ID, "x")); !errors.As(err, &te) || te.Code != 500 {
		t.Errorf("second send: %v, want a 500", err)
	}
	if _, err = b.Send(tgbotapi.NewMessage(d.ID, "x")); err == nil || errors.As(err, &te) {
		t.Errorf("third send: %v, want a network error", err)
	}
	m, err := b.Send(tgbotapi.NewMessage(d.ID, "x"))
	if err != nil || m.MessageID == 0 || len(s.Messages()) != 1 {
		t.Errorf("fourth send: %+v, %v; want it through, and only it recorded", m, err)
	}
}

// TestRetryAfterHolds: a 429 refuses its chat, not just the one call, until its
// retry_after has passed, each refusal with the whole seconds left; other chats are
// served meanwhile; a call without a chat holds its method; a global 429 holds every
// call but getUpdates; Refused counts the calls made inside a window.
func TestRetryAfterHolds(t *testing.T) {
	s := NewServer(token)
	defer s.Close()
	b := client(t, s)
	c := s.PrivateChat(tgbotapi.User{ID: 1})
	other := s.PrivateChat(tgbotapi.User{ID: 2})
	retryAfter := func(err error) int {
		var te *tgbotapi.Error
		if !errors.As(err, &te) || te.Code != http.StatusTooManyRequests {
			return 0
		}
		return te.RetryAfter
	}

	s.Fail("sendMessage", Fault{Status: http.StatusTooManyRequests, RetryAfter: 2})
	start := time.Now()
	if _, err := b.Send(tgbotapi.NewMessage(c.ID, "first")); retryAfter(err) != 2 {
		t.Fatalf("first send: %v, want a 429 with retry_after 2", err)
	}
	if _, err := b.Send(tgbotapi.NewMessage(other.ID, "x")); err != nil {
		t.Errorf("another chat during chat 1's wait: %v", err)
	}
	// Within the window, every call to the chat is refused, an edit as well as a
	// send, with what is left of the 2 s rounded up: 2 in the first second, then 1.
	edit := tgbotapi.NewEditMessageText(c.ID, 1, "y")
	_, errSend := b.Send(tgbotapi.NewMessage(c.ID, "again"))
	_, errEdit := b.Send(edit)
	elapsed := time.Since(start)
	if got := retryAfter(errSend); elapsed < time.Second && got != 2 || got < 1 {
		t.Errorf("a send %v into the window: %v, want a 429 with retry_after 2", elapsed, errSend)
	}
	if retryAfter(errEdit) < 1 {
		t.Errorf("an edit in the window: %v, want a 429", errEdit)
	}
	if got := s.Refused(c.ID); got != 2 || s.Refused(other.ID) != 0 || s.Refused(0) != 2 {
		t.Errorf("Refused = %d (other chat %d, all %d), want the 2 calls made inside the window", got, s.Refused(other.ID), s.Refused(0))
	}
	if len(s.Messages()) != 1 {
		t.Errorf("%d messages recorded, want only the other chat's", len(s.Messages()))
	}
	time.Sleep(time.Until(start.Add(2*time.Second + 50*time.Millisecond)))
	if _, err := b.Send(tgbotapi.NewMessage(c.ID, "after")); err != nil {
		t.Errorf("a send after the window: %v", err)
	}

	// A call without a chat holds its method only.
	s.Fail("setMyCommands", Fault{Status: http.StatusTooManyRequests, RetryAfter: 1})
	cmds := tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "help", Description: "help"})
	if _, err := b.Request(cmds); retryAfter(err) != 1 {
		t.Errorf("setMyCommands: %v, want a 429", err)
	}
	if _, err := b.Request(cmds); retryAfter(err) != 1 {
		t.Errorf("setMyCommands again at once: %v, want a 429", err)
	}
	if _, err := b.Send(tgbotapi.NewMessage(c.ID, "x")); err != nil {
		t.Errorf("a send while setMyCommands is held: %v", err)
	}
	if got := s.Refused(0); got != 3 {
		t.Errorf("Refused(0) = %d, want 3", got)
	}

	// A global 429 holds every chat, but not getUpdates.
	s.Fail("sendMessage", Fault{Status: http.StatusTooManyRequests, RetryAfter: 1, Global: true})
	if _, err := b.Send(tgbotapi.NewMessage(c.ID, "x")); retryAfter(err) != 1 {
		t.Errorf("send: %v, want a global 429", err)
	}
	if _, err := b.Send(tgbotapi.NewMessage(other.ID, "x")); retryAfter(err) != 1 {
		t.Errorf("another chat during a global wait: %v, want a 429", err)
	}
	if _, err := b.GetUpdates(tgbotapi.UpdateConfig{}); err != nil {
		t.Errorf("getUpdates during a global wait: %v", err)
	}
	if s.Refused(other.ID) != 1 {
		t.Errorf("Refused(other) = %d, want 1", s.Refused(other.ID))
	}
}

func TestValidation(t *testing.T) {
	s := NewServer(token)
	defer s.Close()
	b := client(t, s)
	c := s.PrivateChat(tgbotapi.User{ID: 1})
	long := tgbotapi.NewMessage(c.ID, strings.Repeat("a", MaxMessageLen+1))
	badHTML := tgbotapi.NewMessage(c.ID, "<b>x")
	badHTML.ParseMode = "HTML"
	bigData := tgbotapi.NewMessage(c.ID, "x")
	bigData.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("b", strings.Repeat("d", 65))))
	noChat := tgbotapi.NewMessage(999, "x")
	tests := []struct {
		name string
		c    tgbotapi.Chattable
		want string
	}{
		{"too long", long, "message is too long"},
		{"bad HTML", badHTML, "can't parse entities"},
		{"callback data over 64 bytes", bigData, "BUTTON_DATA_INVALID"},
		{"unknown chat", noChat, "chat not found"},
		{"callback answered unknown", tgbotapi.NewCallback("nope", ""), "query is too old"},
	}
	for _, tt := range tests {
		_, err := b.Request(tt.c)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
	// answerCallbackQuery returns true, which Send cannot decode as a Message: the
	// reason the adapter must use Request.
	q := s.Press(tgbotapi.User{ID: 1}, tgbotapi.Message{MessageID: 1, Chat: &c}, "a:x")
	if _, err := b.Send(tgbotapi.NewCallback(q, "")); err == nil {
		t.Errorf("Send of answerCallbackQuery succeeded, want a decoding error")
	}
	if _, err := b.Request(tgbotapi.NewCallback(q, "")); err == nil || !strings.Contains(err.Error(), "too old") {
		t.Errorf("a second answer to the same query: %v, want it refused", err)
	}
}

func TestWebhookDelivery(t *testing.T) {
	got := make(chan string, 4)
	var fails atomic.Int32
	fails.Store(1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if fails.Add(-1) >= 0 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		got <- r.Header.Get(SecretHeader) + " " + r.URL.Path + " " + string(body)
	}))
	defer hook.Close()
	s := NewServer(token, WithWebhookRoute("https://bot.example.com:8443", hook.URL))
	defer s.Close()
	b := client(t, s)
	for _, bad := range []string{hook.URL, "http://bot.example.com/hook", "https://bot.example.com:8080/hook"} {
		if _, err := b.MakeRequest("setWebhook", tgbotapi.Params{"url": bad}); err == nil || !strings.Contains(err.Error(), "bad webhook") {
			t.Errorf("setWebhook(%s): %v, want it refused as Telegram does", bad, err)
		}
	}
	if _, err := b.MakeRequest("setWebhook", tgbotapi.Params{"url": "https://bot.example.com:8443/hook", "secret_token": "sec"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.GetUpdates(tgbotapi.UpdateConfig{}); err == nil || !strings.Contains(err.Error(), "Conflict") {
		t.Errorf("getUpdates with a webhook set: %v, want a conflict", err)
	}
	u := tgbotapi.User{ID: 1}
	s.Send(s.PrivateChat(u), u, "hi", 0)
	select {
	case d := <-got:
		if !strings.HasPrefix(d, "sec /hook {") || !strings.Contains(d, `"text":"hi"`) {
			t.Errorf("delivery = %s, want the update with the secret header", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the update was not delivered to the webhook")
	}
	if !s.Wait(5*time.Second, func() bool { return s.Pending() == 0 }) {
		t.Error("a delivered update stayed pending")
	}
}

func TestSetMyCommandsScopes(t *testing.T) {
	s := NewServer(token)
	defer s.Close()
	b := client(t, s)
	known := s.PrivateChat(tgbotapi.User{ID: 44, FirstName: "Mia"})
	cmds := []tgbotapi.BotCommand{{Command: "faq_add", Description: "Add an entry"}}
	tests := []struct {
		name    string
		config  tgbotapi.SetMyCommandsConfig
		wantErr string
	}{
		{"default", tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "help", Description: "Help"}), ""},
		{"a chat the bot knows", tgbotapi.NewSetMyCommandsWithScope(tgbotapi.NewBotCommandScopeChat(known.ID), cmds...), ""},
		{"a chat it does not", tgbotapi.NewSetMyCommandsWithScope(tgbotapi.NewBotCommandScopeChat(99), cmds...), "chat not found"},
		{"another scope", tgbotapi.NewSetMyCommandsWithScope(tgbotapi.NewBotCommandScopeAllGroupChats(), cmds...), "unsupported command scope"},
	}
	for _, tt := range tests {
		_, err := b.Request(tt.config)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.wantErr)
		}
	}
	if got := s.Commands(); len(got) != 1 || got[0].Command != "help" {
		t.Errorf("default commands = %+v, want only help", got)
	}
	if got := s.ChatCommands(known.ID); len(got) != 1 || got[0].Command != "faq_add" {
		t.Errorf("chat commands = %+v, want faq_add", got)
	}
	if got := s.ChatCommands(99); got != nil {
		t.Errorf("commands were set for an unknown chat: %+v", got)
	}
}

// TestFloodControl checks the server's own 429s: a private chat takes a burst and then
// about one message a second; a group takes GroupLimit messages a window; other chats
// are not affected.
func TestFloodControl(t *testing.T) {
	t.Run("chat", func(t *testing.T) {
		s := NewServer(token)
		defer s.Close()
		b := client(t, s)
		c := s.PrivateChat(tgbotapi.User{ID: 1})
		other := s.PrivateChat(tgbotapi.User{ID: 2})
		for i := range TelegramFloodLimits.ChatBurst {
			if _, err := b.Send(tgbotapi.NewMessage(c.ID, "x")); err != nil {
				t.Fatalf("message %d of the burst: %v", i+1, err)
			}
		}
		_, err := b.Send(tgbotapi.NewMessage(c.ID, "x"))
		var te *tgbotapi.Error
		if !errors.As(err, &te) || te.Code != 429 || te.RetryAfter < 1 {
			t.Fatalf("message after the burst: %v, want a 429 with retry_after", err)
		}
		if _, err := b.Send(tgbotapi.NewMessage(other.ID, "x")); err != nil {
			t.Errorf("another chat was limited: %v", err)
		}
		if got := s.FloodRefused(c.ID); got != 1 || s.FloodRefused(0) != 1 {
			t.Errorf("FloodRefused = %d (all %d), want 1", got, s.FloodRefused(0))
		}
		// The chat stays refused for the whole retry_after, not only until the limit
		// would let one more through.
		if _, err := b.Send(tgbotapi.NewMessage(c.ID, "x")); !errors.As(err, &te) || te.Code != 429 {
			t.Errorf("message inside the retry_after: %v, want a 429", err)
		}
		if got := s.Refused(c.ID); got != 1 {
			t.Errorf("Refused = %d, want the 1 message sent inside the retry_after", got)
		}
	})
	t.Run("group", func(t *testing.T) {
		s := NewServer(token, WithFloodLimits(FloodLimits{GroupLimit: 3, GroupWindow: time.Minute}))
		defer s.Close()
		b := client(t, s)
		g := s.Group(-100, "g")
		for range 3 {
			if _, err := b.Send(tgbotapi.NewMessage(g.ID, "x")); err != nil {
				t.Fatal(err)
			}
		}
		_, err := b.Send(tgbotapi.NewMessage(g.ID, "x"))
		var te *tgbotapi.Error
		if !errors.As(err, &te) || te.Code != 429 || te.RetryAfter < 55 {
			t.Errorf("4th message in the window: %v, want a 429 asking to wait most of a minute", err)
		}
		// A private chat is not a group.
		p := s.PrivateChat(tgbotapi.User{ID: 5})
		for range 4 {
			if _, err := b.Send(tgbotapi.NewMessage(p.ID, "x")); err != nil {
				t.Errorf("private chat under group limits: %v", err)
			}
		}
	})
}

// TestAllowedUpdates: kinds the bot did not ask for in allowed_updates are never
// delivered, by getUpdates or to a webhook; with none asked for, Telegram's default.
func TestAllowedUpdates(t *testing.T) {
	s := NewServer(token)
	defer s.Close()
	b := client(t, s)
	u := tgbotapi.User{ID: 1}
	c := s.PrivateChat(u)
	msg := s.Send(c, u, "hi", 0)
	press := s.Press(u, msg, "a:x")
	s.Inline(u, "q")
	got, err := b.GetUpdates(tgbotapi.UpdateConfig{AllowedUpdates: []string{"message", "inline_query"}})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, up := range got {
		switch {
		case up.Message != nil:
			kinds = append(kinds, "message")
		case up.CallbackQuery != nil:
			kinds = append(kinds, "callback_query")
		case up.InlineQuery != nil:
			kinds = append(kinds, "inline_query")
		}
	}
	if strings.Join(kinds, ",") != "message,inline_query" {
		t.Errorf("delivered %v, want message and inline_query only", kinds)
	}
	if sk := s.Skipped(); len(sk) != 1 {
		t.Errorf("skipped %v, want the button press %s's update", sk, press)
	}
	// The setting sticks: a later call without allowed_updates keeps it.
	s.Press(u, msg, "a:y")
	if got, err := b.GetUpdates(tgbotapi.UpdateConfig{Offset: got[len(got)-1].UpdateID + 1}); err != nil || len(got) != 0 {
		t.Errorf("a button press after allowed_updates without callback_query: %d updates, %v", len(got), err)
	}
}

// TestQueriesExpire: a callback or inline query id can be answered once, and only
// within QueryTTL.
func TestQueriesExpire(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	s := NewServer(token, WithClock(clock))
	defer s.Close()
	b := client(t, s)
	u := tgbotapi.User{ID: 1}
	c := s.PrivateChat(u)
	fresh := s.Press(u, tgbotapi.Message{MessageID: 1, Chat: &c}, "a:x")
	old := s.Press(u, tgbotapi.Message{MessageID: 1, Chat: &c}, "a:y")
	oldInline := s.Inline(u, "q")
	advance(QueryTTL - time.Second)
	if _, err := b.Request(tgbotapi.NewCallback(fresh, "")); err != nil {
		t.Errorf("answering a query within its time: %v", err)
	}
	advance(2 * time.Second)
	if _, err := b.Request(tgbotapi.NewCallback(old, "")); err == nil || !strings.Contains(err.Error(), "too old") {
		t.Errorf("answering a callback query after %v: %v, want it refused", QueryTTL+time.Second, err)
	}
	if _, err := b.Request(tgbotapi.InlineConfig{InlineQueryID: oldInline, Results: []any{}}); err == nil || !strings.Contains(err.Error(), "too old") {
		t.Errorf("answering an inline query after %v: %v, want it refused", QueryTTL+time.Second, err)
	}
}

// TestInlineMessageNotModified: editing an inline message to what it already shows is
// refused, as Telegram does for any message.
func TestInlineMessageNotModified(t *testing.T) {
	s := NewServer(token)
	defer s.Close()
	b := client(t, s)
	s.PressInline(tgbotapi.User{ID: 1}, "im1", "a:x")
	edit := tgbotapi.EditMessageTextConfig{BaseEdit: tgbotapi.BaseEdit{InlineMessageID: "im1"}, Text: "answer"}
	if _, err := b.Request(edit); err != nil {
		t.Fatalf("first edit: %v", err)
	}
	if _, err := b.Request(edit); err == nil || !strings.Contains(err.Error(), "message is not modified") {
		t.Errorf("the same edit again: %v, want \"message is not modified\"", err)
	}
	edit.Text = "another answer"
	if _, err := b.Request(edit); err != nil {
		t.Errorf("a different edit: %v", err)
	}
}

// TestPrivacyMode: in a group the bot gets only what is addressed to it, until it has
// spoken there, when plain commands reach it too; with privacy mode off, everything.
func TestPrivacyMode(t *testing.T) {
	s := NewServer(token)
	defer s.Close()
	b := client(t, s)
	g := s.Group(-100, "g")
	u := tgbotapi.User{ID: 1, FirstName: "U"}
	texts := func() []string {
		t.Helper()
		got, err := b.GetUpdates(tgbotapi.UpdateConfig{Offset: -100})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, up := range got {
			if up.Message != nil {
				out = append(out, up.Message.Text)
			}
		}
		return out
	}
	s.Send(g, u, "just chatting", 0)
	s.Send(g, u, "/ask cost?", 0) // the bot has not spoken here yet
	s.Send(g, u, "/ask@OtherBot cost?", 0)
	s.Send(g, u, "/ask@SMPBot cost?", 0)
	s.Send(g, u, "hey @SMPBot, cost?", 0)
	mine, err := b.Send(tgbotapi.NewMessage(g.ID, "an answer"))
	if err != nil {
		t.Fatal(err)
	}
	s.Send(g, u, "thanks", mine.MessageID) // a reply to the bot
	s.Send(g, u, "/ask cost again?", 0)    // now the bot has spoken
	s.SendAnonymous(g, "/ask@SMPBot anonymous?")
	want := []string{"/ask@SMPBot cost?", "hey @SMPBot, cost?", "thanks", "/ask cost again?", "/ask@SMPBot anonymous?"}
	if got := texts(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("the bot got %q, want %q", got, want)
	}
	if n := len(s.Hidden()); n != 3 {
		t.Errorf("%d messages hidden, want 3", n)
	}
	open := NewServer(token, WithPrivacyMode(false))
	defer open.Close()
	og := open.Group(-100, "g")
	open.Send(og, u, "just chatting", 0)
	if got, err := client(t, open).GetUpdates(tgbotapi.UpdateConfig{}); err != nil || len(got) != 1 {
		t.Errorf("with privacy mode off got %d updates, %v; want the chatter", len(got), err)
	}
}

// TestForumTopics: a reply lands in its question's topic; without the question (deleted)
// and without message_thread_id it lands in General; message_thread_id outside a forum
// is refused.
func TestForumTopics(t *testing.T) {
	s := NewServer(token)
	defer s.Close()
	b := client(t, s)
	f := s.Forum(-100, "forum")
	u := tgbotapi.User{ID: 1, FirstName: "U"}
	q := s.SendInTopic(f, u, "@SMPBot hi", 5)
	gone := s.SendInTopic(f, u, "@SMPBot hi again", 5)
	s.Delete(f, gone.MessageID)
	reply := tgbotapi.NewMessage(f.ID, "answer")
	reply.ReplyToMessageID = q.MessageID
	lost := tgbotapi.NewMessage(f.ID, "answer")
	lost.ReplyToMessageID = gone.MessageID
	lost.AllowSendingWithoutReply = true
	for _, c := range []tgbotapi.MessageConfig{reply, lost} {
		if _, err := b.Send(c); err != nil {
			t.Fatal(err)
		}
	}
	if m := s.Messages(); len(m) != 2 || m[0].Thread != 5 || m[1].Thread != 0 {
		t.Errorf("threads %+v, want 5 for the reply and 0 (General) for the one whose question is gone", m)
	}
	resp, err := b.MakeRequest("getUpdates", tgbotapi.Params{})
	if err != nil || strings.Count(string(resp.Result), `"message_thread_id":5`) != 2 || strings.Count(string(resp.Result), `"is_topic_message":true`) != 2 {
		t.Errorf("updates %s, %v; want both questions with their topic", resp.Result, err)
	}
	g := s.Group(-200, "plain")
	if _, err := b.MakeRequest("sendMessage", tgbotapi.Params{"chat_id": "-200", "text": "x", "message_thread_id": "3"}); err == nil || !strings.Contains(err.Error(), "thread not found") {
		t.Errorf("message_thread_id in %s, not a forum: %v, want it refused", g.Title, err)
	}
}

// TestIdleLongPollIsQuiet: a long poll with nothing to return waits, rather than
// waking over and over; waiters (Wait) hear of it starting and of nothing after. It
// once took the change channel its own notify had closed, and spun through its timeout.
func TestIdleLongPollIsQuiet(t *testing.T) {
	s := NewServer(token)
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/bot"+token+"/getUpdates?timeout=50", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	if !s.Wait(30*time.Second, func() bool { return s.Polling() == 1 }) {
		t.Fatal("the long poll never started")
	}
	wakes, dips := 0, 0
	s.Wait(time.Second, func() bool {
		wakes++
		if s.Polling() != 1 {
			dips++
		}
		return false
	})
	cancel()
	<-done
	// The first look, and the last one when the time is up: no change in between.
	if wakes > 2 || dips > 0 {
		t.Errorf("an idle long poll woke waiters %d times in a second, and Polling left 1 %d times; want neither", wakes-2, dips)
	}
}
