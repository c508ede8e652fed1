package discord

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/discord/discordtest"
)

// batchGate holds every answer until the current batch is released.
type batchGate struct {
	bot.Handler
	mu   sync.Mutex
	gate chan struct{}
}

func newBatchGate(h bot.Handler) *batchGate { return &batchGate{Handler: h, gate: make(chan struct{})} }

func (g *batchGate) Answer(ctx context.Context, q bot.Question) (bot.Reply, error) {
	g.mu.Lock()
	gate := g.gate
	g.mu.Unlock()
	select {
	case <-gate:
	case <-ctx.Done():
		return bot.Reply{}, ctx.Err()
	}
	return g.Handler.Answer(ctx, q)
}

// release lets the waiting answers through and closes the gate on the next batch.
func (g *batchGate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	close(g.gate)
	g.gate = make(chan struct{})
}

// askDeferred dispatches n /ask interactions and waits until each is deferred.
func askDeferred(t testing.TB, f *discordtest.Server, users []discordtest.User, n int) []discordtest.Interaction {
	t.Helper()
	ixs := make([]discordtest.Interaction, n)
	for i := range ixs {
		ixs[i] = f.Command(f.Guild(), users[i%len(users)], "ask", discordtest.String("question", "How many laser sessions will I need?"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	for _, ix := range ixs {
		cb, err := f.WaitSent(ctx, func(m discordtest.Sent) bool { return ix.Owns(m) && m.Via == discordtest.ViaCallback })
		if err != nil || cb.ResponseType != discordgo.InteractionResponseDeferredChannelMessageWithSource {
			t.Fatalf("interaction %s not deferred (%v, type %d)", ix.ID, err, cb.ResponseType)
		}
	}
	return ixs
}

// TestDeferredAnswersInParallel: answers that were deferred are edited in at the same
// time, not one after the other behind one rate-limit bucket.
func TestDeferredAnswersInParallel(t *testing.T) {
	t.Parallel()
	g := newBatchGate(realHandler(t))
	r := start(t, rigConfig{handler: g, opts: []Option{WithDeferAfter(time.Millisecond)},
		fake: []discordtest.Option{discordtest.WithClock(discordtest.NewManualClock(time.Now()))}})
	f := r.fake
	const n = 4
	var users []discordtest.User
	for i := range n {
		users = append(users, f.NewUser(fmt.Sprintf("user%d", i)))
	}
	ixs := askDeferred(t, f, users, n)
	release := f.Hold("PATCH", "/messages/@original")
	defer release()
	g.release()
	if err := f.WaitHeld(waitCtx(t), n); err != nil {
		t.Errorf("the %d edits of deferred answers never were in flight together: %v", n, err)
	}
	release()
	for _, ix := range ixs {
		got := r.reply(t, ix)
		if got.Via != discordtest.ViaEdit || !got.Original {
			t.Errorf("interaction %s answered via %s (original %v), want the edit of \"thinking\"", ix.ID, got.Via, got.Original)
		}
		checkAnswer(t, got, entry(t, "laser-sessions-count"))
	}
}

// BenchmarkDeferredAnswers measures how long a batch of deferred answers takes to be
// edited in, from the moment the answers are ready, with each request to the fake
// Discord taking 20 ms.
func BenchmarkDeferredAnswers(b *testing.B) {
	for _, n := range []int{1, 10, 30} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			g := newBatchGate(realHandler(b))
			f := discordtest.New(testToken, discordtest.WithLatency(20*time.Millisecond),
				discordtest.WithClock(discordtest.NewManualClock(time.Now())))
			defer f.Close()
			a, err := New(Config{Token: testToken, APIBase: f.URL, QuestionsPerMinute: -1}, WithDeferAfter(time.Millisecond))
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- a.Run(ctx, g) }()
			defer func() { cancel(); <-done }()
			wait, cancelWait := context.WithTimeout(context.Background(), waitLimit)
			defer cancelWait()
			if err := f.WaitReady(wait); err != nil {
				b.Fatal(err)
			}
			users := []discordtest.User{f.NewUser("bench")}
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				ixs := askDeferred(b, f, users, n)
				b.StartTimer()
				g.release()
				for _, ix := range ixs {
					if _, err := f.WaitSent(wait, func(m discordtest.Sent) bool { return ix.Owns(m) && m.Via == discordtest.ViaEdit }); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.StopTimer() // stopping the adapter is not part of it
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/batch")
		})
	}
}
