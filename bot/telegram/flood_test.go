package telegram

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/smpbot/smpbot/bot/telegram/telegramtest"
)

// dropCounts collects WithDropCounter's reasons.
type dropCounts struct {
	mu sync.Mutex
	n  map[string]int
}

func (d *dropCounts) add(reason string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.n == nil {
		d.n = map[string]int{}
	}
	d.n[reason]++
}

func (d *dropCounts) get(reason string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n[reason]
}

// TestGroupFlood has 30 people ask in one group within a few seconds, with the
// fake's flood control on (Telegram's limits, scaled ten times faster so the test is
// short): the adapter never gets a 429, answers what the group's rate allows, says once
// that the flood is cut short, counts what it dropped or coalesced, and answers private
// chats meanwhile before the group's backlog is done.
func TestGroupFlood(t *testing.T) {
	const scale = 10
	limits := telegramtest.FloodLimits{ChatInterval: time.Second / scale, ChatBurst: 5, GroupLimit: 20, GroupWindow: time.Minute / scale}
	drops := &dropCounts{}
	h := start(t, setup{
		cfg:  func(c *Config) { c.QuestionsPerMinute = 10 },
		fake: []telegramtest.Option{telegramtest.WithFloodLimits(limits)},
		opts: []Option{WithDropCounter(drops.add), WithPacing(Pacing{
			ChatInterval: time.Second / scale, ChatBurst: 3, GroupLimit: 20, GroupWindow: time.Minute/scale + 500*time.Millisecond,
		})},
	})
	g := h.fake.Group(-100900, "flooded")
	questions := []string{"how many laser sessions will I need?", "does laser removal hurt?", "how much does removal cost?",
		"can saline remove SMP?", "how long does healing take?", "will it scar?"}
	asked := map[int]bool{}
	var privateAsked []int64
	ask := func(i int) {
		u := tgbotapi.User{ID: int64(5000 + i), FirstName: fmt.Sprintf("p%d", i)}
		// Every sixth person asks what someone asked already: coalesced while the
		// first is waiting, not answered twice.
		q := fmt.Sprintf("@SMPBot %s (%d)", questions[i%len(questions)], i)
		if i%6 == 5 {
			q = "@SMPBot " + questions[0]
		}
		m := h.fake.Send(g, u, q, 0)
		asked[m.MessageID] = true
	}
	// Twelve people ask and are answered (one coalesced); then eighteen ask at once, more than the
	// window's 19 answers and the queue's 10 can take, while private chats ask too.
	for i := range 12 {
		ask(i)
	}
	h.settle(t)
	for i := 12; i < 30; i++ {
		ask(i)
		if i%6 == 0 {
			p := tgbotapi.User{ID: int64(8000 + i), FirstName: "private"}
			h.fake.Send(h.fake.PrivateChat(p), p, "does laser removal hurt?", 0)
			privateAsked = append(privateAsked, p.ID)
		}
	}
	h.settle(t)

	var groupAnswers, notices int
	var lastGroup time.Time
	answeredPrivate := map[int64]bool{}
	var sends []time.Time
	for _, c := range h.fake.Calls("sendMessage") {
		if c.Status == 200 && c.Params.Get("chat_id") == fmt.Sprint(g.ID) {
			sends = append(sends, c.At)
		}
	}
	for i, m := range h.fake.Messages() {
		switch {
		case m.ChatID == g.ID && strings.HasPrefix(m.Text, "Many questions are arriving"):
			notices++
		case m.ChatID == g.ID:
			if !asked[m.ReplyTo] {
				t.Errorf("group message %d replies to %d, not a question", i, m.ReplyTo)
			}
			asked[m.ReplyTo] = false // answered once
			groupAnswers++
		default:
			answeredPrivate[m.ChatID] = true
		}
	}
	if len(sends) > 0 {
		lastGroup = sends[len(sends)-1]
	}
	flood, coalesced := drops.get(dropGroupFlood), drops.get(dropCoalesced)
	t.Logf("30 questions in the group: %d answered, %d coalesced, %d dropped, %d notice(s); %d messages in %v",
		groupAnswers, coalesced, flood, notices, len(sends), lastGroup.Sub(sends[0]).Round(time.Millisecond))
	if groupAnswers+coalesced+flood != 30 {
		t.Errorf("answered %d + coalesced %d + dropped %d != 30 questions", groupAnswers, coalesced, flood)
	}
	// The window's 19 and the queue's 10 leave at most 29 to answer; how many of the
	// queue's are answered rather than cut depends on how fast the machine answers.
	if coalesced == 0 || flood == 0 || groupAnswers < 19 {
		t.Errorf("want some coalesced and some dropped, and at least a window's 19 answered")
	}
	if notices != 1 {
		t.Errorf("%d flood notices in the group, want exactly 1", notices)
	}
	// The fake's own flood control never fired (checked at cleanup too), and no window
	// held more than the group limit.
	for i := range sends {
		if j := i + limits.GroupLimit; j < len(sends) && sends[j].Sub(sends[i]) < limits.GroupWindow {
			t.Errorf("messages %d and %d in the group only %v apart", i, j, sends[j].Sub(sends[i]))
		}
	}
	for _, id := range privateAsked {
		if !answeredPrivate[id] {
			t.Errorf("private chat %d not answered during the flood", id)
		}
	}
	// Private chats are answered as they ask, not after the group's backlog.
	for _, c := range h.fake.Calls("sendMessage") {
		if c.Status == 200 && !strings.HasPrefix(c.Params.Get("chat_id"), "-") && !c.At.Before(lastGroup) {
			t.Errorf("a private answer went out at %v, after the group's last message at %v", c.At, lastGroup)
		}
	}
}

// TestOneChatsWaitDelaysNoOther: Telegram tells chat A to wait 10 s (a 429); chat B's
// question, asked after, and a button pressed in chat A meanwhile are answered and
// acknowledged long before A's wait ends.
func TestOneChatsWaitDelaysNoOther(t *testing.T) {
	const wait = 10 * time.Second
	h := start(t, setup{mayBeRefused: 1}) // the press's answer, if sent before the 429 was read
	a := h.fake.PrivateChat(ann)
	b := h.fake.PrivateChat(bob)
	h.fake.Fail("sendMessage", telegramtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: int(wait / time.Second)})
	h.fake.Send(a, ann, "how many laser sessions will I need?", 0)
	if !h.fake.Wait(60*time.Second, func() bool { return len(h.fake.Calls("sendMessage")) == 1 }) {
		t.Fatal("chat A's answer was never tried")
	}
	h.fake.Send(b, bob, "does laser removal hurt?", 0)
	press := h.fake.Press(ann, tgbotapi.Message{MessageID: 1, From: ptr(h.fake.Bot()), Chat: &a}, cbAnswer+"laser-pain")
	h.settle(t)
	// A's answer is the message the 429 refused, once it goes out; not simply the
	// first message to chat A. The press is answered in chat A too, and when the
	// adapter handles the press before it has read the 429 (the fake records the 429
	// before answering with it), it cannot know of the wait yet: the press's answer
	// goes out at once, and the fake, like Telegram, refuses it too, for what is left
	// of the wait, which the adapter then waits out for it as well.
	var refused string
	var waitFrom time.Time
	for _, c := range h.fake.Calls("sendMessage") {
		if c.Status == http.StatusTooManyRequests {
			refused, waitFrom = c.Params.Get("text"), c.At
		}
	}
	var aAt, bAt, ackAt time.Time
	toA := 0
	for _, c := range h.fake.Calls("") {
		switch {
		case c.Method == "sendMessage" && c.Status == http.StatusOK && c.Params.Get("chat_id") == fmt.Sprint(a.ID) && c.Params.Get("text") == refused:
			if toA++; toA == 1 {
				aAt = c.At
			}
		case c.Method == "sendMessage" && c.Status == http.StatusOK && c.Params.Get("chat_id") == fmt.Sprint(b.ID):
			bAt = c.At
		case c.Method == "answerCallbackQuery" && c.Params.Get("callback_query_id") == press:
			ackAt = c.At
		}
	}
	if refused == "" || aAt.IsZero() || bAt.IsZero() || ackAt.IsZero() {
		t.Fatalf("chat A's refused answer %q went out at %v, chat B was answered at %v, the press acknowledged at %v: want all three",
			refused, aAt, bAt, ackAt)
	}
	if toA != 1 {
		t.Fatalf("%d messages to chat A read like its refused answer; the press's answer must differ for the test to tell them apart", toA)
	}
	// Inside A's wait the adapter sent nothing more to A, but for the press's answer
	// if it went before the 429 was read; each message to A went out exactly once.
	if n := h.fake.Refused(a.ID); n > 1 {
		t.Errorf("%d calls to chat A refused inside its wait, want at most the press's answer", n)
	}
	sentToA := map[string]int{}
	for _, m := range h.fake.Messages() {
		if m.ChatID == a.ID {
			sentToA[m.HTML]++
		}
	}
	if len(sentToA) < 2 {
		t.Errorf("chat A got %d distinct messages, want its answer and the press's", len(sentToA))
	}
	for text, n := range sentToA {
		if n != 1 {
			t.Errorf("chat A got %d times: %.60q", n, text)
		}
	}
	t.Logf("after A's 429: chat B answered in %v, the press acknowledged in %v, A's answer sent after %v",
		bAt.Sub(waitFrom), ackAt.Sub(waitFrom), aAt.Sub(waitFrom))
	// On their own, B and the press take milliseconds even under -race on a loaded
	// machine. Held behind A's wait they would come at its end, as likely just before
	// A's answer as after it: so both must come within its first half.
	if bAt.Sub(waitFrom) >= wait/2 || ackAt.Sub(waitFrom) >= wait/2 || !bAt.Before(aAt) || !ackAt.Before(aAt) {
		t.Errorf("chat B answered %v and the press acknowledged %v after A's 429, and A's answer went out after %v; want both within the first half of A's %v wait",
			bAt.Sub(waitFrom), ackAt.Sub(waitFrom), aAt.Sub(waitFrom), wait)
	}
}

// TestWaitingSendsHonourAnother429: four people press buttons in a group at once, so
// four answers wait for their turns in the group's pace when the first one gets a 429
// (answered late, so that the others have booked their turns by then). Every answer
// waits the 429 out, as Telegram refuses every call to the group meanwhile: none is
// refused, and each goes out once.
func TestWaitingSendsHonourAnother429(t *testing.T) {
	const retryAfter = 2
	h := start(t, setup{opts: []Option{WithPacing(Pacing{ChatInterval: 300 * time.Millisecond, ChatBurst: 1, GroupLimit: 20, GroupWindow: time.Minute})}})
	g := h.fake.Group(-100777, "held")
	h.fake.Fail("sendMessage", telegramtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: retryAfter, Delay: 250 * time.Millisecond})
	on := tgbotapi.Message{MessageID: 1, From: ptr(h.fake.Bot()), Chat: &g}
	entries := []string{"laser-pain", "healing-time", "cost", "scarring-risk"}
	for i, e := range entries {
		u := tgbotapi.User{ID: int64(6000 + i), FirstName: e}
		h.fake.Press(u, on, cbAnswer+e)
	}
	h.settle(t)
	var opened time.Time
	for _, c := range h.fake.Calls("sendMessage") {
		if c.Status == http.StatusTooManyRequests && opened.IsZero() {
			opened = c.At
		}
	}
	if opened.IsZero() {
		t.Fatal("no 429")
	}
	if n := h.fake.Refused(g.ID); n != 0 {
		t.Errorf("%d sends to the group refused inside the 429's wait, want 0", n)
	}
	got := map[string]int{}
	for _, m := range h.fake.Messages() {
		if m.ChatID == g.ID {
			got[m.HTML]++
		}
	}
	if len(got) != len(entries) {
		t.Errorf("%d different answers in the group, want %d", len(got), len(entries))
	}
	for text, n := range got {
		if n != 1 {
			t.Errorf("sent %d times: %.60q", n, text)
		}
	}
	for _, c := range h.fake.Calls("sendMessage") {
		if c.Status == http.StatusOK && c.At.Before(opened.Add(retryAfter*time.Second)) {
			t.Errorf("a send to the group %v into the 429's %d s wait", c.At.Sub(opened), retryAfter)
		}
	}
}

// TestAbsurdRetryAfterGivesUp: a 429 asking for an hour is not waited out. The send
// fails at once with the reason logged; the chat's next answer fails at once too,
// without calling Telegram (which would refuse it); another chat is answered.
func TestAbsurdRetryAfterGivesUp(t *testing.T) {
	h := start(t, setup{})
	a := h.fake.PrivateChat(ann)
	b := h.fake.PrivateChat(bob)
	h.fake.Fail("sendMessage", telegramtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 3600})
	h.fake.Send(a, ann, "how many laser sessions will I need?", 0)
	h.settle(t)
	h.fake.Send(a, ann, "does laser removal hurt?", 0)
	h.fake.Send(b, bob, "does laser removal hurt?", 0)
	h.settle(t)
	toA := 0
	for _, c := range h.fake.Calls("sendMessage") {
		if c.Params.Get("chat_id") == fmt.Sprint(a.ID) {
			toA++
		}
	}
	if toA != 1 || h.fake.Refused(a.ID) != 0 {
		t.Errorf("%d sends to chat A (%d refused inside the hour), want only the first", toA, h.fake.Refused(a.ID))
	}
	var toB int
	for _, m := range h.fake.Messages() {
		if m.ChatID == b.ID {
			toB++
		}
	}
	if toB == 0 {
		t.Error("chat B was not answered while chat A is held")
	}
	logs := h.logs.String()
	if n := strings.Count(logs, errFloodWait.Error()); n != 2 {
		t.Errorf("the give-up is logged %d times, want once for each of A's two answers:\n%s", n, logs)
	}
	if !strings.Contains(logs, "retry_after 1h0m0s") {
		t.Errorf("the log does not say how long Telegram asked to wait:\n%s", logs)
	}
}

// TestPersistent429GivesUp: when every try gets a 429, the adapter tries maxAttempts
// times, each after the retry_after (never inside it), then gives up with the error
// logged; the chat is answered once Telegram lets it.
func TestPersistent429GivesUp(t *testing.T) {
	h := start(t, setup{})
	a := h.fake.PrivateChat(ann)
	h.fake.SetFaults(func(method string, n int) telegramtest.Fault {
		if method == "sendMessage" {
			return telegramtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 1}
		}
		return telegramtest.Fault{}
	})
	h.fake.Send(a, ann, "how many laser sessions will I need?", 0)
	h.settle(t)
	calls := h.fake.Calls("sendMessage")
	if len(calls) != maxAttempts {
		t.Errorf("%d sends, want %d", len(calls), maxAttempts)
	}
	for i := 1; i < len(calls); i++ {
		if gap := calls[i].At.Sub(calls[i-1].At); gap < time.Second {
			t.Errorf("try %d %v after the one before, inside its retry_after of 1 s", i+1, gap)
		}
	}
	if n := h.fake.Refused(0); n != 0 {
		t.Errorf("%d calls refused inside a retry_after, want 0", n)
	}
	if logs := h.logs.String(); !strings.Contains(logs, fmt.Sprintf("gave up after %d attempts", maxAttempts)) || !strings.Contains(logs, "Too Many Requests") {
		t.Errorf("the give-up is not logged with its cause:\n%s", logs)
	}
	h.fake.SetFaults(nil)
	h.fake.Send(a, ann, "does laser removal hurt?", 0)
	h.messages(t, 1)
}

// TestGlobal429: a 429 for the whole bot (Fault.Global) refuses every chat. The Bot API
// does not say a 429 is bot-wide, so each chat learns of it from its own 429; each then
// waits it out, so no chat is refused more than that once, and every answer goes out
// once.
func TestGlobal429(t *testing.T) {
	const retryAfter = 2
	h := start(t, setup{mayBeRefused: 1}) // B's first try
	a := h.fake.PrivateChat(ann)
	b := h.fake.PrivateChat(bob)
	h.fake.Fail("sendMessage", telegramtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: retryAfter, Global: true})
	h.fake.Send(a, ann, "how many laser sessions will I need?", 0)
	if !h.fake.Wait(60*time.Second, func() bool { return len(h.fake.Calls("sendMessage")) == 1 }) {
		t.Fatal("chat A's answer was never tried")
	}
	h.fake.Send(b, bob, "does laser removal hurt?", 0)
	h.settle(t)
	if h.fake.Refused(a.ID) != 0 || h.fake.Refused(b.ID) > 1 {
		t.Errorf("refused inside the wait: %d to chat A, %d to chat B; want none to A and at most B's first", h.fake.Refused(a.ID), h.fake.Refused(b.ID))
	}
	got := map[int64]int{}
	for _, m := range h.fake.Messages() {
		got[m.ChatID]++
	}
	if got[a.ID] != 1 || got[b.ID] != 1 {
		t.Errorf("messages by chat %v, want one to each", got)
	}
}
