package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"

	"github.com/smpbot/smpbot/bot"
)

// SessionCookie is the name of the console's session cookie.
const SessionCookie = "smpbot_console"

// session is a signed-in moderator.
type session struct {
	id      string
	who     bot.Identity
	csrf    string
	expires time.Time
	flashes []flash // guarded by sessions.mu
}

// sessions are held in memory: restarting the console signs everyone out, which a
// fresh link from the bot undoes.
type sessions struct {
	mu sync.Mutex
	m  map[string]*session
}

func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("web: no randomness: " + err.Error()) // crypto/rand does not fail on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *sessions) start(who bot.Identity, expires time.Time) *session {
	ss := &session{id: randomString(32), who: who, csrf: randomString(32), expires: expires}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]*session{}
	}
	s.m[ss.id] = ss
	return ss
}

func (s *sessions) get(id string, now time.Time) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.m[id]
	if ss == nil {
		return nil
	}
	if !now.Before(ss.expires) {
		delete(s.m, id)
		return nil
	}
	return ss
}

func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

// sweep forgets expired sessions.
func (s *sessions) sweep(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, ss := range s.m {
		if !now.Before(ss.expires) {
			delete(s.m, id)
		}
	}
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
