package telegram

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/smpbot/smpbot/bot"
)

// Bounds of the queues updates wait in before they are handled.
const (
	// maxChatQueue is how many updates one chat may have waiting; beyond it a private
	// chat's newest are dropped (a person cannot read faster).
	maxChatQueue = 16
	// maxGroupQueue is how many questions one group may have waiting for a send slot
	// before a flood is cut short, as is one arriving while the next send slot is more
	// than half a window away: at 20 messages a minute a longer queue only answers
	// stale questions.
	maxGroupQueue = 10
	// maxQueued bounds all waiting updates together: polling stops fetching and the
	// webhook answers 503 until the queues drain.
	maxQueued = 4096
	// floodNoticeEvery is how often a group hears that a flood was cut short.
	floodNoticeEvery = 10 * time.Minute
)

// floodText tells a group that not every question will be answered.
const floodText = "Many questions are arriving here at once, and Telegram lets me send only a few messages a minute in a group, so I can't answer them all. Please ask me in a private chat: @%s"

// Reasons an update is dropped, for logs and WithDropCounter.
const (
	dropGroupFlood = "group_flood" // a group's queue was full
	dropCoalesced  = "coalesced"   // the same question was already waiting in the group
	dropBacklog    = "backlog"     // a chat's queue was full
	dropShutdown   = "shutdown"    // the shutdown grace ended first
)

// lane is the queue an update waits in: one chat's messages in order; button presses
// and inline queries each per user, so that a chat's backlog never delays an ack.
type lane struct {
	kind byte // 'm' messages, 'b' buttons, 'i' inline queries
	id   int64
}

func laneOf(ev event) lane {
	switch ev.kind {
	case kindCallback:
		return lane{'b', ev.user}
	case kindInline:
		return lane{'i', ev.user}
	}
	return lane{'m', ev.key()}
}

// dispatcher runs each lane's updates in order, every lane on its own goroutine, so
// that one chat's slow sends or paced waits never delay another chat.
type dispatcher struct {
	a   *Adapter
	h   bot.Handler
	ctx context.Context // the handling context, which outlives shutdown by the grace

	mu      sync.Mutex
	lanes   map[lane][]event
	queued  int
	notices int           // flood notices being sent
	space   chan struct{} // closed and replaced when queued or notices fall
	wg      sync.WaitGroup
}

func (a *Adapter) newDispatcher(ctx context.Context, h bot.Handler) *dispatcher {
	d := &dispatcher{a: a, h: h, ctx: ctx, lanes: map[lane][]event{}, space: make(chan struct{})}
	a.disp.Store(d)
	return d
}

// busy is the number of updates queued or being handled, flood notices included, and
// a channel closed when it may have fallen; for tests, which cannot tell handled
// updates by their confirmation.
func (a *Adapter) busy() (int, <-chan struct{}) {
	d := a.disp.Load()
	if d == nil {
		return 0, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.queued + d.notices, d.space
}

// full reports whether the queues hold maxQueued updates, and a channel closed when
// that may have changed.
func (d *dispatcher) full() (bool, <-chan struct{}) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.queued >= maxQueued, d.space
}

// add queues ev on its lane, starting the lane's goroutine if it has none. It never
// blocks; an update it drops is logged and counted, and reported false.
func (d *dispatcher) add(ev event) bool {
	if ev.kind == kindIgnore {
		// Nothing to send: log it here and keep it out of the queues.
		_ = d.a.handle(d.ctx, d.h, ev)
		return true
	}
	l := laneOf(ev)
	d.mu.Lock()
	q, running := d.lanes[l]
	if reason := d.refuse(l, q, ev); reason != "" {
		d.mu.Unlock()
		d.a.dropped(ev, reason)
		if reason == dropGroupFlood {
			d.floodNotice(ev)
		}
		return false
	}
	d.lanes[l] = append(q, ev)
	d.queued++
	d.mu.Unlock()
	if !running {
		d.wg.Add(1)
		go d.run(l)
	}
	return true
}

// refuse says why ev may not join its lane's queue q, or "". Callers hold d.mu.
func (d *dispatcher) refuse(l lane, q []event, ev event) string {
	if l.kind != 'm' {
		if len(q) >= maxChatQueue {
			return dropBacklog
		}
		return ""
	}
	if !isGroup(l.id) || ev.kind != kindQuestion && !(ev.kind == kindCommand && ev.cmd == "ask") {
		if len(q) >= maxChatQueue {
			return dropBacklog
		}
		return ""
	}
	// A question in a group: the same question already waiting is answered once, and
	// a flood beyond what the group's send rate can answer soon is cut short.
	for _, w := range q {
		if (w.kind == kindQuestion || w.kind == kindCommand) && sameQuestion(w.text, ev.text) {
			return dropCoalesced
		}
	}
	if len(q) >= maxGroupQueue || len(q) > 0 && d.a.pace.backlog(l.id) > d.a.pacing.GroupWindow/2 {
		return dropGroupFlood
	}
	return ""
}

// sameQuestion compares questions ignoring case, spacing and end punctuation.
func sameQuestion(a, b string) bool {
	norm := func(s string) string {
		return strings.TrimRight(strings.Join(strings.Fields(strings.ToLower(s)), " "), "?!. ")
	}
	return norm(a) == norm(b)
}

// floodNotice tells the group, once per floodNoticeEvery, that a flood is being cut
// short. It uses the send slot the pacer keeps for it, in the background: the caller
// is the polling loop or a webhook request.
func (d *dispatcher) floodNotice(ev event) {
	if !d.a.floodNotices.Allow(laneKey(ev.chatID), time.Now()) {
		return
	}
	d.mu.Lock()
	d.notices++
	d.mu.Unlock()
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer func() {
			d.mu.Lock()
			d.notices--
			close(d.space)
			d.space = make(chan struct{})
			d.mu.Unlock()
		}()
		text := strings.ReplaceAll(floodText, "%s", d.a.me.user.UserName)
		if err := d.a.sendText(d.ctx, ev.chatID, text, true); err != nil && d.ctx.Err() == nil {
			d.a.log.WarnContext(d.ctx, "could not tell a group its flood is cut short", "chat", ev.chatID, "err", err)
		}
	}()
}

// run handles a lane's updates in order until its queue is empty. When shutdown's
// grace ends, what is left is dropped and counted.
func (d *dispatcher) run(l lane) {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		q := d.lanes[l]
		if len(q) == 0 {
			delete(d.lanes, l)
			d.mu.Unlock()
			return
		}
		ev := q[0]
		d.lanes[l] = q[1:]
		d.mu.Unlock()
		err := d.a.handle(d.ctx, d.h, ev)
		d.mu.Lock()
		d.queued--
		close(d.space)
		d.space = make(chan struct{})
		d.mu.Unlock()
		if err != nil {
			d.a.dropped(ev, dropShutdown)
		}
	}
}

// wait returns when every queue is empty: all handled, or dropped after the grace.
func (d *dispatcher) wait() { d.wg.Wait() }

func laneKey(id int64) string { return strconv.FormatInt(id, 10) }
