package web

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/sqlitelog"
	"github.com/smpbot/smpbot/index"
	"github.com/smpbot/smpbot/knowledge"
)

// world is the console over a real data directory: the store, the index it keeps up to
// date, the FAQ handler, the SQLite question log and a Recorder writing to it, served
// by a real HTTP server.
type world struct {
	dir     string
	store   *knowledge.Store
	idx     *index.Index
	faq     *bot.FAQ
	ql      *sqlitelog.Log
	rec     *bot.Recorder
	console *Console
	srv     *httptest.Server
	state   string
}

func newWorld(t testing.TB, opts ...Option) *world {
	t.Helper()
	w := &world{dir: t.TempDir()}
	var err error
	w.store, err = knowledge.OpenStore(w.dir, knowledge.OnChange(func(es []knowledge.Entry) {
		if w.idx != nil {
			if err := w.idx.Rebuild(es); err != nil {
				t.Errorf("reindex: %v", err)
			}
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	if w.idx, err = index.New(w.store.Entries()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.idx.Close() })
	w.faq = bot.NewFAQ(w.idx)
	if w.ql, err = sqlitelog.Open(context.Background(), filepath.Join(w.dir, sqlitelog.FileName)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.ql.Close() })
	w.rec = bot.NewRecorder(w.faq, w.ql)
	t.Cleanup(func() { w.rec.Close(context.Background()) })
	mod := bot.NewModeration(w.store, bot.Moderators{DiscordUsers: []string{"42"}}, nil)
	w.state = filepath.Join(w.dir, StateDir)
	w.console = New(mod, w.faq, w.idx, w.state, append([]Option{WithReports(w.ql, w.ql)}, opts...)...)
	w.srv = httptest.NewServer(w.console)
	t.Cleanup(w.srv.Close)
	return w
}

// ask puts a question to the bot as a Telegram user would, recorded in the question
// log.
func (w *world) ask(t *testing.T, user, text string) bot.Reply {
	t.Helper()
	r, err := w.rec.Answer(context.Background(), bot.Question{Text: text, Platform: "telegram", User: user, Chat: user})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r
}

// link makes a sign-in link for a moderator.
func (w *world) link(t *testing.T, who bot.Identity) string {
	t.Helper()
	token, err := LinksIn(w.state).Mint(who, DefaultLinkTTL)
	if err != nil {
		t.Fatal(err)
	}
	return SignInURL(w.srv.URL, token)
}

var moderator = bot.Identity{Platform: "discord", User: "42", Name: "Ana"}

// client is a browser without a browser: a cookie jar, no redirects followed.
type client struct {
	t    *testing.T
	http *http.Client
	base string
	csrf string
}

func (w *world) client(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: w.srv.URL, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// signedIn returns a client with a session for who.
func (w *world) signedIn(t *testing.T, who bot.Identity) *client {
	t.Helper()
	c := w.client(t)
	u, _ := url.Parse(w.link(t, who))
	res, body := c.post("/signin", url.Values{"t": {u.Query().Get("t")}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: status %d, want 303: %s", res.StatusCode, body)
	}
	c.get("/entries") // picks up the CSRF token
	if c.csrf == "" {
		t.Fatal("no CSRF token on the entries page")
	}
	return c
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *client) do(req *http.Request) (*http.Response, string) {
	c.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if m := csrfField.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return res, string(b)
}

func (c *client) get(path string) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest("GET", c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

// post sends a form; the session's CSRF token is added unless form has one.
func (c *client) post(path string, form url.Values, headers ...string) (*http.Response, string) {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok && c.csrf != "" {
		form.Set("csrf", c.csrf)
	}
	req, err := http.NewRequest("POST", c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}
