package sessions_test

import (
	"strings"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot/web/sessions"
	"github.com/smpbot/smpbot/bot/web/sessions/sessiontest"
)

func TestMemoryContract(t *testing.T) {
	sessiontest.Run(t, func(t *testing.T) (a, b sessions.Store) {
		m := &sessions.Memory{}
		return m, m
	})
}

func TestTokens(t *testing.T) {
	token, id, err := sessions.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if !sessions.ValidToken(token) || sessions.ID(token) != id {
		t.Fatalf("NewToken = %q, %q: not a valid token or not its id", token, id)
	}
	if strings.Contains(id, token) || len(id) != 64 {
		t.Errorf("id %q must be the token's hash, not hold it", id)
	}
	other, _, _ := sessions.NewToken()
	if other == token {
		t.Error("two tokens alike")
	}
	for _, bad := range []string{"", "forged", token[:len(token)-1], token + "A", strings.Repeat("A", 42) + "B", "../" + token[3:], token[:42] + "="} {
		if sessions.ValidToken(bad) {
			t.Errorf("ValidToken(%q) = true", bad)
		}
	}
}

func TestExpired(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := sessions.Session{Created: t0, Seen: t0.Add(time.Hour), Expires: t0.Add(8 * time.Hour)}
	for _, tc := range []struct {
		at   time.Duration // after t0
		idle time.Duration
		want bool
	}{
		{90 * time.Minute, time.Hour, false},
		{2*time.Hour - time.Nanosecond, time.Hour, false},
		{2 * time.Hour, time.Hour, true},
		{5 * time.Hour, 0, false},
		{8*time.Hour - time.Nanosecond, 0, false},
		{8 * time.Hour, 0, true},
		{8 * time.Hour, 24 * time.Hour, true},
	} {
		if got := s.Expired(t0.Add(tc.at), tc.idle); got != tc.want {
			t.Errorf("Expired(t0+%v, idle %v) = %v, want %v", tc.at, tc.idle, got, tc.want)
		}
	}
}
