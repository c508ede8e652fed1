package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/telegram/telegramtest"
)

func TestWebhookMode(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	const secret = "s3cret_token-123"
	base := "http://" + ln.Addr().String()
	const public = "https://bot.example.com:8443"
	h := start(t, setup{
		cfg: func(c *Config) {
			c.Webhook = Webhook{Path: "/tg/hook", SecretToken: secret, PublicURL: public}
		},
		fake: []telegramtest.Option{telegramtest.WithWebhookRoute(public, base)},
		opts: []Option{WithWebhookListener(ln)},
	})
	if !h.fake.Wait(60*time.Second, func() bool { u, _ := h.fake.Webhook(); return u != "" }) {
		t.Fatal("setWebhook was never called")
	}
	if u, s := h.fake.Webhook(); u != public+"/tg/hook" || s != secret {
		t.Errorf("webhook = %q with secret %q, want %q with %q", u, s, public+"/tg/hook", secret)
	}

	// Telegram (the fake) delivers an update to the webhook.
	c := h.fake.PrivateChat(ann)
	id := h.fake.NextUpdateID()
	m := h.fake.Send(c, ann, "How many laser sessions will I need?", 0)
	got := h.messages(t, 1)[0]
	if !strings.HasPrefix(got.Text, "How many laser sessions does SMP removal take?") {
		t.Errorf("webhook answer starts %q", firstLine(got.Text))
	}

	post := func(method, secretHeader string, body []byte) int {
		req, err := http.NewRequest(method, base+"/tg/hook", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if secretHeader != "" {
			req.Header.Set(SecretHeader, secretHeader)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	again, _ := json.Marshal(tgbotapi.Update{UpdateID: id, Message: &m})
	forged, _ := json.Marshal(tgbotapi.Update{UpdateID: id + 1000, Message: &m})
	tests := []struct {
		name        string
		method, hdr string
		body        []byte
		want        int
		wantInLog   string
	}{
		{"no secret", http.MethodPost, "", forged, http.StatusUnauthorized, "without the right secret token"},
		{"wrong secret", http.MethodPost, "guess", forged, http.StatusUnauthorized, "without the right secret token"},
		{"GET", http.MethodGet, secret, nil, http.StatusMethodNotAllowed, ""},
		{"malformed", http.MethodPost, secret, []byte(`{"update_id":77,"message":[]}`), http.StatusOK, "malformed update skipped\" update_id=77"},
		{"redelivery", http.MethodPost, secret, again, http.StatusOK, fmt.Sprintf("update delivered again, skipped\" update_id=%d", id)},
	}
	for _, tt := range tests {
		if got := post(tt.method, tt.hdr, tt.body); got != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, got, tt.want)
		}
		if tt.wantInLog != "" && !strings.Contains(h.logs.String(), tt.wantInLog) {
			t.Errorf("%s: log lacks %q", tt.name, tt.wantInLog)
		}
	}
	// A later question is still answered, and nothing else was.
	h.fake.Send(c, ann, "does laser removal hurt?", 0)
	h.messages(t, 2)
	h.settle(t)
	if n := len(h.fake.Messages()); n != 2 {
		t.Errorf("sent %d messages, want 2: forged, malformed and redelivered updates must not be answered", n)
	}
	if n := len(h.fake.Calls("getUpdates")); n != 0 {
		t.Errorf("getUpdates called %d times in webhook mode", n)
	}
}

func TestCheckWebhookURL(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://bot.example.com", true},
		{"https://bot.example.com:8443/hook", true},
		{"https://bot.example.com:88", true},
		{"https://bot.example.com:80", true},
		{"http://bot.example.com", false},
		{"https://bot.example.com:8080", false},
		{"bot.example.com", false},
		{"https://", false},
	}
	for _, tt := range tests {
		if err := CheckWebhookURL(tt.url); (err == nil) != tt.ok {
			t.Errorf("CheckWebhookURL(%q) = %v, want ok %v", tt.url, err, tt.ok)
		}
		_, err := New(Config{Token: testToken, APIEndpoint: "http://127.0.0.1:1/bot%s/%s", Webhook: Webhook{ListenAddr: ":0", SecretToken: "s", PublicURL: tt.url}})
		if !tt.ok && (err == nil || !strings.Contains(err.Error(), "webhook URL")) {
			t.Errorf("New with webhook URL %q: %v, want it refused before connecting", tt.url, err)
		}
	}
}

// TestWebhookKeepsChatOrder: in webhook mode each update is acknowledged at once, but a
// chat's questions are still answered in the order asked, even when the first takes
// longest; another chat is not held up by it.
func TestWebhookKeepsChatOrder(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	const public = "https://bot.example.com"
	release := make(chan struct{})
	slow := bot.HandlerFunc(func(ctx context.Context, q bot.Question) (bot.Reply, error) {
		if q.Text == "q0" {
			select { // the first question is slow until another chat has been answered
			case <-release:
			case <-time.After(10 * time.Second):
			}
		}
		return bot.Reply{Kind: bot.KindSmallTalk, Message: "re " + q.Text, Text: "re " + q.Text}, nil
	})
	h := start(t, setup{
		cfg:  func(c *Config) { c.Webhook = Webhook{SecretToken: "s3cret", PublicURL: public} },
		fake: []telegramtest.Option{telegramtest.WithWebhookRoute(public, "http://"+ln.Addr().String())},
		opts: []Option{WithWebhookListener(ln)},
		h:    slow,
	})
	c := h.fake.PrivateChat(ann)
	for i := range 4 {
		h.fake.Send(c, ann, fmt.Sprintf("q%d", i), 0)
	}
	other := h.fake.PrivateChat(bob)
	h.fake.Send(other, bob, "other", 0)
	if !h.fake.Wait(60*time.Second, func() bool { return len(h.fake.Messages()) == 1 }) {
		t.Fatalf("the other chat was not answered while the first chat's question was slow: %+v", h.fake.Messages())
	}
	close(release)
	h.settle(t)
	var got []string
	for _, m := range h.fake.Messages() {
		if m.ChatID == c.ID {
			got = append(got, m.Text)
		}
	}
	if want := []string{"re q0", "re q1", "re q2", "re q3"}; !slices.Equal(got, want) {
		t.Errorf("answers in chat order %q, want %q", got, want)
	}
}
