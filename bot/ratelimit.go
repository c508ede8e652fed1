package bot

import (
	"context"
	"errors"
	"sync"
	"time"
)

// RateLimiter allows each key (a user on a platform) a number of questions per minute,
// refilled continuously (a token bucket), so a burst is allowed but a flood is not.
type RateLimiter struct {
	mu      sync.Mutex
	rate    float64 // tokens per second
	burst   float64
	buckets map[string]*bucket
	lastGC  time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// gcEvery is how often Allow looks for buckets to forget.
const gcEvery = 10 * time.Minute

// NewRateLimiter allows perMinute questions a minute per key. perMinute <= 0 means no
// limit.
func NewRateLimiter(perMinute int) *RateLimiter {
	return &RateLimiter{rate: float64(perMinute) / 60, burst: float64(perMinute), buckets: map[string]*bucket{}}
}

// NewRateLimiterEvery allows each key one event per interval, with no burst: a notice
// said once per window. interval <= 0 means no limit.
func NewRateLimiterEvery(interval time.Duration) *RateLimiter {
	if interval <= 0 {
		return NewRateLimiter(0)
	}
	return &RateLimiter{rate: 1 / interval.Seconds(), burst: 1, buckets: map[string]*bucket{}}
}

// RateLimitedText is the polite reply to a person who asks too fast.
const RateLimitedText = "You're asking faster than I can keep up with. Please wait a minute and ask again."

// Allow reports whether key may ask now, and takes one question from its allowance.
func (l *RateLimiter) Allow(key string, now time.Time) bool {
	if l == nil || l.rate <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	// Forget buckets that have refilled, so the map does not grow with every user ever
	// seen; a bucket still refilling must stay, or its owner would get a full one back.
	if now.Sub(l.lastGC) > gcEvery {
		for k, b := range l.buckets {
			if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
				delete(l.buckets, k)
			}
		}
		l.lastGC = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = min(l.burst, b.tokens+el*l.rate)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// tracked is the number of keys the limiter remembers, for tests of forgetting.
func (l *RateLimiter) tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// ErrRateLimited is returned by a Limit handler for a question over the asker's limit
// that gets no reply at all: the asker was already told to slow down in this window.
// Adapters send nothing for it.
var ErrRateLimited = errors.New("over the rate limit")

// KindRateLimited is the kind of the reply a Limit handler makes, once a minute, to a
// person over the limit: its Message is RateLimitedText.
const KindRateLimited Kind = "rate_limited"

// Limit is Handler middleware with the per-user policy every platform shares. Each
// person (Question.Platform and User) may ask perMinute questions a minute, a burst
// included; over that:
//   - a message describing a complication is still answered, with its urgent notice
//     first, but once per urgent window (default 10 minutes), so that the notice
//     reaches someone in need without letting urgent words skip the limit;
//   - otherwise the person is told once a minute to slow down (a reply of
//     KindRateLimited), and every other question gets ErrRateLimited.
//
// Previews (inline results while typing) are not limited: they answer nothing. A
// Limit hides the optional interfaces of the handler it wraps (Topics, Completer,
// FeedbackRecorder): adapters look for those on the handler they were given.
type Limit struct {
	next    Handler
	asks    *RateLimiter
	notices *RateLimiter // "slow down", once a minute
	urgent  *RateLimiter // the urgent notice over the limit, once a window
	now     func() time.Time
	over    func(q Question, outcome string)
}

var _ Handler = (*Limit)(nil)

// LimitOption configures a Limit.
type LimitOption func(*Limit)

// WithLimitClock sets the clock (for tests).
func WithLimitClock(now func() time.Time) LimitOption { return func(l *Limit) { l.now = now } }

// WithUrgentWindow sets how often a person over the limit gets the urgent notice again.
func WithUrgentWindow(d time.Duration) LimitOption {
	return func(l *Limit) { l.urgent = NewRateLimiterEvery(d) }
}

// WithOverLimit calls f for each question over the limit, with what happened to it:
// "urgent" (answered anyway), "told" (the slow-down reply) or "dropped". For logs and
// metrics; f must be quick.
func WithOverLimit(f func(q Question, outcome string)) LimitOption {
	return func(l *Limit) { l.over = f }
}

// DefaultUrgentWindow is how often a person over the limit gets the urgent notice.
const DefaultUrgentWindow = 10 * time.Minute

// NewLimit wraps next with the rate-limit policy; perMinute <= 0 means no limit.
func NewLimit(next Handler, perMinute int, opts ...LimitOption) *Limit {
	l := &Limit{
		next:    next,
		asks:    NewRateLimiter(perMinute),
		notices: NewRateLimiter(1),
		urgent:  NewRateLimiterEvery(DefaultUrgentWindow),
		now:     time.Now,
	}
	for _, o := range opts {
		o(l)
	}
	return l
}

// With returns the policy in front of another handler, sharing every allowance with l:
// an adapter given its handler only in Run keeps one Limit for its lifetime.
func (l *Limit) With(next Handler) *Limit {
	c := *l
	c.next = next
	return &c
}

// Answer implements Handler.
func (l *Limit) Answer(ctx context.Context, q Question) (Reply, error) {
	if q.Preview {
		return l.next.Answer(ctx, q)
	}
	key := q.Platform + ":" + q.User
	now := l.now()
	if l.asks.Allow(key, now) {
		return l.next.Answer(ctx, q)
	}
	outcome := "dropped"
	defer func() {
		if l.over != nil {
			l.over(q, outcome)
		}
	}()
	if q.EntryID == "" && IsUrgent(q.Text) && l.urgent.Allow(key, now) {
		outcome = "urgent"
		return l.next.Answer(ctx, q)
	}
	if l.notices.Allow(key, now) {
		outcome = "told"
		return Reply{Kind: KindRateLimited, Message: RateLimitedText, Text: RateLimitedText}, nil
	}
	return Reply{}, ErrRateLimited
}
