// Package sessiontest is the contract every console session store meets
// (sessions.Memory, bot/sqlitelog, bot/pglog): one set of tests that each store's
// tests run against a real store of its kind.
package sessiontest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/web/sessions"
)

// Opener opens an empty store for one test (closed by the test's cleanup) and returns
// two handles on it: two connections, as two processes sharing the database would have
// (a store in memory returns itself twice).
type Opener func(t *testing.T) (a, b sessions.Store)

// t0 is the contract's starting time, to the millisecond: the coarsest any store keeps.
var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func newSession(t *testing.T, who bot.Identity, created time.Time, ttl time.Duration) sessions.Session {
	t.Helper()
	_, id, err := sessions.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	return sessions.Session{ID: id, Who: who, CSRF: "csrf-" + id[:8], Agent: sessions.AgentHash("Test/1.0"),
		Created: created, Seen: created, Expires: created.Add(ttl)}
}

var ana = bot.Identity{Platform: "discord", User: "42", Name: "Ana", Chat: "web console", Roles: []string{"7", "9"}}

// Run runs the contract as subtests.
func Run(t *testing.T, open Opener) {
	for _, tc := range []struct {
		name string
		f    func(t *testing.T, a, b sessions.Store)
	}{
		{"CreateThenGetFromTheOther", createGet},
		{"UnknownAndDuplicate", unknownAndDuplicate},
		{"TouchOnlyMovesForward", touch},
		{"EndRevokesEverywhere", end},
		{"FlashesOnceInOrder", flashes},
		{"FlashesTakenOnceUnderRace", flashRace},
		{"SweepRemovesTheExpired", sweep},
		{"LinkUsedOnceFromEitherHandle", linkOnce},
		{"LinkUsedOnceUnderRace", linkRace},
		{"LinkExpires", linkExpires},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := open(t)
			tc.f(t, a, b)
		})
	}
}

func same(t *testing.T, got, want sessions.Session) {
	t.Helper()
	times := func(s sessions.Session) [3]time.Time {
		return [3]time.Time{s.Created.UTC(), s.Seen.UTC(), s.Expires.UTC()}
	}
	gt, wt := times(got), times(want)
	got.Created, got.Seen, got.Expires = time.Time{}, time.Time{}, time.Time{}
	want.Created, want.Seen, want.Expires = time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) || gt != wt {
		t.Errorf("session\n got %+v %v\nwant %+v %v", got, gt, want, wt)
	}
}

func createGet(t *testing.T, a, b sessions.Store) {
	ctx := context.Background()
	s := newSession(t, ana, t0, 8*time.Hour)
	if err := a.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	got, err := b.Get(ctx, s.ID)
	if err != nil {
		t.Fatalf("the other handle: %v", err)
	}
	same(t, got, s)
	// What a caller does to what it got does not change what is stored.
	got.Who.Roles[0] = "changed"
	again, _ := a.Get(ctx, s.ID)
	same(t, again, s)
}

func unknownAndDuplicate(t *testing.T, a, b sessions.Store) {
	ctx := context.Background()
	s := newSession(t, ana, t0, time.Hour)
	if _, err := a.Get(ctx, s.ID); !errors.Is(err, sessions.ErrNotFound) {
		t.Errorf("Get of a session never made = %v, want ErrNotFound", err)
	}
	if err := a.Touch(ctx, s.ID, t0); !errors.Is(err, sessions.ErrNotFound) {
		t.Errorf("Touch of a session never made = %v, want ErrNotFound", err)
	}
	if err := a.AddFlash(ctx, s.ID, sessions.Flash{Text: "x"}); !errors.Is(err, sessions.ErrNotFound) {
		t.Errorf("AddFlash to a session never made = %v, want ErrNotFound", err)
	}
	if err := a.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	other := newSession(t, bot.Identity{Platform: "telegram", User: "1", Name: "Bo"}, t0, time.Hour)
	other.ID = s.ID
	if err := b.Create(ctx, other); err == nil {
		t.Error("a second session under an id in use was stored")
	}
	if got, err := a.Get(ctx, s.ID); err != nil || got.Who.User != ana.User {
		t.Errorf("after a refused duplicate, Get = %+v, %v; want Ana's session unchanged", got.Who, err)
	}
}

func touch(t *testing.T, a, b sessions.Store) {
	ctx := context.Background()
	s := newSession(t, ana, t0, 8*time.Hour)
	if err := a.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	later := t0.Add(10 * time.Minute)
	if err := b.Touch(ctx, s.ID, later); err != nil {
		t.Fatal(err)
	}
	// A slower request that started earlier does not move Seen back.
	if err := a.Touch(ctx, s.ID, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err := a.Get(ctx, s.ID)
	if err != nil || !got.Seen.Equal(later) {
		t.Errorf("Seen after touches = %v, %v; want %v", got.Seen, err, later)
	}
	if !got.Expires.Equal(s.Expires) || !got.Created.Equal(s.Created) {
		t.Errorf("Touch changed Created or Expires: %v %v, want %v %v", got.Created, got.Expires, s.Created, s.Expires)
	}
}

func end(t *testing.T, a, b sessions.Store) {
	ctx := context.Background()
	s := newSession(t, ana, t0, 8*time.Hour)
	keep := newSession(t, ana, t0, 8*time.Hour)
	for _, x := range []sessions.Session{s, keep} {
		if err := a.Create(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.AddFlash(ctx, s.ID, sessions.Flash{Text: "pending"}); err != nil {
		t.Fatal(err)
	}
	if err := b.End(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Get(ctx, s.ID); !errors.Is(err, sessions.ErrNotFound) {
		t.Errorf("Get of a session ended by the other handle = %v, want ErrNotFound", err)
	}
	if err := a.Touch(ctx, s.ID, t0.Add(time.Minute)); !errors.Is(err, sessions.ErrNotFound) {
		t.Errorf("Touch of an ended session = %v, want ErrNotFound", err)
	}
	if err := a.AddFlash(ctx, s.ID, sessions.Flash{Text: "late"}); !errors.Is(err, sessions.ErrNotFound) {
		t.Errorf("AddFlash to an ended session = %v, want ErrNotFound", err)
	}
	if fs, err := a.TakeFlashes(ctx, s.ID); err != nil || len(fs) != 0 {
		t.Errorf("flashes of an ended session = %v, %v; want none", fs, err)
	}
	if err := a.End(ctx, s.ID); err != nil {
		t.Errorf("ending an ended session = %v, want nil", err)
	}
	if _, err := b.Get(ctx, keep.ID); err != nil {
		t.Errorf("ending one session ended another: %v", err)
	}
}

func flashes(t *testing.T, a, b sessions.Store) {
	ctx := context.Background()
	s := newSession(t, ana, t0, 8*time.Hour)
	other := newSession(t, ana, t0, 8*time.Hour)
	for _, x := range []sessions.Session{s, other} {
		if err := a.Create(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	want := []sessions.Flash{{Text: "Saved."}, {Error: true, Text: "Not removed. <b>", Link: "/entries/cost/history"}, {Text: "Third"}}
	for i, f := range want {
		st := a
		if i%2 == 1 {
			st = b // written by one replica, shown by another
		}
		if err := st.AddFlash(ctx, s.ID, f); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.AddFlash(ctx, other.ID, sessions.Flash{Text: "not yours"}); err != nil {
		t.Fatal(err)
	}
	got, err := b.TakeFlashes(ctx, s.ID)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("TakeFlashes = %+v, %v; want %+v", got, err, want)
	}
	if again, err := a.TakeFlashes(ctx, s.ID); err != nil || len(again) != 0 {
		t.Errorf("flashes taken twice: %+v, %v", again, err)
	}
	if theirs, err := a.TakeFlashes(ctx, other.ID); err != nil || len(theirs) != 1 || theirs[0].Text != "not yours" {
		t.Errorf("the other session's flashes = %+v, %v; want its one", theirs, err)
	}
}

func flashRace(t *testing.T, a, b sessions.Store) {
	ctx := context.Background()
	s := newSession(t, ana, t0, 8*time.Hour)
	if err := a.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	const n = 20
	for i := range n {
		if err := a.AddFlash(ctx, s.ID, sessions.Flash{Text: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := a
			if i%2 == 1 {
				st = b
			}
			fs, err := st.TakeFlashes(ctx, s.ID)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, f := range fs {
				seen[f.Text]++
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("%d of %d flashes taken by 8 racing requests", len(seen), n)
	}
	for text, k := range seen {
		if k != 1 {
			t.Errorf("flash %s taken %d times", text, k)
		}
	}
}

func sweep(t *testing.T, a, b sessions.Store) {
	ctx := context.Background()
	live := newSession(t, ana, t0, 8*time.Hour)
	over := newSession(t, ana, t0.Add(-9*time.Hour), 8*time.Hour) // past its absolute end
	idle := newSession(t, ana, t0.Add(-2*time.Hour), 8*time.Hour) // not seen for 2 hours
	for _, x := range []sessions.Session{live, over, idle} {
		if err := a.Create(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.AddFlash(ctx, over.ID, sessions.Flash{Text: "gone with it"}); err != nil {
		t.Fatal(err)
	}
	now := t0.Add(30 * time.Minute)
	if n, err := b.Sweep(ctx, now, 0); err != nil || n != 1 {
		t.Errorf("Sweep without an idle limit = %d, %v; want 1 (the one past its end)", n, err)
	}
	if n, err := b.Sweep(ctx, now, time.Hour); err != nil || n != 1 {
		t.Errorf("Sweep with an idle hour = %d, %v; want 1 (the one idle for 2 hours)", n, err)
	}
	for _, x := range []sessions.Session{over, idle} {
		if _, err := a.Get(ctx, x.ID); !errors.Is(err, sessions.ErrNotFound) {
			t.Errorf("an expired session survived the sweep: %v", err)
		}
	}
	if _, err := a.Get(ctx, live.ID); err != nil {
		t.Errorf("the sweep removed a live session: %v", err)
	}
	if fs, _ := a.TakeFlashes(ctx, over.ID); len(fs) != 0 {
		t.Errorf("the sweep left a swept session's flashes: %+v", fs)
	}
}

func linkOnce(t *testing.T, a, b sessions.Store) {
	ctx := context.Background()
	token, err := sessions.MintLink(ctx, a, ana, 10*time.Minute, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !sessions.ValidToken(token) {
		t.Fatalf("MintLink token %q is not a token", token)
	}
	if _, err := b.UseLink(ctx, token, t0); !errors.Is(err, sessions.ErrNotFound) {
		t.Errorf("UseLink by the token itself, not its id = %v, want ErrNotFound: the store keys links by hash", err)
	}
	who, err := b.UseLink(ctx, sessions.ID(token), t0.Add(time.Minute))
	if err != nil || !reflect.DeepEqual(who, ana) {
		t.Fatalf("UseLink on the other handle = %+v, %v; want %+v", who, err, ana)
	}
	if _, err := a.UseLink(ctx, sessions.ID(token), t0.Add(time.Minute)); !errors.Is(err, sessions.ErrNotFound) {
		t.Errorf("a link used twice: %v, want ErrNotFound", err)
	}
	if _, err := sessions.MintLink(ctx, a, bot.Identity{Name: "nobody"}, time.Minute, t0); err == nil {
		t.Error("a link for no user was made")
	}
	if err := a.AddLink(ctx, sessions.ID("x"), ana, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := b.AddLink(ctx, sessions.ID("x"), bot.Identity{Platform: "cli", User: "eve"}, t0.Add(time.Minute)); err == nil {
		t.Error("a second link under an id in use was stored")
	}
}

func linkRace(t *testing.T, a, b sessions.Store) {
	ctx := context.Background()
	for range 10 {
		token, err := sessions.MintLink(ctx, a, ana, time.Minute, t0)
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		won := 0
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st := a
				if i%2 == 1 {
					st = b
				}
				_, err := st.UseLink(ctx, sessions.ID(token), t0)
				if err != nil && !errors.Is(err, sessions.ErrNotFound) {
					t.Error(err)
				}
				if err == nil {
					mu.Lock()
					won++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if won != 1 {
			t.Fatalf("a link used %d times by 8 racing requests, want once", won)
		}
	}
}

func linkExpires(t *testing.T, a, b sessions.Store) {
	ctx := context.Background()
	late, err := sessions.MintLink(ctx, a, ana, 10*time.Minute, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.UseLink(ctx, sessions.ID(late), t0.Add(10*time.Minute)); !errors.Is(err, sessions.ErrNotFound) {
		t.Errorf("a link used at its expiry: %v, want ErrNotFound", err)
	}
	swept, err := sessions.MintLink(ctx, a, ana, 10*time.Minute, t0)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := sessions.MintLink(ctx, a, ana, 20*time.Minute, t0)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := b.Sweep(ctx, t0.Add(15*time.Minute), 0); err != nil || n != 1 {
		t.Errorf("Sweep = %d, %v; want the one expired link removed", n, err)
	}
	// Past its end, a link is gone even when asked about as if it were earlier.
	if _, err := a.UseLink(ctx, sessions.ID(swept), t0); !errors.Is(err, sessions.ErrNotFound) {
		t.Errorf("a swept link was used: %v", err)
	}
	if _, err := a.UseLink(ctx, sessions.ID(kept), t0.Add(15*time.Minute)); err != nil {
		t.Errorf("the sweep removed a live link: %v", err)
	}
}
