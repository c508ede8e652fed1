package telegram

import (
	"context"
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

// soakQuestions are what the soak's people ask, in turn.
var soakQuestions = []string{
	"How many laser sessions will I need?",
	"Does laser removal hurt?",
	"What is the best pizza topping",
	"How much does removal cost?",
}

const (
	soakUsers   = 100 // people asking in private chats
	soakEach    = 3   // questions each
	soakFlood   = 400 // urgent messages the flooder sends at once
	soakGroupOf = 20  // people flooding the group
)

// soakAsk is one question of a normal user in the soak.
type soakAsk struct {
	chat int64
	text string
	at   time.Time
}

// soak is one run of the soak scenario: what was asked and the harness that answered.
type soak struct {
	h       *harness
	drops   *dropCounts
	flooder tgbotapi.Chat
	group   tgbotapi.Chat
	// groupAsked holds the ids of the messages sent in the group.
	groupAsked map[int]bool
	normal     []soakAsk
	elapsed    time.Duration
}

// runSoak runs 100 people asking 3 questions each in private chats (about 25 answers a
// second, near Telegram's 30 a second in all), a flooder sending 400 urgent-worded
// messages at once and a group flooded by 20 people, while the fake fails every 15th
// sendMessage in turn with faultKinds (a 500, a dropped connection, a 429, a slow
// answer and a 502), fails getUpdates now and then, and applies Telegram's flood
// limits. It returns once every update is handled.
func runSoak(tb testing.TB) *soak {
	tb.Helper()
	s := &soak{drops: &dropCounts{}, groupAsked: map[int]bool{}}
	s.h = start(tb, setup{
		cfg:  func(c *Config) { c.QuestionsPerMinute = 10 },
		opts: []Option{WithPollTimeout(time.Second), WithDropCounter(s.drops.add)},
		h:    memo(handler(tb)),
	})
	faults := faultKinds
	s.h.fake.SetFaults(func(method string, n int) telegramtest.Fault {
		switch {
		case method == "sendMessage" && n%15 == 0:
			return faults[(n/15)%len(faults)]
		case method == "getUpdates" && n%7 == 0:
			return faults[(n/7)%len(faults)]
		}
		return telegramtest.Fault{}
	})
	// The flooder starts first: 400 urgent messages in one burst.
	flooder := tgbotapi.User{ID: 9999, FirstName: "flood"}
	s.flooder = s.h.fake.PrivateChat(flooder)
	for i := range soakFlood {
		s.h.fake.Send(s.flooder, flooder, fmt.Sprintf("my scalp is infected with pus and fever, help %d", i), 0)
	}
	// A group flooded by 20 people at the same time.
	s.group = s.h.fake.Group(-100555, "busy group")
	for i := range soakGroupOf {
		u := tgbotapi.User{ID: int64(7000 + i), FirstName: "g"}
		m := s.h.fake.Send(s.group, u, fmt.Sprintf("@SMPBot %s (%d)", soakQuestions[i%len(soakQuestions)], i), 0)
		s.groupAsked[m.MessageID] = true
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	began := time.Now()
	for i := range soakUsers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := tgbotapi.User{ID: int64(20000 + i), FirstName: "u" + strconv.Itoa(i)}
			c := s.h.fake.PrivateChat(u)
			// Spread over about ten seconds, each person a few seconds between questions.
			time.Sleep(time.Duration(i) * 30 * time.Millisecond)
			for k := range soakEach {
				text := soakQuestions[(i+k)%len(soakQuestions)]
				at := time.Now()
				s.h.fake.Send(c, u, text, 0)
				mu.Lock()
				s.normal = append(s.normal, soakAsk{c.ID, text, at})
				mu.Unlock()
				time.Sleep(3 * time.Second)
			}
		}()
	}
	wg.Wait()
	s.h.settle(tb)
	s.elapsed = time.Since(began)
	return s
}

// byChat returns the normal users' questions per chat, in the order they were asked.
func (s *soak) byChat() map[int64][]soakAsk {
	out := map[int64][]soakAsk{}
	for _, a := range s.normal {
		out[a.chat] = append(out[a.chat], a)
	}
	for _, qs := range out {
		slices.SortFunc(qs, func(a, b soakAsk) int { return a.at.Compare(b.at) })
	}
	return out
}

// waits returns how long each normal user's question waited for its answer, from the
// question reaching the fake to the answer's successful sendMessage reaching it (the
// k-th answer in a chat answers its k-th question), sorted.
func (s *soak) waits() []time.Duration {
	answered := map[int64][]time.Time{}
	for _, c := range s.h.fake.Calls("sendMessage") {
		if c.Status == http.StatusOK {
			id, _ := strconv.ParseInt(c.Params.Get("chat_id"), 10, 64)
			answered[id] = append(answered[id], c.At)
		}
	}
	var waits []time.Duration
	for chat, qs := range s.byChat() {
		as := answered[chat]
		for k := range min(len(qs), len(as)) {
			waits = append(waits, as[k].Sub(qs[k].at))
		}
	}
	slices.Sort(waits)
	return waits
}

// TestSoakUnderFaultsAndUrgentFlood checks what the soak (runSoak) must do whatever
// the machine's speed: every normal user's question is answered, once, with the answer
// to that question, in the order asked; the flooder's answers are all flagged, the
// urgent notice first, and it gets the notice within its limit and once over it, not
// 400 times; every question in the flooded group is answered or counted as dropped.
// How long the answers take is measured by BenchmarkSoakUnderFaultsAndUrgentFlood.
func TestSoakUnderFaultsAndUrgentFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test: skipped with -short")
	}
	s := runSoak(t)
	h := s.h

	// What each question must get, rendered by the adapter's own code from the
	// handler's reply.
	want := map[string]string{}
	for _, q := range soakQuestions {
		r, err := handler(t).Answer(context.Background(), bot.Question{Text: q})
		if err != nil {
			t.Fatalf("answering %q: %v", q, err)
		}
		want[q] = PreviewReply(r, false)[0].HTML
	}
	got := map[int64][]telegramtest.Sent{}
	for _, m := range h.fake.Messages() {
		got[m.ChatID] = append(got[m.ChatID], m)
	}

	// Normal users: each chat's k-th message answers its k-th question, none lost,
	// none twice.
	byChat := s.byChat()
	if len(byChat) != soakUsers || len(s.normal) != soakUsers*soakEach {
		t.Fatalf("%d questions in %d chats were asked, want %d in %d", len(s.normal), len(byChat), soakUsers*soakEach, soakUsers)
	}
	lost, twice, wrong := 0, 0, 0
	for chat, qs := range byChat {
		ms := got[chat]
		lost += max(0, len(qs)-len(ms))
		twice += max(0, len(ms)-len(qs))
		for k := range min(len(qs), len(ms)) {
			if ms[k].HTML != want[qs[k].text] {
				if wrong++; wrong <= 3 {
					t.Errorf("chat %d: answer %d is\n%s\nwant the answer to its question %d, %q:\n%s", chat, k+1, firstLine(ms[k].HTML), k+1, qs[k].text, firstLine(want[qs[k].text]))
				}
			}
		}
	}
	if lost > 0 || twice > 0 || wrong > 0 {
		t.Errorf("of %d questions, %d were not answered, %d answers too many, %d answered with another question's answer", len(s.normal), lost, twice, wrong)
	}

	// The flooder: every answer is flagged, the urgent notice before anything else;
	// the rest are slow-downs. Within the limit (10) it gets the urgent answer, over it
	// the urgent answer once and the slow-down once.
	var notices, slowDowns int
	for _, m := range got[s.flooder.ID] {
		switch {
		case strings.HasPrefix(m.Text, bot.UrgentNotice):
			notices++
		case m.Text == bot.RateLimitedText:
			slowDowns++
		default:
			t.Errorf("the flooder got %q, want the urgent notice first or the slow-down", firstLine(m.Text))
		}
	}
	// Its allowance refills by one every 6 s while its queue drains at a message a
	// second, so one or two more may be answered; its queue holds at most 16.
	if notices < 11 || notices+slowDowns > maxChatQueue || slowDowns < 1 || slowDowns > 2 {
		t.Errorf("the flooder got %d urgent answers and %d slow-downs for %d urgent messages, want 11 or a few more (10 within the limit, 1 over it, refills) and a slow-down or two", notices, slowDowns, soakFlood)
	}

	// The group: every question is answered once or counted as dropped.
	replied := map[int]int{}
	for _, m := range got[s.group.ID] {
		if m.ReplyTo != 0 {
			if !s.groupAsked[m.ReplyTo] {
				t.Errorf("a message in the group replies to %d, which is not a question", m.ReplyTo)
			}
			replied[m.ReplyTo]++
		}
	}
	for id, n := range replied {
		if n > 1 {
			t.Errorf("question %d in the group was answered %d times", id, n)
		}
	}
	if n, d := len(replied), s.drops.get(dropGroupFlood)+s.drops.get(dropCoalesced); n+d != soakGroupOf || n == 0 {
		t.Errorf("in the group %d questions were answered and %d counted as dropped or coalesced, want %d in all, some answered", n, d, soakGroupOf)
	}
	t.Logf("soak: %d questions in %v; flooder: %d urgent answers, %d slow-downs, %d dropped; group: %d answered, %d dropped, %d coalesced",
		len(s.normal), s.elapsed.Round(time.Millisecond), notices, slowDowns, s.drops.get(dropBacklog),
		len(replied), s.drops.get(dropGroupFlood), s.drops.get(dropCoalesced))
}

// BenchmarkSoakUnderFaultsAndUrgentFlood measures how long normal users wait for an
// answer in the soak (runSoak), from the question reaching Telegram to the answer
// reaching it: a 429 costs its retry_after of a second, a dropped connection or a 5xx
// a backoff. One iteration is a whole soak of about 12 s; run it with -benchtime=1x.
// It reports the waits' p50, p99 and max in seconds, and the sends that failed.
func BenchmarkSoakUnderFaultsAndUrgentFlood(b *testing.B) {
	b.ReportAllocs()
	handler(b) // the FAQ's build is not the soak's
	b.ResetTimer()
	var waits []time.Duration
	failed := 0
	for range b.N {
		s := runSoak(b)
		waits = append(waits, s.waits()...)
		for _, c := range s.h.fake.Calls("") {
			if c.Status != http.StatusOK {
				failed++
			}
		}
		if err := s.h.stop(); err != nil {
			b.Fatalf("stopping the adapter: %v", err)
		}
	}
	b.StopTimer()
	if len(waits) != b.N*soakUsers*soakEach {
		b.Fatalf("%d answers measured for %d questions", len(waits), b.N*soakUsers*soakEach)
	}
	slices.Sort(waits)
	pct := func(p float64) float64 {
		return waits[min(len(waits)-1, int(p*float64(len(waits))))].Seconds()
	}
	b.ReportMetric(pct(0.5), "p50-wait-s")
	b.ReportMetric(pct(0.99), "p99-wait-s")
	b.ReportMetric(waits[len(waits)-1].Seconds(), "max-wait-s")
	b.ReportMetric(float64(failed)/float64(b.N), "failed-calls/op")
}
