package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/web/sessions"
)

// SessionCookie is the name of the console's session cookie.
const SessionCookie = "smpbot_console"

// session is the signed-in moderator a request carries, as read from the session
// store (see package sessions for why sessions live there).
type session struct {
	id   string // the store's id: a hash of the cookie's token. Neither is ever logged.
	who  bot.Identity
	csrf string
}

// touchEvery is how stale a session's Seen may grow before a request records itself:
// the idle expiry is that much coarse, and most requests write nothing.
const touchEvery = time.Minute

func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("web: no randomness: " + err.Error()) // crypto/rand does not fail on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// current returns the request's session, nil when it has none that holds, or an error
// when the session store does not answer: then nobody is let in, and nobody is told
// they are signed out either.
//
// A cookie that is not the shape of a token, or names no stored session (forged,
// tampered with, signed out, swept), is no session. A session past its absolute end
// or idle for longer than the idle limit is ended. So is one whose cookie comes from
// another browser than the one that signed in: the cookie looks stolen, and ending it
// shuts out whoever holds it (the moderator signs in again with a new link).
func (c *Console) current(r *http.Request) (*session, error) {
	ck, err := r.Cookie(SessionCookie)
	if err != nil || !sessions.ValidToken(ck.Value) {
		return nil, nil
	}
	ctx := r.Context()
	id := sessions.ID(ck.Value)
	s, err := c.sessions.Get(ctx, id)
	if errors.Is(err, sessions.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	now := c.now()
	if s.Expired(now, c.idle) {
		if err := c.sessions.End(ctx, id); err != nil {
			c.log.Warn("web console: ending an expired session", "err", err)
		}
		return nil, nil
	}
	if s.Agent != sessions.AgentHash(r.UserAgent()) {
		if err := c.sessions.End(ctx, id); err != nil {
			c.log.Warn("web console: ending a session presented by another browser", "err", err)
		}
		c.log.Warn("web console session presented by another browser than the one that signed in; session ended",
			"platform", s.Who.Platform, "user", s.Who.User, "client", clientAddr(r))
		return nil, nil
	}
	if now.Sub(s.Seen) >= touchEvery {
		err := c.sessions.Touch(ctx, id, now)
		if errors.Is(err, sessions.ErrNotFound) {
			return nil, nil // signed out meanwhile, maybe on another replica
		}
		if err != nil {
			return nil, err
		}
	}
	return &session{id: id, who: s.Who, csrf: s.CSRF}, nil
}

// start begins a session for who and returns the cookie's token.
func (c *Console) start(ctx context.Context, who bot.Identity, agent string) (token string, expires time.Time, err error) {
	token, id, err := sessions.NewToken()
	if err != nil {
		return "", time.Time{}, err
	}
	now := c.now()
	expires = now.Add(c.sessionTTL)
	err = c.sessions.Create(ctx, sessions.Session{ID: id, Who: who, CSRF: randomString(32),
		Agent: sessions.AgentHash(agent), Created: now, Seen: now, Expires: expires})
	return token, expires, err
}

// validCSRF reports whether the request carries the session's CSRF token.
func (ss *session) validCSRF(r *http.Request) bool {
	got := r.PostFormValue("csrf")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(ss.csrf)) == 1
}

// limiter allows a number of attempts per client and window, and as many times that
// overall, so guessing links is slow from one address and from many.
type limiter struct {
	mu     sync.Mutex
	per    int
	window time.Duration
	start  time.Time
	counts map[string]int
	total  int
}

func (l *limiter) allow(client string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.start) >= l.window || l.counts == nil {
		l.start, l.counts, l.total = now, map[string]int{}, 0
	}
	if l.counts[client] >= l.per || l.total >= 10*l.per {
		return false
	}
	l.counts[client]++
	l.total++
	return true
}
