package telegram

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestPacer drives the pacer's clock: a chat gets its burst and then one message per
// interval; a group at most GroupLimit-1 ordinary messages in a window, the last slot
// kept for a priority notice; the limit on all sends is booked apart from the chats.
func TestPacer(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	now := t0
	pc := newPacer(Pacing{ChatInterval: time.Second, ChatBurst: 3, GroupLimit: 5, GroupWindow: time.Minute, GlobalPerSecond: 2})
	pc.now = func() time.Time { return now }
	at := func(chat int64, priority bool) time.Duration { return pc.reserve(chat, priority).Sub(t0) }

	// A private chat: three at once, then one a second.
	for i, want := range []time.Duration{0, 0, 0, time.Second, 2 * time.Second} {
		if got := at(42, false); got != want {
			t.Errorf("private message %d at +%v, want +%v", i+1, got, want)
		}
	}
	// Another chat is not held back by the first one's queue.
	if got := at(43, false); got != 0 {
		t.Errorf("another chat's first message at +%v, want at once", got)
	}
	// A group: after the burst one a second, and the fifth slot of the window is kept
	// for a notice, so the fifth ordinary message waits for the window to pass.
	g := int64(-100)
	var got []time.Duration
	for range 5 {
		got = append(got, at(g, false))
	}
	want := []time.Duration{0, 0, 0, time.Second, time.Minute}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("group message %d at +%v, want +%v", i+1, got[i], want[i])
		}
	}
	if got := at(g, true); got > 3*time.Second {
		t.Errorf("the priority notice at +%v, want within the window's kept slot", got)
	}
	// The limit on all sends: two a second, booked when each send is due.
	pc2 := newPacer(Pacing{GlobalPerSecond: 2})
	pc2.now = func() time.Time { return now }
	var g2 []time.Duration
	for range 4 {
		g2 = append(g2, pc2.reserveGlobal().Sub(t0))
	}
	if g2[0] != 0 || g2[1] != 0 || g2[2] != 500*time.Millisecond || g2[3] != time.Second {
		t.Errorf("global slots %v, want 0, 0, 500ms, 1s", g2)
	}
	// A 429 holds the chat: its next send waits at least that long.
	pc.hold(43, t0.Add(10*time.Second))
	if got := at(43, false); got < 10*time.Second {
		t.Errorf("after a 429 asking for 10 s, the chat's next send at +%v", got)
	}
	// A flood notice, which takes the group's kept slot, waits the 429 out as well.
	pc.hold(-200, t0.Add(10*time.Second))
	if got := at(-200, true); got < 10*time.Second {
		t.Errorf("after a 429 asking for 10 s, the group's flood notice at +%v", got)
	}
}

// TestPacerWaitSeesLaterHold: a send already waiting for its turn when another send to
// the chat gets a 429 waits the 429 out too, instead of going into the window in which
// Telegram refuses every call to the chat; a chat held beyond maxRetryAfter fails at
// once.
func TestPacerWaitSeesLaterHold(t *testing.T) {
	const interval = 500 * time.Millisecond
	pc := newPacer(Pacing{ChatInterval: interval, ChatBurst: 1})
	ctx := context.Background()
	if err := pc.wait(ctx, 42, false); err != nil {
		t.Fatal(err)
	}
	pc.mu.Lock()
	booked := pc.chats[42]
	pc.mu.Unlock()
	done := make(chan time.Time, 1)
	go func() {
		if err := pc.wait(ctx, 42, false); err != nil {
			t.Error(err)
		}
		done <- time.Now()
	}()
	// Once the second send has booked its turn, an interval away, the first one's
	// retry gets a 429.
	for {
		pc.mu.Lock()
		moved := !pc.chats[42].Equal(booked)
		pc.mu.Unlock()
		if moved {
			break
		}
		time.Sleep(time.Millisecond)
	}
	until := time.Now().Add(3 * interval)
	pc.hold(42, until)
	if at := <-done; at.Before(until) {
		t.Errorf("a send booked before the 429 went %v before its wait ended", until.Sub(at))
	}

	pc.hold(43, time.Now().Add(2*maxRetryAfter))
	start := time.Now()
	if err := pc.wait(ctx, 43, false); !errors.Is(err, errFloodWait) || time.Since(start) > time.Second {
		t.Errorf("a chat held for %v: wait = %v after %v, want errFloodWait at once", 2*maxRetryAfter, err, time.Since(start))
	}
}
