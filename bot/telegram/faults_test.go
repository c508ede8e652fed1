package telegram

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/telegram/telegramtest"
)

// memo wraps the real handler with a cache of its replies: the volume test asks the
// same four questions 250 times each, and searching 1,000 times under the race
// detector would cost more than everything the test is about.
func memo(h bot.Handler) bot.Handler {
	var mu sync.Mutex
	cache := map[bot.Question]bot.Reply{}
	return bot.HandlerFunc(func(ctx context.Context, q bot.Question) (bot.Reply, error) {
		k := bot.Question{Text: q.Text, EntryID: q.EntryID}
		mu.Lock()
		r, ok := cache[k]
		mu.Unlock()
		if ok {
			return r, nil
		}
		r, err := h.Answer(ctx, q)
		if err == nil {
			mu.Lock()
			cache[k] = r
			mu.Unlock()
		}
		return r, err
	})
}

// faultKinds are the failures the volume tests inject in turn: a 500, a dropped
// connection, a 429 with retry_after 1, a slow answer and a 502.
var faultKinds = []telegramtest.Fault{
	{Status: http.StatusInternalServerError},
	{Drop: true},
	{Status: http.StatusTooManyRequests, RetryAfter: 1},
	{Delay: 200 * time.Millisecond},
	{Status: http.StatusBadGateway},
}

// TestThousandQuestionsUnderFaults asks 1,000 questions in 250 groups (four different
// questions each, within what a group may be sent) while the server
// fails getUpdates calls 2 to 6 and every third one after, and every 25th sendMessage,
// in turn with a 500, a dropped connection, a 429 with retry_after 1, a slow answer and
// a 502. Every question must be answered exactly once, and every update confirmed.
func TestThousandQuestionsUnderFaults(t *testing.T) {
	h := start(t, setup{
		cfg: func(c *Config) { c.QuestionsPerMinute = 10 },
		// Telegram's pacing, but for the 30 messages a second in all, which would make
		// the test take half a minute.
		opts: []Option{WithPollTimeout(time.Second), WithPacing(Pacing{ChatInterval: time.Second, ChatBurst: 3, GroupLimit: 20, GroupWindow: 61 * time.Second})},
		h:    memo(handler(t)),
	})
	faults := faultKinds
	h.fake.SetFaults(func(method string, n int) telegramtest.Fault {
		switch {
		case method == "getUpdates" && n >= 2 && n < 2+len(faults):
			return faults[n-2] // each kind once, early, while the questions are queued
		case method == "getUpdates" && n%3 == 0:
			return faults[(n/3)%len(faults)]
		case method == "sendMessage" && n%25 == 0:
			return faults[(n/25)%len(faults)]
		}
		return telegramtest.Fault{}
	})
	questions := []string{
		"@SMPBot how many laser sessions will I need?",
		"@SMPBot does laser removal hurt?",
		"@SMPBot what is the best pizza topping",
		"@SMPBot how much does removal cost?",
	}
	type key struct {
		chat int64
		msg  int
	}
	asked := map[key]bool{}
	for i := range 1000 {
		g := h.fake.Group(-1000000-int64(i/4), fmt.Sprintf("group %d", i/4))
		u := tgbotapi.User{ID: int64(10000 + i), FirstName: fmt.Sprintf("user%d", i)}
		m := h.fake.Send(g, u, questions[i%len(questions)], 0)
		asked[key{g.ID, m.MessageID}] = true
	}
	if !h.fake.Wait(50*time.Second, func() bool { return h.fake.Pending() == 0 }) {
		t.Fatalf("%d updates unconfirmed, %d messages sent", h.fake.Pending(), len(h.fake.Messages()))
	}
	h.settle(t)
	answers := map[key]int{}
	for _, m := range h.fake.Messages() {
		k := key{m.ChatID, m.ReplyTo}
		if !asked[k] {
			t.Errorf("message %d in chat %d replies to %d, which is not a question", m.MessageID, m.ChatID, m.ReplyTo)
		}
		answers[k]++
	}
	missing, twice := 0, 0
	for k := range asked {
		switch answers[k] {
		case 0:
			missing++
		case 1:
		default:
			twice++
		}
	}
	if missing > 0 || twice > 0 {
		t.Errorf("of %d questions, %d were not answered and %d were answered more than once", len(asked), missing, twice)
	}
	// Each kind of failure must have happened, to both calls, for the test to mean anything.
	failed := map[string]map[int]int{}
	for _, c := range h.fake.Calls("") {
		if failed[c.Method] == nil {
			failed[c.Method] = map[int]int{}
		}
		failed[c.Method][c.Status]++
	}
	for _, method := range []string{"getUpdates", "sendMessage"} {
		for _, status := range []int{0, http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway} {
			if failed[method][status] == 0 {
				t.Errorf("no %s call got status %d (0: dropped); statuses: %v", method, status, failed[method])
			}
		}
	}
}
