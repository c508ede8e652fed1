// Package sessions keeps the web console's sessions: who signed in, their CSRF token,
// when they were last seen, when they end, and the one-time messages (flashes) waiting
// for their next page; and the sign-in links not used yet, so that a link made by one
// process is taken by any console over the same database.
//
// Sessions are kept in the database the bot already uses, not in a process's memory
// nor in signed cookies. With sessions in memory a restart signed every moderator out
// and replicas behind a load balancer did not know each other's sessions. Signed
// (stateless) cookies would survive both, but signing out must still revoke the cookie
// on every replica, which needs a list shared by all of them, that is a database; and
// they would add a key that every replica must hold and that must never leak. A row per
// session in the question log's database (SQLite in the data directory, or the
// PostgreSQL database that replicas share) gives both with nothing new to configure:
// every request reads its session there, so a sign-out or an expiry on one replica
// holds on every other at once, and a restart loses nothing. The cookie holds only a
// random token; the database holds its SHA-256 (Session.ID), so a copy of the
// database signs no one in, and neither the token nor the id is ever logged. Sign-in
// links are kept the same way, by the hash of their token.
//
// Store is what the console needs; Memory keeps sessions in a process, for tests and
// for a console without a question log; bot/sqlitelog and bot/pglog keep them in their
// databases (their Sessions methods). sessiontest is the contract all of them pass.
package sessions

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/smpbot/smpbot/bot"
)

// ErrNotFound: no session (or sign-in link) has that id: it never existed, was ended
// (or used), or expired.
var ErrNotFound = errors.New("no such console session")

// Session is one moderator's session as a store keeps it.
type Session struct {
	ID      string       // SHA-256 of the cookie's token, in hex: never the token
	Who     bot.Identity // the moderator, as the sign-in link named them
	CSRF    string       // the token every form of the session carries
	Agent   string       // a hash of the browser's User-Agent at sign-in
	Created time.Time
	Seen    time.Time // the last request, to the minute or so (see Store.Touch)
	Expires time.Time // the absolute end, however active the session is
}

// Flash is a one-time message shown on a session's next page, after a form post
// redirects.
type Flash struct {
	Error bool
	Text  string
	Link  string // optional: where to go next
}

// Store keeps sessions. Its methods are safe for concurrent use, and stores over a
// database are safe for use by several processes at once: what one ends, no other
// finds.
type Store interface {
	// Create stores a new session. Its ID must be new.
	Create(ctx context.Context, s Session) error
	// Get returns the session with id, or ErrNotFound. It does not judge expiry: the
	// caller does, with the session's times.
	Get(ctx context.Context, id string) (Session, error)
	// Touch records a request of the session at time at, when at is later than the
	// Seen it has; ErrNotFound when the session is gone.
	Touch(ctx context.Context, id string, at time.Time) error
	// End removes the session and its flashes. Ending a session that is gone is not
	// an error.
	End(ctx context.Context, id string) error
	// AddFlash keeps f for the session's next page; ErrNotFound when the session is
	// gone.
	AddFlash(ctx context.Context, id string, f Flash) error
	// TakeFlashes returns the session's flashes, oldest first, and removes them: of
	// requests racing for them, each flash goes to one.
	TakeFlashes(ctx context.Context, id string) ([]Flash, error)
	// Sweep removes the sessions that expired by now: past their Expires, or not seen
	// for idle (when idle > 0), and the sign-in links past their end. It returns how
	// many sessions and links it removed.
	Sweep(ctx context.Context, now time.Time, idle time.Duration) (int, error)

	// AddLink keeps a single-use sign-in link: until expires, the link whose token
	// hashes to id (see ID) signs who in. The id must be new.
	AddLink(ctx context.Context, id string, who bot.Identity, expires time.Time) error
	// UseLink removes the link with id and returns whom it signs in, unless it had
	// expired by now; ErrNotFound when there is no such link or it expired. Of
	// requests racing for one link, one gets it.
	UseLink(ctx context.Context, id string, now time.Time) (bot.Identity, error)
}

// MintLink makes a sign-in link for who in s, valid for ttl from now, and returns
// its token (see package signin for the link's address). The store keeps only the
// token's hash, so a link made by one process (a chat command, the command line) can
// be used on any replica over the same database.
func MintLink(ctx context.Context, s Store, who bot.Identity, ttl time.Duration, now time.Time) (string, error) {
	if who.User == "" {
		return "", errors.New("sign-in link: no user")
	}
	token, id, err := NewToken()
	if err != nil {
		return "", fmt.Errorf("sign-in link: %w", err)
	}
	if err := s.AddLink(ctx, id, who, now.Add(ttl)); err != nil {
		return "", fmt.Errorf("sign-in link: %w", err)
	}
	return token, nil
}

// tokenBytes is the size of a cookie's token: 256 random bits.
const tokenBytes = 32

// NewToken returns a new random token for a session cookie, and the id it is stored
// under.
func NewToken() (token, id string, err error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, ID(token), nil
}

// ValidToken reports whether s has the shape of a token NewToken makes, so that a
// cookie that cannot be one is refused without asking the store.
func ValidToken(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == tokenBytes && base64.RawURLEncoding.EncodeToString(b) == s
}

// ID is the id a session with the cookie token is stored under.
func ID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// AgentHash is what Session.Agent holds for a User-Agent header.
func AgentHash(userAgent string) string {
	sum := sha256.Sum256([]byte("smpbot console agent\x00" + userAgent))
	return hex.EncodeToString(sum[:16])
}

// Expired reports whether s has ended at now: past its absolute end, or not seen for
// idle (when idle > 0).
func (s Session) Expired(now time.Time, idle time.Duration) bool {
	return !now.Before(s.Expires) || (idle > 0 && !now.Before(s.Seen.Add(idle)))
}

// Memory is a Store in a process's memory: a restart loses its sessions and other
// processes do not see them. The zero value is ready to use.
type Memory struct {
	mu      sync.Mutex
	byID    map[string]Session
	flashes map[string][]Flash
	links   map[string]link
}

type link struct {
	who     bot.Identity
	expires time.Time
}

var _ Store = (*Memory)(nil)

// Create implements Store.
func (m *Memory) Create(_ context.Context, s Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byID == nil {
		m.byID, m.flashes = map[string]Session{}, map[string][]Flash{}
	}
	if _, ok := m.byID[s.ID]; ok {
		return errors.New("console session: id already in use")
	}
	s.Who.Roles = slices.Clone(s.Who.Roles)
	m.byID[s.ID] = s
	return nil
}

// Get implements Store.
func (m *Memory) Get(_ context.Context, id string) (Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.byID[id]
	if !ok {
		return Session{}, ErrNotFound
	}
	s.Who.Roles = slices.Clone(s.Who.Roles)
	return s, nil
}

// Touch implements Store.
func (m *Memory) Touch(_ context.Context, id string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.byID[id]
	if !ok {
		return ErrNotFound
	}
	if at.After(s.Seen) {
		s.Seen = at
		m.byID[id] = s
	}
	return nil
}

// End implements Store.
func (m *Memory) End(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.byID, id)
	delete(m.flashes, id)
	return nil
}

// AddFlash implements Store.
func (m *Memory) AddFlash(_ context.Context, id string, f Flash) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byID[id]; !ok {
		return ErrNotFound
	}
	m.flashes[id] = append(m.flashes[id], f)
	return nil
}

// TakeFlashes implements Store.
func (m *Memory) TakeFlashes(_ context.Context, id string) ([]Flash, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fs := m.flashes[id]
	delete(m.flashes, id)
	return fs, nil
}

// Sweep implements Store.
func (m *Memory) Sweep(_ context.Context, now time.Time, idle time.Duration) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for id, s := range m.byID {
		if s.Expired(now, idle) {
			delete(m.byID, id)
			delete(m.flashes, id)
			n++
		}
	}
	for id, l := range m.links {
		if !now.Before(l.expires) {
			delete(m.links, id)
			n++
		}
	}
	return n, nil
}

// AddLink implements Store.
func (m *Memory) AddLink(_ context.Context, id string, who bot.Identity, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.links == nil {
		m.links = map[string]link{}
	}
	if _, ok := m.links[id]; ok {
		return errors.New("sign-in link: id already in use")
	}
	who.Roles = slices.Clone(who.Roles)
	m.links[id] = link{who, expires}
	return nil
}

// UseLink implements Store.
func (m *Memory) UseLink(_ context.Context, id string, now time.Time) (bot.Identity, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.links[id]
	delete(m.links, id)
	if !ok || !now.Before(l.expires) {
		return bot.Identity{}, ErrNotFound
	}
	return l.who, nil
}
