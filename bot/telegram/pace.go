package telegram

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Pacing is how fast the adapter sends, kept under Telegram's flood limits so that
// answers go out on time instead of after a 429's retry_after: about one message a
// second in a chat (short bursts allowed), 20 a minute in a group, 30 a second in all.
type Pacing struct {
	// ChatInterval is the steady spacing of messages in one chat, and ChatBurst how
	// many may go at once before it applies.
	ChatInterval time.Duration
	ChatBurst    int
	// GroupLimit messages at most in any GroupWindow in one group or supergroup. One of
	// them is kept for the notice that a flood is being cut short.
	GroupLimit  int
	GroupWindow time.Duration
	// GlobalPerSecond bounds all messages together.
	GlobalPerSecond int
}

// DefaultPacing keeps under Telegram's published limits with a margin: the group window
// is a second longer than Telegram's minute, for the time a request takes to arrive,
// and a chat's burst is smaller than Telegram tolerates, leaving room for the one flood
// notice a window that goes ahead of the queue.
var DefaultPacing = Pacing{
	ChatInterval:    time.Second,
	ChatBurst:       3,
	GroupLimit:      20,
	GroupWindow:     61 * time.Second,
	GlobalPerSecond: 30,
}

// pacer hands out send times. Each send reserves the earliest time every limit allows
// and then waits for it alone, so that a chat waiting for its turn never holds up
// another chat.
type pacer struct {
	p      Pacing
	mu     sync.Mutex
	chats  map[int64]time.Time   // per chat, the theoretical arrival time (GCRA)
	groups map[int64][]time.Time // per group, the send times within the window
	// priority is, per group, the time of the last message sent in the slot kept free
	// in each window.
	priority map[int64]time.Time
	// held is, per chat, when the retry_after of Telegram's last 429 to it ends.
	held   map[int64]time.Time
	global time.Time
	now    func() time.Time
}

func newPacer(p Pacing) *pacer {
	return &pacer{p: p, chats: map[int64]time.Time{}, groups: map[int64][]time.Time{}, priority: map[int64]time.Time{},
		held: map[int64]time.Time{}, now: time.Now}
}

// isGroup reports whether a chat id is a group's: Telegram gives users positive ids
// and groups, supergroups and channels negative ones.
func isGroup(chatID int64) bool { return chatID < 0 }

// reserve books the earliest time a message to chatID may be sent as far as the chat's
// and the group's limits go. priority may use the group's last slot in the window,
// kept for a flood notice.
func (pc *pacer) reserve(chatID int64, priority bool) time.Time {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	now := pc.now()
	t := later(now, pc.held[chatID]) // nothing, a flood notice neither, inside a 429's wait
	group := isGroup(chatID) && pc.p.GroupLimit > 0
	var sent []time.Time
	if group {
		sent = pc.groups[chatID]
		// Times that left the window before now no longer count.
		for len(sent) > 0 && !sent[0].After(now.Add(-pc.p.GroupWindow)) {
			sent = sent[1:]
		}
	}
	limit := pc.p.GroupLimit - 1
	switch {
	case group && (priority || limit < 1):
		// Ordinary messages leave one slot free in every window and a burst's worth of
		// room in the chat's own limit, so one priority message per window fits
		// whenever it comes, ahead of the ordinary ones waiting for their turn.
		if last, ok := pc.priority[chatID]; ok {
			t = later(t, last.Add(pc.p.GroupWindow))
		}
		pc.priority[chatID] = t
	default:
		// GCRA: a send is allowed once the theoretical arrival time minus the burst
		// tolerance has passed.
		if pc.p.ChatInterval > 0 {
			tol := time.Duration(max(pc.p.ChatBurst-1, 0)) * pc.p.ChatInterval
			t = later(t, pc.chats[chatID].Add(-tol))
		}
		if group && len(sent) >= limit {
			t = later(t, sent[len(sent)-limit].Add(pc.p.GroupWindow))
		}
		if pc.p.ChatInterval > 0 {
			pc.chats[chatID] = later(pc.chats[chatID], t).Add(pc.p.ChatInterval)
		}
	}
	if group {
		i := len(sent)
		for i > 0 && sent[i-1].After(t) {
			i--
		}
		sent = append(sent[:i:i], append([]time.Time{t}, sent[i:]...)...)
		pc.groups[chatID] = sent
	}
	pc.forget(now)
	return t
}

// backlog is how long a new message to chatID would wait now, without booking it.
func (pc *pacer) backlog(chatID int64) time.Duration {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	now := pc.now()
	sent := pc.groups[chatID]
	limit := pc.p.GroupLimit - 1
	if !isGroup(chatID) || limit < 1 || len(sent) < limit {
		return 0
	}
	return max(0, sent[len(sent)-limit].Add(pc.p.GroupWindow).Sub(now))
}

// hold pushes chatID's next send to at least until, after Telegram answered a 429,
// with the chat's burst used up, so that its queue resumes one message an interval.
func (pc *pacer) hold(chatID int64, until time.Time) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	pc.held[chatID] = later(pc.held[chatID], until)
	pc.chats[chatID] = later(pc.chats[chatID], until.Add(time.Duration(max(pc.p.ChatBurst-1, 0))*pc.p.ChatInterval))
}

// heldFor is how much longer chatID is held by a 429, if at all.
func (pc *pacer) heldFor(chatID int64) time.Duration {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.held[chatID].Sub(pc.now())
}

// forget drops chats whose limits have all passed, so the maps do not grow with every
// chat ever served. Callers hold pc.mu.
func (pc *pacer) forget(now time.Time) {
	if len(pc.chats)+len(pc.groups) < 1024 {
		return
	}
	for id, t := range pc.chats {
		if t.Before(now) {
			delete(pc.chats, id)
		}
	}
	for id, sent := range pc.groups {
		if len(sent) == 0 || !sent[len(sent)-1].After(now.Add(-pc.p.GroupWindow)) {
			delete(pc.groups, id)
		}
	}
	for id, t := range pc.priority {
		if !t.After(now.Add(-pc.p.GroupWindow)) {
			delete(pc.priority, id)
		}
	}
	for id, t := range pc.held {
		if t.Before(now) {
			delete(pc.held, id)
		}
	}
}

// reserveGlobal books the earliest time the limit on all sends allows. It is booked
// only once a chat's own turn has come, so that a chat waiting seconds for its turn
// does not push every other chat's sends back with it.
func (pc *pacer) reserveGlobal() time.Time {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	now := pc.now()
	if pc.p.GlobalPerSecond <= 0 {
		return now
	}
	interval := time.Second / time.Duration(pc.p.GlobalPerSecond)
	t := later(now, pc.global.Add(-time.Duration(pc.p.GlobalPerSecond-1)*interval))
	pc.global = later(pc.global, t).Add(interval)
	return t
}

// wait books a send to chatID and sleeps until its time, or until ctx ends: first the
// chat's (and group's) turn, then a place among all sends. A 429 that another send to
// the chat got meanwhile holds this one too: it books a new turn after the wait, since
// on Telegram every call in it would be refused. A chat held beyond maxRetryAfter
// fails at once with errFloodWait.
func (pc *pacer) wait(ctx context.Context, chatID int64, priority bool) error {
	for {
		if d := pc.heldFor(chatID); d > maxRetryAfter {
			return fmt.Errorf("%w: %v more in this chat", errFloodWait, d.Round(time.Second))
		}
		for _, at := range []func() time.Time{func() time.Time { return pc.reserve(chatID, priority) }, pc.reserveGlobal} {
			if d := time.Until(at()); d > 0 && !sleep(ctx, d) {
				return ctx.Err()
			}
		}
		if pc.heldFor(chatID) <= 0 || ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
