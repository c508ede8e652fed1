package telegram

import (
	"context"
	"strconv"
	"strings"
	"sync"

	"github.com/smpbot/smpbot/bot"
)

// Acknowledgements of a feedback press. They show briefly at the top of the chat; no
// message is sent, so the conversation stays clean.
const (
	thanksHelpful    = "Thanks! Glad it helped."
	thanksNotHelpful = "Thanks for telling me. The moderators will look at this answer."
	feedbackFailed   = "Sorry, I couldn't record that. Please try again later."
)

// takesFeedback reports whether answers from h get Helpful / Not helpful buttons.
func takesFeedback(h bot.Handler) bool {
	_, ok := h.(bot.FeedbackRecorder)
	return ok
}

// cbFeedback records a Helpful / Not helpful press: payload is "<reply id>:y" or ":n".
// Each person's judgement of an answer is recorded once; pressing the same button
// again only acknowledges, and pressing the other one records the change of mind
// (the log keeps the last).
func (a *Adapter) cbFeedback(ctx context.Context, h bot.Handler, ev event, payload string) error {
	i := strings.LastIndexByte(payload, ':')
	rec, ok := h.(bot.FeedbackRecorder)
	if i <= 0 || !ok {
		return a.ack(ctx, ev, staleButton, false)
	}
	replyID, mark := payload[:i], payload[i+1:]
	if mark != helpfulMark && mark != notHelpfulMark {
		return a.ack(ctx, ev, staleButton, false)
	}
	helpful := mark == helpfulMark
	thanks := thanksNotHelpful
	if helpful {
		thanks = thanksHelpful
	}
	user := strconv.FormatInt(ev.user, 10)
	if !a.votes.changes(replyID, user, helpful) {
		return a.ack(ctx, ev, thanks, false)
	}
	f := bot.Feedback{AnswerID: replyID, Platform: "telegram", User: user, Helpful: helpful, Time: a.now()}
	if err := rec.RecordFeedback(ctx, f); err != nil {
		if ctx.Err() != nil {
			return err
		}
		a.votes.forget(replyID, user)
		a.log.WarnContext(ctx, "could not record feedback", "update_id", ev.update, "err", err)
		return a.ack(ctx, ev, feedbackFailed, false)
	}
	return a.ack(ctx, ev, thanks, false)
}

// maxVotes bounds the feedback remembered for spotting repeated presses; the oldest is
// forgotten first, and a press on a forgotten answer is simply recorded again.
const maxVotes = 1 << 14

// votes remembers the latest judgement of each person on each answer.
type votes struct {
	mu   sync.Mutex
	max  int
	last map[string]bool // reply id + "\x00" + user: helpful
	ring []string        // keys in insertion order, for eviction
	next int
}

func newVotes(n int) *votes {
	return &votes{max: n, last: map[string]bool{}, ring: make([]string, 0, min(n, 1024))}
}

// changes records the judgement, reporting whether it differs from the one remembered.
func (v *votes) changes(replyID, user string, helpful bool) bool {
	key := replyID + "\x00" + user
	v.mu.Lock()
	defer v.mu.Unlock()
	if prev, ok := v.last[key]; ok {
		v.last[key] = helpful
		return prev != helpful
	}
	if len(v.ring) < v.max {
		v.ring = append(v.ring, key)
	} else {
		delete(v.last, v.ring[v.next])
		v.ring[v.next] = key
		v.next = (v.next + 1) % v.max
	}
	v.last[key] = helpful
	return true
}

// forget drops a judgement that could not be stored, so that pressing again retries.
func (v *votes) forget(replyID, user string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.last, replyID+"\x00"+user)
}
