package telegram

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/telegram/telegramtest"
)

// soakBound is the longest a normal user may wait for an answer in the soak, from the
// question reaching Telegram to the answer reaching it, with the faults below: a 429
// costs its retry_after of a second, a dropped connection or a 5xx a backoff.
const soakBound = 8 * time.Second

// TestSoakUnderFaultsAndUrgentFlood runs 100 people asking 3 questions each in private
// chats (about 25 answers a second, near Telegram's 30 a second in all), a flooder sending 400 urgent-worded messages at once and a group flooded by
// 20 people, while the fake fails every 15th sendMessage in turn with faultKinds (a
// 500, a dropped connection, a 429, a slow answer and a 502), fails getUpdates now and then, and
// applies Telegram's flood limits. Every normal user must be answered within soakBound,
// none twice, none lost; the flooder gets the urgent notice once, not 400 times.
func TestSoakUnderFaultsAndUrgentFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test: skipped with -short")
	}
	drops := &dropCounts{}
	h := start(t, setup{
		cfg:  func(c *Config) { c.QuestionsPerMinute = 10 },
		opts: []Option{WithPollTimeout(time.Second), WithDropCounter(drops.add)},
		h:    memo(handler(t)),
	})
	faults := faultKinds
	h.fake.SetFaults(func(method string, n int) telegramtest.Fault {
		switch {
		case method == "sendMessage" && n%15 == 0:
			return faults[(n/15)%len(faults)]
		case method == "getUpdates" && n%7 == 0:
			return faults[(n/7)%len(faults)]
		}
		return telegramtest.Fault{}
	})
	questions := []string{
		"How many laser sessions will I need?",
		"Does laser removal hurt?",
		"What is the best pizza topping",
		"How much does removal cost?",
	}
	const users, each = 100, 3
	type asked struct {
		chat int64
		at   time.Time
	}
	var mu sync.Mutex
	var normal []asked
	var wg sync.WaitGroup
	// The flooder starts first: 400 urgent messages in one burst.
	flooder := tgbotapi.User{ID: 9999, FirstName: "flood"}
	fc := h.fake.PrivateChat(flooder)
	for i := range 400 {
		h.fake.Send(fc, flooder, fmt.Sprintf("my scalp is infected with pus and fever, help %d", i), 0)
	}
	// A group flooded by 20 people at the same time.
	g := h.fake.Group(-100555, "busy group")
	for i := range 20 {
		u := tgbotapi.User{ID: int64(7000 + i), FirstName: "g"}
		h.fake.Send(g, u, fmt.Sprintf("@SMPBot %s (%d)", questions[i%len(questions)], i), 0)
	}
	start := time.Now()
	for i := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := tgbotapi.User{ID: int64(20000 + i), FirstName: "u" + strconv.Itoa(i)}
			c := h.fake.PrivateChat(u)
			// Spread over about ten seconds, each person a few seconds between questions.
			time.Sleep(time.Duration(i) * 30 * time.Millisecond)
			for k := range each {
				at := time.Now()
				h.fake.Send(c, u, questions[(i+k)%len(questions)], 0)
				mu.Lock()
				normal = append(normal, asked{c.ID, at})
				mu.Unlock()
				time.Sleep(3 * time.Second)
			}
		}()
	}
	wg.Wait()
	h.settle(t)
	elapsed := time.Since(start)

	// The k-th answer in a chat answers its k-th question: a chat's order is kept.
	answers := map[int64][]time.Time{}
	for _, c := range h.fake.Calls("sendMessage") {
		if c.Status == http.StatusOK {
			id, _ := strconv.ParseInt(c.Params.Get("chat_id"), 10, 64)
			answers[id] = append(answers[id], c.At)
		}
	}
	byChat := map[int64][]time.Time{}
	for _, a := range normal {
		byChat[a.chat] = append(byChat[a.chat], a.at)
	}
	var waits []time.Duration
	lost, twice := 0, 0
	for chat, qs := range byChat {
		slices.SortFunc(qs, func(a, b time.Time) int { return a.Compare(b) })
		as := answers[chat]
		lost += max(0, len(qs)-len(as))
		twice += max(0, len(as)-len(qs))
		for k := range min(len(qs), len(as)) {
			waits = append(waits, as[k].Sub(qs[k]))
		}
	}
	slices.Sort(waits)
	pct := func(p float64) time.Duration { return waits[min(len(waits)-1, int(p*float64(len(waits))))] }
	var failed int
	for _, c := range h.fake.Calls("") {
		if c.Status != http.StatusOK {
			failed++
		}
	}
	t.Logf("soak: %d users, %d questions in %v; waits p50 %v, p99 %v, max %v; lost %d, twice %d; flooder got %d messages for 400 (%d dropped from its queue); group: %d answered, %d dropped, %d coalesced; %d failed calls, %d flood-control 429s",
		users, len(normal), elapsed.Round(time.Millisecond), pct(0.5).Round(time.Millisecond), pct(0.99).Round(time.Millisecond),
		waits[len(waits)-1].Round(time.Millisecond), lost, twice, len(answers[fc.ID]), drops.get(dropBacklog), len(answers[g.ID]),
		drops.get(dropGroupFlood), drops.get(dropCoalesced), failed, h.fake.FloodRefused(0))
	if lost > 0 || twice > 0 || len(waits) != users*each {
		t.Errorf("%d answers measured for %d questions: %d lost, %d answered twice", len(waits), users*each, lost, twice)
	}
	if max := waits[len(waits)-1]; max > soakBound {
		t.Errorf("the longest wait was %v, over the stated bound of %v", max, soakBound)
	}
	// Within the limit (10), the urgent notice once over it, the slow-down once.
	var notices, slowDowns int
	for _, m := range h.fake.Messages() {
		switch {
		case m.ChatID != fc.ID:
		case strings.HasPrefix(m.Text, "⚠️"):
			notices++
		case m.Text == bot.RateLimitedText:
			slowDowns++
		}
	}
	// Its allowance refills by one every 6 s while its queue drains at a message a
	// second, so one or two more may be answered; its queue holds at most 16.
	if notices < 11 || notices+slowDowns > maxChatQueue || slowDowns < 1 || slowDowns > 2 {
		t.Errorf("the flooder got %d urgent answers and %d slow-downs for 400 urgent messages, want 11 or a few more (10 within the limit, 1 over it, refills) and a slow-down or two", notices, slowDowns)
	}
}
