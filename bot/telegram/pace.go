package telegram

import (
	"context"
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
// is a second longer than Telegram's minute, for the time a request takes to arrive.
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
	global time.Time
	now    func() time.Time
}

func newPacer(p Pacing) *pacer {
	return &pacer{p: p, chats: map[int64]time.Time{}, groups: map[int64][]time.Time{}, now: time.Now}
}

// isGroup reports whether a chat id is a group's: Telegram gives users positive ids
// and groups, supergroups and channels negative ones.
func isGroup(chatID int64) bool { return chatID < 0 }

// reserve books the earliest time a message to chatID may be sent. priority may use
// the group's last slot in the window, kept for a flood notice.
func (pc *pacer) reserve(chatID int64, priority bool) time.Time {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	now := pc.now()
	t := now
	// GCRA: a send is allowed once the theoretical arrival time minus the burst
	// tolerance has passed.
	if pc.p.ChatInterval > 0 {
		tol := time.Duration(max(pc.p.ChatBurst-1, 0)) * pc.p.ChatInterval
		t = later(t, pc.chats[chatID].Add(-tol))
	}
	var global time.Duration
	if pc.p.GlobalPerSecond > 0 {
		global = time.Second / time.Duration(pc.p.GlobalPerSecond)
		t = later(t, pc.global.Add(-time.Duration(pc.p.GlobalPerSecond-1)*global))
	}
	var sent []time.Time
	if isGroup(chatID) && pc.p.GroupLimit > 0 {
		sent = pc.groups[chatID]
		// Times that left the window before now no longer count.
		for len(sent) > 0 && !sent[0].After(now.Add(-pc.p.GroupWindow)) {
			sent = sent[1:]
		}
		limit := pc.p.GroupLimit
		if !priority && limit > 1 {
			limit--
		}
		if len(sent) >= limit {
			t = later(t, sent[len(sent)-limit].Add(pc.p.GroupWindow))
		}
	}
	if pc.p.ChatInterval > 0 {
		pc.chats[chatID] = later(pc.chats[chatID], t).Add(pc.p.ChatInterval)
	}
	if global > 0 {
		pc.global = later(pc.global, t).Add(global)
	}
	if isGroup(chatID) && pc.p.GroupLimit > 0 {
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

// hold pushes chatID's next send to at least until, after Telegram answered a 429.
func (pc *pacer) hold(chatID int64, until time.Time) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	pc.chats[chatID] = later(pc.chats[chatID], until.Add(time.Duration(max(pc.p.ChatBurst-1, 0))*pc.p.ChatInterval))
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
}

// wait books a send to chatID and sleeps until its time, or until ctx ends.
func (pc *pacer) wait(ctx context.Context, chatID int64, priority bool) error {
	d := time.Until(pc.reserve(chatID, priority))
	if d <= 0 {
		return ctx.Err()
	}
	if !sleep(ctx, d) {
		return ctx.Err()
	}
	return nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
