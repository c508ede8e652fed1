package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/telegram"
	"github.com/smpbot/smpbot/bot/telegram/telegramtest"
	"github.com/smpbot/smpbot/index"
	"github.com/smpbot/smpbot/knowledge"
)

const telegramE2EToken = "7000001:AAE2E-telegram_t0ken-that-must-never-be-logged"

// TestTelegramEndToEnd builds smpbot and runs `smpbot run` against the fake Bot API:
// a private question, a group mention, /ask@ThisBot, a command for another bot, group
// chatter, a button press and an inline query, each reply checked against the real
// FAQ; then SIGTERM must stop it cleanly, with every update confirmed.
func TestTelegramEndToEnd(t *testing.T) {
	fake := telegramtest.NewServer(telegramE2EToken)
	defer fake.Close()

	bin := buildSmpbot(t)
	cmd := exec.Command(bin, "run")
	for _, kv := range os.Environ() {
		// Only the fake may be reached: no real platform, nor settings such as
		// listen addresses, from the developer's shell.
		if !strings.HasPrefix(kv, "DISCORD_") && !strings.HasPrefix(kv, "TELEGRAM_") && !strings.HasPrefix(kv, "SMPBOT_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "TELEGRAM_TOKEN="+telegramE2EToken, "TELEGRAM_API_ENDPOINT="+fake.Endpoint(),
		"TELEGRAM_QUESTIONS_PER_MINUTE=30", "SMPBOT_ADMIN_LISTEN=127.0.0.1:0") // never the default 9090
	stderr := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := watchExit(cmd)
	defer func() {
		w.kill()
		if t.Failed() {
			t.Logf("smpbot stderr:\n%s", stderr.String())
		}
	}()
	if !fake.Wait(40*time.Second, func() bool { return fake.Polling() > 0 }) {
		t.Fatal("smpbot never started polling")
	}
	if got := len(fake.Commands()); got == 0 {
		t.Errorf("no command menu registered")
	}

	expect := newTGExpect(t)
	ann := tgbotapi.User{ID: 501, FirstName: "Ann", UserName: "ann"}
	bob := tgbotapi.User{ID: 502, FirstName: "Bob"}
	private := fake.PrivateChat(ann)
	group := fake.Group(-100900, "SMP removal support")
	fake.Send(private, ann, "How many laser sessions will I need?", 0)
	mention := fake.Send(group, bob, "@SMPBot does laser removal hurt?", 0)
	ask := fake.Send(group, bob, "/ask@SMPBot what is the best pizza topping", 0)
	fake.Send(group, bob, "/ask@OtherBot how much does it cost?", 0)
	fake.Send(group, bob, "chatting among ourselves about laser", 0)
	inline := fake.Inline(ann, "my scalp has pus and a fever after laser")
	if !fake.Wait(30*time.Second, func() bool { return len(fake.Messages()) >= 3 && len(fake.InlineAnswers()) == 1 }) {
		t.Fatalf("got %d messages and %d inline answers, want 3 and 1", len(fake.Messages()), len(fake.InlineAnswers()))
	}

	msgs := fake.Messages()
	byReply := map[int64]telegramtest.Sent{}
	for _, m := range msgs {
		byReply[m.ChatID*1000+int64(m.ReplyTo)] = m
	}
	// Fixed questions, fixed expectations: the entry each must be answered with.
	tests := []struct {
		name       string
		chat       int64
		replyTo    int
		entryID    string
		wantPrefix string
	}{
		{"private question", private.ID, 0, "laser-sessions-count", ""},
		{"group mention", group.ID, mention.MessageID, "laser-pain", ""},
		{"/ask@SMPBot", group.ID, ask.MessageID, "", "Sorry, I don't have a good answer"},
	}
	for _, tt := range tests {
		m, ok := byReply[tt.chat*1000+int64(tt.replyTo)]
		if !ok {
			t.Errorf("%s: no reply in chat %d to message %d", tt.name, tt.chat, tt.replyTo)
			continue
		}
		want := tt.wantPrefix
		if want == "" {
			want = expect.entry(tt.entryID)
		}
		if !strings.HasPrefix(m.Text, want) || m.ParseMode != "HTML" {
			t.Errorf("%s: reply starts %q (mode %q), want %q in HTML", tt.name, strings.SplitN(m.Text, "\n", 2)[0], m.ParseMode, want)
		}
	}

	// Pressing the first button under the private answer answers that entry.
	first := byReply[private.ID*1000]
	if len(first.Keyboard) == 0 {
		t.Fatalf("the private answer has no buttons")
	}
	data := *first.Keyboard[0][0].CallbackData
	q := fake.Press(ann, tgbotapi.Message{MessageID: first.MessageID, Chat: &private, Text: first.Text}, data)
	if !fake.Wait(60*time.Second, func() bool { return len(fake.Messages()) == 4 && len(fake.CallbackAnswers()) == 1 }) {
		t.Fatalf("after the button press: %d messages and %d callback answers, want 4 and 1", len(fake.Messages()), len(fake.CallbackAnswers()))
	}
	if ack := fake.CallbackAnswers()[0]; ack.QueryID != q {
		t.Errorf("acknowledged query %s, want %s", ack.QueryID, q)
	}
	pressed := fake.Messages()[3]
	if want := expect.entry(strings.TrimPrefix(data, "a:")); pressed.ChatID != private.ID || !strings.HasPrefix(pressed.Text, want) {
		t.Errorf("button answer in chat %d starts %q, want chat %d and %q", pressed.ChatID, strings.SplitN(pressed.Text, "\n", 2)[0], private.ID, want)
	}

	// Inline mode: the urgent notice comes first in what the result inserts.
	ia := fake.InlineAnswers()[0]
	if ia.QueryID != inline || len(ia.Results) == 0 || ia.Results[0].ID != bot.UrgentEntryID || !strings.HasPrefix(ia.Results[0].Text, "⚠️") {
		t.Errorf("inline answer = %+v, want %s first with the urgent notice", ia, bot.UrgentEntryID)
	}

	if !fake.Wait(60*time.Second, func() bool { return fake.Pending() == 0 }) {
		t.Errorf("%d updates unconfirmed", fake.Pending())
	}
	if !fake.Wait(60*time.Second, func() bool { return fake.Polling() > 0 }) {
		t.Fatal("smpbot is not polling")
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if !w.wait(15 * time.Second) {
		t.Fatal("smpbot did not exit within 15s of SIGTERM")
	}
	if w.err != nil {
		t.Errorf("smpbot exited with %v after SIGTERM, want status 0", w.err)
	}
	if n := len(fake.Messages()); n != 4 {
		t.Errorf("sent %d messages in all, want 4: the command for another bot and the chatter get none", n)
	}
	out := stderr.String()
	if !strings.Contains(out, "smpbot stopped") {
		t.Errorf("stderr lacks the clean-stop line")
	}
	if strings.Contains(out, telegramE2EToken) || strings.Contains(out, strings.Split(telegramE2EToken, ":")[1]) {
		t.Errorf("the token appears on stderr")
	}
}

// tgExpect looks entries up in the embedded FAQ files, never through the handler the
// binary runs, so that a reply is checked against a fixed entry rather than whatever the
// handler picks.
type tgExpect struct {
	t       *testing.T
	entries map[string]knowledge.Entry
}

func newTGExpect(t *testing.T) tgExpect {
	t.Helper()
	entries, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]knowledge.Entry{}
	for _, e := range entries {
		byID[e.ID] = e
	}
	return tgExpect{t, byID}
}

// entry is the question of the entry with the id, which a reply with that entry starts
// with.
func (e tgExpect) entry(id string) string {
	e.t.Helper()
	en, ok := e.entries[id]
	if !ok {
		e.t.Fatalf("the FAQ has no entry %q", id)
	}
	return en.Question
}

func TestTelegramFromEnv(t *testing.T) {
	fake := telegramtest.NewServer(telegramE2EToken)
	defer fake.Close()
	log := slog.New(slog.DiscardHandler)
	tests := []struct {
		name    string
		env     map[string]string
		enabled bool
		wantErr string
	}{
		{"unset", map[string]string{}, false, ""},
		{"configured", map[string]string{"TELEGRAM_TOKEN": telegramE2EToken, "TELEGRAM_API_ENDPOINT": fake.Endpoint()}, true, ""},
		{"bad limit", map[string]string{"TELEGRAM_TOKEN": telegramE2EToken, "TELEGRAM_API_ENDPOINT": fake.Endpoint(),
			"TELEGRAM_QUESTIONS_PER_MINUTE": "lots"}, false, "TELEGRAM_QUESTIONS_PER_MINUTE"},
		{"secret without address", map[string]string{"TELEGRAM_TOKEN": telegramE2EToken, "TELEGRAM_API_ENDPOINT": fake.Endpoint(),
			"TELEGRAM_WEBHOOK_SECRET": "s"}, false, "TELEGRAM_WEBHOOK_ADDR"},
		{"webhook without secret", map[string]string{"TELEGRAM_TOKEN": telegramE2EToken, "TELEGRAM_API_ENDPOINT": fake.Endpoint(),
			"TELEGRAM_WEBHOOK_ADDR": "127.0.0.1:0"}, false, "secret token"},
		{"webhook", map[string]string{"TELEGRAM_TOKEN": telegramE2EToken, "TELEGRAM_API_ENDPOINT": fake.Endpoint(),
			"TELEGRAM_WEBHOOK_ADDR": "127.0.0.1:0", "TELEGRAM_WEBHOOK_SECRET": "s3cret"}, true, ""},
		{"wrong token", map[string]string{"TELEGRAM_TOKEN": "1:wrong-token-value", "TELEGRAM_API_ENDPOINT": fake.Endpoint()}, false, "Unauthorized"},
		{"moderators", map[string]string{"TELEGRAM_TOKEN": telegramE2EToken, "TELEGRAM_API_ENDPOINT": fake.Endpoint(),
			"TELEGRAM_MODERATORS": "501, 502"}, true, ""},
		{"moderator by name", map[string]string{"TELEGRAM_TOKEN": telegramE2EToken, "TELEGRAM_API_ENDPOINT": fake.Endpoint(),
			"TELEGRAM_MODERATORS": "501,@mia"}, false, `TELEGRAM_MODERATORS: "@mia"`},
	}
	for _, tt := range tests {
		a, err := newTelegram(func(k string) string { return tt.env[k] }, log)
		if got := a != nil; got != tt.enabled {
			t.Errorf("%s: adapter enabled = %v, want %v", tt.name, got, tt.enabled)
		}
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.wantErr)
		}
		if err != nil && strings.Contains(err.Error(), "wrong-token-value") {
			t.Errorf("%s: error contains the token: %v", tt.name, err)
		}
	}
}

func TestTelegramModerators(t *testing.T) {
	tests := []struct {
		name    string
		env     string
		want    []string
		wantErr string
	}{
		{"none", "", nil, ""},
		{"commas and spaces", " 11,22 33,, ", []string{"11", "22", "33"}, ""},
		{"a username", "11,@mia", nil, `TELEGRAM_MODERATORS: "@mia"`},
		{"a negative id (a group)", "-100123", nil, `"-100123" is not a Telegram user id`},
	}
	for _, tt := range tests {
		got, err := telegramModerators(func(k string) string {
			if k == "TELEGRAM_MODERATORS" {
				return tt.env
			}
			return ""
		})
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.wantErr)
		}
		if !slices.Equal(got.TelegramUsers, tt.want) || got.DiscordUsers != nil || got.DiscordRoles != nil {
			t.Errorf("%s: moderators = %+v, want Telegram users %v", tt.name, got, tt.want)
		}
	}
}

// TestTelegramModerationWiring runs the adapter as `smpbot run` wires it: moderation
// passed to newTelegram. TELEGRAM_MODERATORS decides who gets the moderator menu and,
// through bot.Moderators, who may change the FAQ, which is a real store.
func TestTelegramModerationWiring(t *testing.T) {
	mia := tgbotapi.User{ID: 501, FirstName: "Mia"}
	bob := tgbotapi.User{ID: 502, FirstName: "Bob"}
	tests := []struct {
		name string
		make func(getenv func(string) string, log *slog.Logger, mod *bot.Moderation) (bot.Adapter, error)
	}{
		{"newTelegram with options", func(getenv func(string) string, log *slog.Logger, mod *bot.Moderation) (bot.Adapter, error) {
			return newTelegram(getenv, log, telegram.WithModeration(mod))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := telegramtest.NewServer(telegramE2EToken)
			defer fake.Close()
			private := fake.PrivateChat(mia)
			env := map[string]string{"TELEGRAM_TOKEN": telegramE2EToken, "TELEGRAM_API_ENDPOINT": fake.Endpoint(), "TELEGRAM_MODERATORS": "501"}
			getenv := func(k string) string { return env[k] }
			log := slog.New(slog.DiscardHandler)

			var idx *index.Index
			store, err := knowledge.OpenStore(t.TempDir(), knowledge.OnChange(func(es []knowledge.Entry) { idx.Rebuild(es) }))
			if err != nil {
				t.Fatal(err)
			}
			if idx, err = index.New(store.Entries()); err != nil {
				t.Fatal(err)
			}
			defer idx.Close()
			mods, err := telegramModerators(getenv)
			if err != nil {
				t.Fatal(err)
			}
			a, err := tt.make(getenv, log, bot.NewModeration(store, mods, log))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- a.Run(ctx, bot.NewFAQ(idx)) }()
			defer func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("Run = %v", err)
				}
			}()
			if !fake.Wait(60*time.Second, func() bool { return len(fake.ChatCommands(mia.ID)) > 0 }) {
				t.Fatal("the moderator's chat got no command menu")
			}

			fake.Send(private, mia, "/faq_remove bot-about", 0)
			if !fake.Wait(60*time.Second, func() bool { return len(fake.Messages()) == 1 }) {
				t.Fatalf("no preview: %+v", fake.Messages())
			}
			preview := fake.Messages()[0]
			if !strings.Contains(preview.Text, "Remove this entry?") || len(preview.Keyboard) == 0 {
				t.Fatalf("preview = %q with buttons %v", preview.Text, preview.Keyboard)
			}
			fake.Press(mia, tgbotapi.Message{MessageID: preview.MessageID, Chat: &private}, *preview.Keyboard[0][0].CallbackData)
			if !fake.Wait(60*time.Second, func() bool { return len(fake.Messages()) == 2 }) {
				t.Fatalf("no reply to Confirm: %+v", fake.Messages())
			}
			if _, _, err := store.Get("bot-about"); !errors.Is(err, knowledge.ErrNotFound) {
				t.Errorf("bot-about is still in the store after Confirm: %v", err)
			}
			fake.Send(fake.PrivateChat(bob), bob, "/faq_list", 0)
			if !fake.Wait(60*time.Second, func() bool { return len(fake.Messages()) == 3 }) {
				t.Fatalf("no reply to a non-moderator: %+v", fake.Messages())
			}
			if got, want := fake.Messages()[2].Text, bot.DescribeError(bot.ErrForbidden); got != want {
				t.Errorf("a non-moderator's /faq_list got %q, want %q", got, want)
			}
		})
	}
}

// TestTelegramShutdownGrace checks that shutdown.grace reaches the adapter: replies
// still being sent at SIGTERM, whose first try fails after longer than the adapter's own
// 5 s default, are all retried and delivered within a 40 s grace, and after a restart no
// chat is answered twice.
func TestTelegramShutdownGrace(t *testing.T) {
	fake := telegramtest.NewServer(opsToken) // startBot's token
	defer fake.Close()
	const slow, chats = 7 * time.Second, 12
	var arrived atomic.Int32
	allArrived := make(chan struct{})
	fake.SetFaults(func(method string, n int) telegramtest.Fault {
		if method != "sendMessage" || n > chats {
			return telegramtest.Fault{}
		}
		if arrived.Add(1) == chats {
			close(allArrived)
		}
		// A slow server error: only a bot still working after 5 s tries again.
		return telegramtest.Fault{Delay: slow, Status: http.StatusBadGateway}
	})
	data := t.TempDir()
	config := filepath.Join(t.TempDir(), "smpbot.toml")
	if err := os.WriteFile(config, []byte("[shutdown]\ngrace = \"40s\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startBot(t, fake, data, "--config", config)
	p.waitReady(t)
	for i := range chats {
		u := tgbotapi.User{ID: int64(601 + i), FirstName: "U"}
		fake.Send(fake.PrivateChat(u), u, "How many laser sessions will I need?", 0)
	}
	select {
	case <-allArrived:
	case <-time.After(30 * time.Second):
		t.Fatalf("%d replies being sent, want %d in flight before SIGTERM", arrived.Load(), chats)
	}
	start := time.Now()
	p.stop(t)
	if got := len(fake.Messages()); got != chats {
		t.Errorf("%d of %d in-flight replies delivered within the grace (stopped after %v)", got, chats, time.Since(start).Round(time.Millisecond))
	}

	// Restarted without faults: nothing is delivered again, so nobody is answered twice.
	fake.SetFaults(nil)
	p = startBot(t, fake, data, "--config", config)
	p.waitReady(t)
	late := tgbotapi.User{ID: 700, FirstName: "Late"}
	fake.Send(fake.PrivateChat(late), late, "Does laser removal hurt?", 0)
	if !fake.Wait(30*time.Second, func() bool { return len(fake.Messages()) >= chats+1 }) {
		t.Fatalf("the restarted bot did not answer a new question")
	}
	p.stop(t)
	per := map[int64]int{}
	for _, m := range fake.Messages() {
		per[m.ChatID]++
	}
	for chat, n := range per {
		if n != 1 {
			t.Errorf("chat %d answered %d times, want once", chat, n)
		}
	}
	if len(per) != chats+1 {
		t.Errorf("%d chats answered, want %d", len(per), chats+1)
	}
}
