package web

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/pglog"
	"github.com/smpbot/smpbot/bot/sqlitelog"
	"github.com/smpbot/smpbot/bot/web/sessions"
	"github.com/smpbot/smpbot/knowledge/pgtest"
)

// replica is another Console over the world's FAQ store, index and question log, with
// its sessions in st, served by a server of its own: the same process restarted, or
// another replica behind a load balancer.
func (w *world) replica(t *testing.T, st sessions.Store, opts ...Option) *httptest.Server {
	t.Helper()
	mod := bot.NewModeration(w.store, bot.Moderators{DiscordUsers: []string{"42"}}, nil)
	c := New(mod, w.faq, w.idx, w.state, append([]Option{WithReports(w.ql, w.ql), WithSessions(st)}, opts...)...)
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return srv
}

// at is a client of w's console pointed at srv; the cookie jar sends its cookies to
// every server on 127.0.0.1, as a browser does to every replica behind one address.
func (c *client) at(srv *httptest.Server) *client {
	c.base = srv.URL
	return c
}

// signInAt signs c in at srv with a fresh link and picks up the CSRF token.
func (w *world) signInAt(t *testing.T, c *client, srv *httptest.Server) {
	t.Helper()
	u, _ := url.Parse(w.link(t, moderator))
	res, body := c.at(srv).post("/signin", url.Values{"t": {u.Query().Get("t")}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: status %d, want 303: %s", res.StatusCode, body)
	}
	if res, _ := c.get("/entries"); res.StatusCode != http.StatusOK || c.csrf == "" {
		t.Fatalf("entries after sign-in: status %d, CSRF token %q", res.StatusCode, c.csrf)
	}
}

// sqliteHandles opens the world's question log file twice more: two processes over one
// data directory.
func sqliteHandles(t *testing.T, w *world) (a, b sessions.Store) {
	var logs [2]*sqlitelog.Log
	for i := range logs {
		l, err := sqlitelog.Open(context.Background(), filepath.Join(w.dir, sqlitelog.FileName))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		logs[i] = l
	}
	return logs[0].Sessions(), logs[1].Sessions()
}

// postgresHandles opens two question logs over one PostgreSQL schema: two replicas.
func postgresHandles(t *testing.T, _ *world) (a, b sessions.Store) {
	dbURL := pgtest.Schema(t)
	key := pglog.WithKeyFile(filepath.Join(t.TempDir(), "questions.key"))
	var logs [2]*pglog.Log
	for i := range logs {
		l, err := pglog.Open(context.Background(), dbURL, key)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		logs[i] = l
	}
	return logs[0].Sessions(), logs[1].Sessions()
}

var sessionStores = []struct {
	name string
	open func(t *testing.T, w *world) (a, b sessions.Store)
}{
	{"sqlite", sqliteHandles},
	{"postgres", postgresHandles},
}

// A moderator signed in, with a message waiting for the next page, stays signed in
// when the console restarts (a new Console over a new handle on the same database):
// the page shows the message, and the form token from before the restart still works.
func TestSessionSurvivesRestart(t *testing.T) {
	for _, st := range sessionStores {
		t.Run(st.name, func(t *testing.T) {
			w := newWorld(t)
			before, after := st.open(t, w)
			first := w.replica(t, before)
			c := w.client(t)
			w.signInAt(t, c, first)
			token := c.csrf
			if res, _ := c.post("/entries/cost/remove", url.Values{}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("remove without confirming: status %d, want 303 with a message", res.StatusCode)
			}
			first.Close() // the process stops
			restarted := w.replica(t, after)
			res, page := c.at(restarted).get("/entries/cost")
			if res.StatusCode != http.StatusOK {
				t.Fatalf("after the restart, GET /entries/cost: status %d, want 200 (still signed in)", res.StatusCode)
			}
			if !strings.Contains(page, "Tick the box to confirm the removal.") {
				t.Error("the message left for the next page was lost in the restart")
			}
			if c.csrf != token {
				t.Errorf("the CSRF token changed in the restart: %q, was %q", c.csrf, token)
			}
			e, v, _ := w.store.Get("cost")
			f := formValues(e, v)
			f.Set("question", e.Question+" (after a restart)")
			f.Set("csrf", token)
			if res, body := c.post("/entries/cost", f); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("an edit with the form token from before the restart: status %d\n%s", res.StatusCode, body)
			}
			if got, _, _ := w.store.Get("cost"); got.Question != e.Question+" (after a restart)" {
				t.Errorf("the edit after the restart was not saved: %q", got.Question)
			}
		})
	}
}

// Behind a load balancer a moderator's requests reach either replica: signed in on
// one, they are signed in on the other, a message left by one shows on the other, and
// signing out on one signs them out of both at once.
func TestSessionSharedByReplicas(t *testing.T) {
	for _, st := range sessionStores {
		t.Run(st.name, func(t *testing.T) {
			w := newWorld(t)
			sa, sb := st.open(t, w)
			a, b := w.replica(t, sa), w.replica(t, sb)
			c := w.client(t)
			w.signInAt(t, c, a)
			if res, _ := c.at(a).post("/entries/cost/remove", url.Values{}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("remove without confirming on A: status %d", res.StatusCode)
			}
			res, page := c.at(b).get("/entries/cost")
			if res.StatusCode != http.StatusOK || !strings.Contains(page, "Tick the box to confirm the removal.") {
				t.Fatalf("on B after signing in and posting on A: status %d, message shown %v; want 200 with A's message",
					res.StatusCode, strings.Contains(page, "Tick the box"))
			}
			// A second tab keeps the cookie after signing out in the first.
			tab := w.client(t)
			u, _ := url.Parse(b.URL)
			tab.http.Jar.SetCookies(u, c.http.Jar.Cookies(u))
			tab.csrf = c.csrf
			if res, _ := c.at(b).post("/signout", url.Values{}); res.StatusCode != http.StatusOK {
				t.Fatalf("sign out on B: status %d", res.StatusCode)
			}
			if res, _ := tab.at(a).get("/entries"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin" {
				t.Errorf("on A after signing out on B: status %d, want 303 to /signin", res.StatusCode)
			}
			if res, _ := tab.at(a).post("/entries/cost/remove", url.Values{"confirm": {"yes"}}); res.StatusCode != http.StatusForbidden {
				t.Errorf("a form posted to A after signing out on B: status %d, want 403", res.StatusCode)
			}
			if _, _, err := w.store.Get("cost"); err != nil {
				t.Errorf("the entry went after signing out: %v", err)
			}
		})
	}
}

// cookieOf returns the session cookie c holds for srv.
func cookieOf(t *testing.T, c *client, base string) string {
	t.Helper()
	u, _ := url.Parse(base)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == SessionCookie {
			return ck.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

// withCookie returns a new client holding value as its session cookie.
func withCookie(t *testing.T, w *world, value string) *client {
	c := w.client(t)
	u, _ := url.Parse(w.srv.URL)
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: SessionCookie, Value: value, Path: "/"}})
	return c
}

// A cookie altered in any way is no session; one presented by another browser than the
// one that signed in ends its session, for both; and neither the token nor the id it
// is stored under reaches the log.
func TestTamperedOrStolenCookieRefused(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), &slog.HandlerOptions{Level: slog.LevelDebug}))
	store := &sessions.Memory{}
	w := newWorld(t, WithSessions(store), WithLogger(logger))
	c := w.signedIn(t, moderator)
	token := cookieOf(t, c, w.srv.URL)
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	for _, bad := range []string{flip(token, 0), flip(token, len(token)/2), token[:len(token)-1], token + "A", strings.ToUpper(token), "", "forged", sessions.ID(token)} {
		if res, _ := withCookie(t, w, bad).get("/entries"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("cookie %q: status %d, want 303 to sign in", bad, res.StatusCode)
		}
	}
	if res, _ := c.get("/entries"); res.StatusCode != http.StatusOK {
		t.Fatalf("the real cookie after the forged ones: status %d, want 200", res.StatusCode)
	}
	// The real token from another browser: the cookie was stolen, or looks it.
	thief := withCookie(t, w, token)
	req, _ := http.NewRequest("GET", w.srv.URL+"/entries", nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (elsewhere)")
	if res, _ := thief.do(req); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the token from another browser: status %d, want 303 to sign in", res.StatusCode)
	}
	if _, err := store.Get(context.Background(), sessions.ID(token)); !errors.Is(err, sessions.ErrNotFound) {
		t.Errorf("the session survived its cookie coming from another browser: %v", err)
	}
	if res, _ := c.get("/entries"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the moderator's own browser after the theft: status %d, want 303 to sign in again", res.StatusCode)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "another browser") {
		t.Error("the cookie from another browser was not logged")
	}
	for _, secret := range []string{token, sessions.ID(token)} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds the session's token or id:\n%s", logs.String())
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// A session ends after an hour without a request, and after 8 hours however active;
// an ended session is removed from the store.
func TestSessionExpiresIdleAndAbsolute(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := t0
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	set := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = t0.Add(d) }
	store := &sessions.Memory{}
	w := newWorld(t, WithClock(clock), WithSessions(store))
	LinksIn(w.state).SetClock(clock)

	idle := w.signedIn(t, moderator)
	idleToken := cookieOf(t, idle, w.srv.URL)
	for _, step := range []struct {
		at   time.Duration
		want int
	}{
		{50 * time.Minute, http.StatusOK},        // 50 minutes idle: kept, and seen now
		{109 * time.Minute, http.StatusOK},       // 59 minutes since
		{169 * time.Minute, http.StatusSeeOther}, // an hour without a request
	} {
		set(step.at)
		if res, _ := idle.get("/entries"); res.StatusCode != step.want {
			t.Fatalf("at +%v: status %d, want %d", step.at, res.StatusCode, step.want)
		}
	}
	if _, err := store.Get(context.Background(), sessions.ID(idleToken)); !errors.Is(err, sessions.ErrNotFound) {
		t.Errorf("an idle-expired session is still stored: %v", err)
	}

	set(0)
	active := w.signedIn(t, moderator)
	for at := 30 * time.Minute; at < 8*time.Hour; at += 30 * time.Minute {
		set(at)
		if res, _ := active.get("/entries"); res.StatusCode != http.StatusOK {
			t.Fatalf("active session at +%v: status %d, want 200", at, res.StatusCode)
		}
	}
	set(8 * time.Hour)
	if res, _ := active.get("/entries"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("an active session at its 8 hours: status %d, want 303 to sign in", res.StatusCode)
	}
	if res, _ := active.post("/entries/cost/remove", url.Values{"confirm": {"yes"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a form after the session's end: status %d, want 403", res.StatusCode)
	}
}

// failingStore is a Memory whose every call fails while down is set, as a database that
// does not answer.
type failingStore struct {
	sessions.Memory
	down atomic.Bool
}

var errDown = errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")

func (f *failingStore) fail() error {
	if f.down.Load() {
		return errDown
	}
	return nil
}
func (f *failingStore) Create(ctx context.Context, s sessions.Session) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Memory.Create(ctx, s)
}
func (f *failingStore) Get(ctx context.Context, id string) (sessions.Session, error) {
	if err := f.fail(); err != nil {
		return sessions.Session{}, err
	}
	return f.Memory.Get(ctx, id)
}
func (f *failingStore) Touch(ctx context.Context, id string, at time.Time) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Memory.Touch(ctx, id, at)
}
func (f *failingStore) End(ctx context.Context, id string) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Memory.End(ctx, id)
}
func (f *failingStore) Sweep(ctx context.Context, now time.Time, idle time.Duration) (int, error) {
	if err := f.fail(); err != nil {
		return 0, err
	}
	return f.Memory.Sweep(ctx, now, idle)
}

// checkStoreDown checks that every kind of request gets the page that says the database
// does not answer: not a page as signed in, not a sign-in, not a signing out. It
// returns the sign-in link it tried, which must not be used up.
func checkStoreDown(t *testing.T, w *world, c *client, e string) (link string) {
	t.Helper()
	u, _ := url.Parse(w.link(t, moderator))
	link = u.Query().Get("t")
	for _, req := range []struct {
		method, path string
		form         url.Values
	}{
		{"GET", "/entries", nil},
		{"POST", "/entries/" + e + "/remove", url.Values{"confirm": {"yes"}}},
		{"POST", "/signout", url.Values{}},
		{"POST", "/signin", url.Values{"t": {link}}},
	} {
		var res *http.Response
		var page string
		if req.method == "GET" {
			res, page = c.get(req.path)
		} else {
			res, page = c.post(req.path, req.form)
		}
		if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(page, "database does not answer") {
			t.Errorf("%s %s with the session store down: status %d, want 503 saying the database does not answer\n%s", req.method, req.path, res.StatusCode, page)
		}
		if len(res.Cookies()) > 0 {
			t.Errorf("%s %s with the session store down set cookies %v", req.method, req.path, res.Cookies())
		}
	}
	if _, _, err := w.store.Get(e); err != nil {
		t.Errorf("the entry went while the session store was down: %v", err)
	}
	return link
}

// checkLinkKept checks that a link tried while the store was down signs in now.
func checkLinkKept(t *testing.T, w *world, link string) {
	t.Helper()
	if res, _ := w.client(t).post("/signin", url.Values{"t": {link}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the link tried while the store was down, once it is back: status %d, want 303", res.StatusCode)
	}
}

// While the session store does not answer, the console says so: no panic, no page as
// if signed in, no sign-in page pretending the session ended, nothing changed; and
// when it is back the session is there.
func TestSessionStoreDownGivesAClearPage(t *testing.T) {
	store := &failingStore{}
	w := newWorld(t, WithSessions(store))
	c := w.signedIn(t, moderator)
	store.down.Store(true)
	link := checkStoreDown(t, w, c, "cost")
	store.down.Store(false)
	if res, _ := c.get("/entries"); res.StatusCode != http.StatusOK {
		t.Errorf("with the store back: status %d, want 200 (the session kept)", res.StatusCode)
	}
	checkLinkKept(t, w, link)
}

// The same against PostgreSQL taken away under a running console (pgtest.Proxy).
func TestSessionDatabaseAwayGivesAClearPage(t *testing.T) {
	dbURL := pgtest.Schema(t)
	proxy, via := pgtest.NewProxy(t, dbURL)
	l, err := pglog.Open(context.Background(), via, pglog.WithKeyFile(filepath.Join(t.TempDir(), "questions.key")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	w := newWorld(t, WithSessions(l.Sessions()))
	c := w.signedIn(t, moderator)
	proxy.Cut()
	link := checkStoreDown(t, w, c, "cost")
	proxy.Restore(t)
	var code int
	for range 100 { // the pool reconnects on its next use
		if res, _ := c.get("/entries"); res.StatusCode == http.StatusOK {
			code = res.StatusCode
			break
		} else {
			code = res.StatusCode
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code != http.StatusOK {
		t.Errorf("with the database back: status %d, want 200 (the session kept)", code)
	}
	checkLinkKept(t, w, link)
}

// Many requests of one session at once, each leaving a message or reading them: the
// race detector finds nothing, and every message is shown once at most and none twice.
func TestSessionConcurrentRequests(t *testing.T) {
	for _, st := range []struct {
		name string
		open func(t *testing.T, w *world) (a, b sessions.Store)
	}{
		{"memory", func(*testing.T, *world) (a, b sessions.Store) { m := &sessions.Memory{}; return m, m }},
		sessionStores[0],
	} {
		t.Run(st.name, func(t *testing.T) {
			w := newWorld(t)
			sa, sb := st.open(t, w)
			a, b := w.replica(t, sa), w.replica(t, sb)
			c := w.client(t)
			w.signInAt(t, c, a)
			cookies := c.http.Jar
			csrf := c.csrf
			const n = 24
			var shown, posted atomic.Int32
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					srv := a
					if i%2 == 1 {
						srv = b
					}
					mine := &client{t: t, base: srv.URL, csrf: csrf, http: &http.Client{Jar: cookies, Timeout: 60 * time.Second,
						CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
					if i%3 == 0 {
						_, page := mine.get("/entries")
						shown.Add(int32(strings.Count(page, "Tick the box to confirm the removal.")))
						return
					}
					if res, _ := mine.post("/entries/cost/remove", url.Values{}); res.StatusCode != http.StatusSeeOther {
						t.Errorf("remove without confirming: status %d", res.StatusCode)
						return
					}
					posted.Add(1)
				}()
			}
			wg.Wait()
			_, page := c.at(a).get("/entries")
			shown.Add(int32(strings.Count(page, "Tick the box to confirm the removal.")))
			if got, want := shown.Load(), posted.Load(); got != want || want == 0 {
				t.Errorf("%d messages shown for %d posts, want each once", got, want)
			}
		})
	}
}

// A sign-in link kept in the session store, made by one process (a chat command on
// replica A, the command line), signs in on any replica over the same database, once.
func TestStoreLinkWorksOnEveryReplica(t *testing.T) {
	for _, st := range sessionStores {
		t.Run(st.name, func(t *testing.T) {
			w := newWorld(t)
			sa, sb := st.open(t, w)
			a, b := w.replica(t, sa), w.replica(t, sb)
			ctx := context.Background()
			token, err := sessions.MintLink(ctx, sa, moderator, DefaultLinkTTL, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			c := w.client(t)
			if res, body := c.at(b).post("/signin", url.Values{"t": {token}}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("a link made on A, used on B: status %d, want 303\n%s", res.StatusCode, body)
			}
			if res, page := c.at(a).get("/entries"); res.StatusCode != http.StatusOK || !strings.Contains(page, moderator.Name) {
				t.Errorf("on A after signing in on B: status %d, want 200 as %s", res.StatusCode, moderator.Name)
			}
			if res, _ := w.client(t).at(a).post("/signin", url.Values{"t": {token}}); res.StatusCode != http.StatusForbidden {
				t.Errorf("the link used again, on A: status %d, want 403", res.StatusCode)
			}
			expired, err := sessions.MintLink(ctx, sb, moderator, time.Minute, time.Now().Add(-2*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if res, _ := w.client(t).at(a).post("/signin", url.Values{"t": {expired}}); res.StatusCode != http.StatusForbidden {
				t.Errorf("an expired link: status %d, want 403", res.StatusCode)
			}
		})
	}
}
