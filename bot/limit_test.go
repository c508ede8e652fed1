package bot_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot"
)

// TestLimitUrgentOncePerWindow floods the limit with urgent words: the first questions
// within the allowance are answered, then one urgent answer gets through per window,
// one "slow down" per minute, and nothing else.
func TestLimitUrgentOncePerWindow(t *testing.T) {
	var answered int
	next := bot.HandlerFunc(func(_ context.Context, q bot.Question) (bot.Reply, error) {
		answered++
		return bot.Reply{Kind: bot.KindAnswer, Urgent: bot.IsUrgent(q.Text), Text: "answer"}, nil
	})
	now := time.Unix(1_000_000, 0)
	var outcomes []string
	l := bot.NewLimit(next, 3, bot.WithLimitClock(func() time.Time { return now }),
		bot.WithOverLimit(func(_ bot.Question, o string) { outcomes = append(outcomes, o) }))
	urgent := bot.Question{Platform: "telegram", User: "9", Text: "My scalp is swollen with pus and a fever after laser"}
	if !bot.IsUrgent(urgent.Text) {
		t.Fatal("the test's urgent text is not urgent")
	}
	var kinds []bot.Kind
	var dropped int
	for range 400 {
		r, err := l.Answer(context.Background(), urgent)
		switch {
		case errors.Is(err, bot.ErrRateLimited):
			dropped++
		case err != nil:
			t.Fatalf("Answer: %v", err)
		default:
			kinds = append(kinds, r.Kind)
		}
		now = now.Add(10 * time.Millisecond)
	}
	// 3 within the limit, 1 urgent over it, 1 slow-down; 395 dropped.
	want := []bot.Kind{bot.KindAnswer, bot.KindAnswer, bot.KindAnswer, bot.KindAnswer, bot.KindRateLimited}
	if len(kinds) != len(want) || answered != 4 || dropped != 395 {
		t.Fatalf("replies %v (handler called %d times), %d dropped; want %v, 4 calls, 395 dropped", kinds, answered, dropped, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Errorf("reply %d is %s, want %s", i, kinds[i], want[i])
		}
	}
	if len(outcomes) != 397 || outcomes[0] != "urgent" || outcomes[1] != "told" || outcomes[2] != "dropped" {
		t.Errorf("over-limit outcomes: %d, starting %v; want 397 starting urgent, told, dropped", len(outcomes), outcomes[:min(3, len(outcomes))])
	}
	// After the urgent window the notice reaches them again, still over the limit.
	now = now.Add(bot.DefaultUrgentWindow)
	for range 3 { // the allowance refilled meanwhile
		l.Answer(context.Background(), urgent)
	}
	if r, err := l.Answer(context.Background(), urgent); err != nil || !r.Urgent {
		t.Errorf("over the limit after the urgent window: %+v, %v; want the urgent answer", r, err)
	}
	if _, err := l.Answer(context.Background(), urgent); !errors.Is(err, bot.ErrRateLimited) && err != nil {
		t.Errorf("second urgent question in the new window: %v", err)
	}
}

func TestLimitKeysAndPreviews(t *testing.T) {
	next := bot.HandlerFunc(func(_ context.Context, q bot.Question) (bot.Reply, error) {
		return bot.Reply{Kind: bot.KindAnswer}, nil
	})
	now := time.Unix(1_000_000, 0)
	l := bot.NewLimit(next, 1, bot.WithLimitClock(func() time.Time { return now }))
	ask := func(q bot.Question) bot.Kind {
		r, err := l.Answer(context.Background(), q)
		if err != nil {
			return "error"
		}
		return r.Kind
	}
	a := bot.Question{Platform: "telegram", User: "1", Text: "cost?"}
	if got := ask(a); got != bot.KindAnswer {
		t.Fatalf("first question: %s", got)
	}
	if got := ask(a); got != bot.KindRateLimited {
		t.Errorf("second question: %s, want %s", got, bot.KindRateLimited)
	}
	tests := []struct {
		name string
		q    bot.Question
		want bot.Kind
	}{
		{"same id on another platform", bot.Question{Platform: "discord", User: "1", Text: "cost?"}, bot.KindAnswer},
		{"another user", bot.Question{Platform: "telegram", User: "2", Text: "cost?"}, bot.KindAnswer},
		{"a preview", bot.Question{Platform: "telegram", User: "1", Text: "cost?", Preview: true}, bot.KindAnswer},
		{"a button press over the limit", bot.Question{Platform: "telegram", User: "1", EntryID: "cost"}, "error"},
	}
	for _, tt := range tests {
		if got := ask(tt.q); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	if got := ask(bot.Question{Platform: "x", User: "y"}); got != bot.KindAnswer {
		t.Errorf("no limit configured... %s", got)
	}
	unlimited := bot.NewLimit(next, 0)
	for range 100 {
		if r, err := unlimited.Answer(context.Background(), a); err != nil || r.Kind != bot.KindAnswer {
			t.Fatalf("with no limit: %+v, %v", r, err)
		}
	}
}
