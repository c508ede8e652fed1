package bot

import (
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

// NewRateLimiter allows perMinute questions a minute per key. perMinute <= 0 means no
// limit.
func NewRateLimiter(perMinute int) *RateLimiter {
	return &RateLimiter{rate: float64(perMinute) / 60, burst: float64(perMinute), buckets: map[string]*bucket{}}
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
	// Forget buckets that have refilled, so the map does not grow with every user ever seen.
	if now.Sub(l.lastGC) > 10*time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.last).Seconds()*l.rate >= l.burst {
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
