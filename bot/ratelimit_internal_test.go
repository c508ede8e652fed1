package bot

import (
	"testing"
	"time"
)

// TestRateLimiterForgetsOnlyRefilled drives the limiter's clock past the cleanup: a
// bucket that has refilled is forgotten, one still refilling is kept, so its owner
// cannot get a full allowance back by waiting for the cleanup.
func TestRateLimiterForgetsOnlyRefilled(t *testing.T) {
	l := NewRateLimiter(6) // one question back every 10 s
	t0 := time.Unix(1_000_000, 0)
	l.Allow("idle", t0) // runs the first cleanup; "idle" then sits unused
	// "busy" spends its whole allowance just before the next cleanup is due.
	busyAt := t0.Add(gcEvery)
	for i := range 6 {
		if !l.Allow("busy", busyAt) {
			t.Fatalf("question %d of 6 refused", i+1)
		}
	}
	if got := l.tracked(); got != 2 {
		t.Fatalf("tracking %d keys before the cleanup, want 2", got)
	}
	// One second later another user's question runs the cleanup.
	gcAt := busyAt.Add(time.Second)
	l.Allow("other", gcAt)
	if got := l.tracked(); got != 2 {
		t.Errorf("after the cleanup tracking %d keys, want 2 (busy and other; idle forgotten)", got)
	}
	if l.Allow("busy", gcAt) {
		t.Error("the cleanup gave a user who had just spent the allowance a full one back")
	}
	// Ten seconds after spending, one question has come back, and only one.
	if !l.Allow("busy", busyAt.Add(10*time.Second)) {
		t.Error("no question back after 10 s at 6 a minute")
	}
	if l.Allow("busy", busyAt.Add(10*time.Second)) {
		t.Error("two questions back after 10 s at 6 a minute")
	}
}

func TestRateLimiterEvery(t *testing.T) {
	l := NewRateLimiterEvery(10 * time.Minute)
	t0 := time.Unix(1_000_000, 0)
	tests := []struct {
		at   time.Duration
		want bool
	}{{0, true}, {time.Second, false}, {9 * time.Minute, false}, {10*time.Minute + time.Second, true}, {11 * time.Minute, false}}
	for _, tt := range tests {
		if got := l.Allow("a", t0.Add(tt.at)); got != tt.want {
			t.Errorf("Allow at +%v = %v, want %v", tt.at, got, tt.want)
		}
	}
	if !NewRateLimiterEvery(0).Allow("a", t0) {
		t.Error("a zero window should mean no limit")
	}
}
