package telegram

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestWebhookMode(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	const secret = "s3cret_token-123"
	base := "http://" + ln.Addr().String()
	h := start(t, setup{
		cfg: func(c *Config) {
			c.Webhook = Webhook{Path: "/tg/hook", SecretToken: secret, PublicURL: base}
		},
		opts: []Option{WithWebhookListener(ln)},
	})
	if !h.fake.Wait(10*time.Second, func() bool { u, _ := h.fake.Webhook(); return u != "" }) {
		t.Fatal("setWebhook was never called")
	}
	if u, s := h.fake.Webhook(); u != base+"/tg/hook" || s != secret {
		t.Errorf("webhook = %q with secret %q, want %q with %q", u, s, base+"/tg/hook", secret)
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
