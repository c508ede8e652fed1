package discord

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Bounds on waiting out Discord's 429s. discordgo waits out every 429 by itself: it
// records the bucket's (or the global) reset, sleeps retry_after and tries again, with
// no limit on the wait or the tries, and without regard to the request's context.
// rateLimitGuard sets the limits.
const (
	// maxRetryAfter is the longest retry_after waited out. Discord's buckets reset in
	// seconds and the global limit every second; a longer wait (the hour Cloudflare bans
	// a bot for after too many invalid requests) is not sat through with an answer held.
	maxRetryAfter = time.Minute
	// max429s is how many 429s in a row a route may get before its request fails.
	max429s = 5
)

// errRateLimited is the error of a request given up because Discord asked to wait
// longer than maxRetryAfter, or kept answering 429.
var errRateLimited = errors.New("rate limited by Discord for longer than the bot waits")

// rateLimitGuard is the transport under discordgo that bounds its handling of 429s: a
// 429 asking for more than maxRetryAfter, or the max429s-th in a row on one route
// (method and path), comes back as errRateLimited, which discordgo returns at once
// instead of sleeping and retrying. Discord refuses the route (or, for a global 429,
// every request but interaction responses) until the wait is over, and discordgo,
// which did not see the 429, does not know: so the guard holds the next requests there
// until then, within the request's context, or fails them at once as errRateLimited
// when the wait is one too long to sit through.
type rateLimitGuard struct {
	next http.RoundTripper
	now  func() time.Time

	mu     sync.Mutex
	inARow map[string]int       // 429s in a row, by route
	until  map[string]time.Time // when the wait of a 429 given up ends, by route, "" global
}

func newRateLimitGuard(next http.RoundTripper) *rateLimitGuard {
	return &rateLimitGuard{next: next, now: time.Now, inARow: map[string]int{}, until: map[string]time.Time{}}
}

// exemptFromGlobal reports whether a path is an interaction response's, which
// Discord's global rate limit does not bind.
func exemptFromGlobal(path string) bool {
	return strings.Contains(path, "/interactions/") || strings.Contains(path, "/webhooks/")
}

func (g *rateLimitGuard) RoundTrip(r *http.Request) (*http.Response, error) {
	route := r.Method + " " + r.URL.Path
	if left := g.waiting(route, r.URL.Path); left > 0 {
		err := fmt.Errorf("%w: %v more", errRateLimited, left.Round(time.Millisecond))
		if left <= maxRetryAfter {
			t := time.NewTimer(left)
			select {
			case <-t.C:
				err = nil
			case <-r.Context().Done():
				t.Stop()
				err = r.Context().Err()
			}
		}
		if err != nil {
			if r.Body != nil {
				r.Body.Close()
			}
			return nil, err
		}
	}
	resp, err := g.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusTooManyRequests {
		g.mu.Lock()
		delete(g.inARow, route)
		g.mu.Unlock()
		return resp, nil
	}
	// discordgo reads the wait from the body too: read it here and hand it back.
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var rl struct {
		RetryAfter float64 `json:"retry_after"`
		Global     bool    `json:"global"`
	}
	_ = json.Unmarshal(body, &rl)
	wait := time.Duration(rl.RetryAfter * float64(time.Second))
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inARow[route]++
	n := g.inARow[route]
	if wait <= maxRetryAfter && n < max429s {
		return resp, nil // discordgo waits it out
	}
	delete(g.inARow, route)
	scope := route
	if rl.Global || resp.Header.Get("X-RateLimit-Global") != "" {
		scope = ""
	}
	if until := g.now().Add(wait); until.After(g.until[scope]) {
		g.until[scope] = until
	}
	resp.Body.Close()
	if wait > maxRetryAfter {
		return nil, fmt.Errorf("%w: retry_after %v, more than %v", errRateLimited, wait, maxRetryAfter)
	}
	return nil, fmt.Errorf("%w: %d 429s in a row", errRateLimited, n)
}

// waiting is how much longer a wait not sat through holds the route, or all requests
// but interaction responses; 0 when none does.
func (g *rateLimitGuard) waiting(route, path string) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	var left time.Duration
	for scope, until := range g.until {
		if !until.After(now) {
			delete(g.until, scope) // over: forgotten, so the map stays small
			continue
		}
		if scope == route || scope == "" && !exemptFromGlobal(path) {
			left = max(left, until.Sub(now))
		}
	}
	return left
}
