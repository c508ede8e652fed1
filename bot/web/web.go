// Package web is the moderators' web console: server-rendered pages over the same FAQ
// store, index and question log the bot answers from. Moderators sign in through a
// single-use link the bot gives them, then edit entries (through bot.Moderation, so
// every change is validated, audited under their identity, refused when based on a
// stale version, and reindexed like any other), try questions against the live index,
// work the inbox of unanswered questions and Not-helpful presses, and read charts of
// how the bot is doing.
//
// Pages work without JavaScript; charts are inline SVG with their numbers in a table
// beneath. Every page needs a session; every form that changes something carries the
// session's CSRF token; responses carry a strict Content-Security-Policy.
package web

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"sync"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/web/sessions"
	"github.com/smpbot/smpbot/bot/web/signin"
	"github.com/smpbot/smpbot/index"
)

// Errors of the console.
var (
	// ErrBadLink: a sign-in link is unknown, already used or expired.
	ErrBadLink = signin.ErrBadLink
)

// StateDir is the console's folder in a data directory: sign-in links and dismissed
// inbox items.
const StateDir = "console"

// Searcher ranks entries for a text; *index.Index implements it. The console uses it to
// show the candidates behind a reply and to offer entries for an inbox question.
type Searcher interface {
	Search(ctx context.Context, text string, n int) ([]index.Match, error)
}

var _ Searcher = (*index.Index)(nil)

// Console is the web console, an http.Handler.
type Console struct {
	mod      *bot.Moderation
	answer   bot.Handler
	search   Searcher
	reports  bot.Reports  // nil without a question log
	activity bot.Activity // nil without a question log
	links    *Links
	hidden   *dismissals

	log        *slog.Logger
	now        func() time.Time
	sessionTTL time.Duration
	idle       time.Duration
	secure     bool
	sessions   sessions.Store
	signins    limiter

	pages map[string]*template.Template
	mux   *http.ServeMux
	once  sync.Once
}

// Option configures a Console.
type Option func(*Console)

// WithLogger sets the logger; the default discards.
func WithLogger(l *slog.Logger) Option { return func(c *Console) { c.log = l } }

// WithReports shows the question log: the inbox, suggestions, charts and health.
// Without it those pages say the question log is off.
func WithReports(r bot.Reports, a bot.Activity) Option {
	return func(c *Console) { c.reports, c.activity = r, a }
}

// WithSecureCookies marks the session cookie Secure, for a console behind HTTPS (a
// request over TLS gets a Secure cookie anyway).
func WithSecureCookies(on bool) Option { return func(c *Console) { c.secure = on } }

// WithSessionTTL sets how long a session lasts at most, however active (default 8
// hours).
func WithSessionTTL(d time.Duration) Option { return func(c *Console) { c.sessionTTL = d } }

// WithIdleTimeout sets how long a session lasts without a request (default 1 hour;
// 0: no idle limit). It holds to about a minute (see touchEvery).
func WithIdleTimeout(d time.Duration) Option { return func(c *Console) { c.idle = d } }

// WithSessions keeps sessions in s, such as the question log's database, so that they
// outlast a restart and every replica over the same database shares them. The default
// keeps them in the process's memory.
func WithSessions(s sessions.Store) Option { return func(c *Console) { c.sessions = s } }

// WithClock sets the clock (default time.Now), for links, sessions and dismissals.
func WithClock(now func() time.Time) Option { return func(c *Console) { c.now = now } }

// New returns a console that changes the FAQ through mod, answers test questions with h
// (a handler that does not record them) and ranks candidates with s. state is the
// console's folder in the data directory (filepath.Join(data, StateDir)), where
// sign-in links made by Links over the same folder are redeemed.
func New(mod *bot.Moderation, h bot.Handler, s Searcher, state string, opts ...Option) *Console {
	c := &Console{
		mod: mod, answer: h, search: s,
		links:      NewLinks(filepath.Join(state, "links")),
		hidden:     &dismissals{path: filepath.Join(state, "dismissed.json")},
		log:        slog.New(slog.DiscardHandler),
		now:        time.Now,
		sessionTTL: 8 * time.Hour,
		idle:       time.Hour,
		sessions:   &sessions.Memory{},
		signins:    limiter{per: 10, window: time.Minute},
	}
	for _, o := range opts {
		o(c)
	}
	c.links.SetClock(c.now)
	c.pages = parsePages()
	c.mux = http.NewServeMux()
	c.routes()
	return c
}

// Links keeps single-use sign-in links in a directory (see package signin).
type Links = signin.Links

// DefaultLinkTTL is how long a sign-in link stays valid.
const DefaultLinkTTL = signin.DefaultLinkTTL

// NewLinks returns the links kept in dir (created when the first link is made).
func NewLinks(dir string) *Links { return signin.NewLinks(dir) }

// SignInURL is the address of the console's sign-in page for token under base (the
// console's public address, such as https://faq.example.org).
func SignInURL(base, token string) string { return signin.URL(base, token) }

// LinksIn returns the sign-in links of the console whose state folder is state.
func LinksIn(state string) *Links { return NewLinks(filepath.Join(state, "links")) }

//go:embed templates static
var assets embed.FS

func (c *Console) routes() {
	m := c.mux
	m.Handle("GET /static/", http.FileServerFS(assets))
	m.HandleFunc("GET /signin", c.signinPage)
	m.HandleFunc("POST /signin", c.signin)
	m.HandleFunc("POST /signout", c.action(c.signout))
	m.HandleFunc("GET /{$}", c.page(func(w http.ResponseWriter, r *http.Request, _ *session) {
		http.Redirect(w, r, "/inbox", http.StatusSeeOther)
	}))
	m.HandleFunc("GET /entries", c.page(c.entryList))
	m.HandleFunc("GET /entries/new", c.page(c.newEntry))
	m.HandleFunc("POST /entries/new", c.action(c.addEntry))
	m.HandleFunc("GET /entries/{id}", c.page(c.entryPage))
	m.HandleFunc("POST /entries/{id}", c.action(c.saveEntry))
	m.HandleFunc("POST /entries/{id}/remove", c.action(c.removeEntry))
	m.HandleFunc("GET /entries/{id}/history", c.page(c.historyPage))
	m.HandleFunc("POST /entries/{id}/undo", c.action(c.undoEntry))
	m.HandleFunc("GET /try", c.page(c.tryPage))
	m.HandleFunc("GET /inbox", c.page(c.inboxPage))
	m.HandleFunc("POST /inbox/alternate", c.action(c.addAlternate))
	m.HandleFunc("POST /inbox/dismiss", c.action(c.dismiss))
	m.HandleFunc("POST /suggestions/{id}/accept", c.action(c.resolveSuggestion(true)))
	m.HandleFunc("POST /suggestions/{id}/reject", c.action(c.resolveSuggestion(false)))
	m.HandleFunc("GET /charts", c.page(c.chartsPage))
	m.HandleFunc("GET /health", c.page(c.healthPage))
}

// csp allows the console's own stylesheet and nothing else: no script at all, no
// inline styles, no framing, forms posting only back to the console.
const csp = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// ServeHTTP implements http.Handler.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer") // a sign-in link must not leak onwards
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if c.secure || r.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	c.mux.ServeHTTP(w, r)
}

// page wraps a handler of a page: without a session it sends the browser to sign in.
func (c *Console) page(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ss, err := c.current(r)
		if err != nil {
			c.storeDown(w, r, "check your session", err)
			return
		}
		if ss == nil {
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r, ss)
	}
}

// action wraps a handler of a form post: it needs a session, the session's CSRF token
// and, when the browser says where the request comes from, the console itself.
func (c *Console) action(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
		ss, err := c.current(r)
		if err != nil {
			c.storeDown(w, r, "check your session", err)
			return
		}
		if ss == nil {
			c.refuse(w, r, http.StatusForbidden, "Your session has ended. Ask the bot for a new sign-in link.")
			return
		}
		if crossSite(r) {
			c.refuse(w, r, http.StatusForbidden, "That form did not come from the console.")
			return
		}
		if !ss.validCSRF(r) {
			c.refuse(w, r, http.StatusForbidden, "That form has expired. Go back, reload the page and try again.")
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r, ss)
	}
}

func (c *Console) refuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	w.WriteHeader(status)
	c.render(w, r, nil, "message", "Not done", msg)
}

// storeDown answers a request whose session the store could not read or write: no
// page shown as signed in, no sign-in page either, but a page saying what happened.
// The error goes to the log only (it never holds a session's token or id).
func (c *Console) storeDown(w http.ResponseWriter, r *http.Request, what string, err error) {
	c.log.Error("web console: session store: could not "+what, "err", err)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Retry-After", "30")
	w.WriteHeader(http.StatusServiceUnavailable)
	c.render(w, r, nil, "message", "Console unavailable",
		"Could not "+what+": the console's database does not answer just now. Nothing was changed; try again in a minute.")
}

// crossSite reports whether the browser says a form post comes from another site.
// Browsers that send neither header are left to the CSRF token.
func crossSite(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site != "same-origin" && site != "none"
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		u, err := url.Parse(origin)
		return err != nil || u.Host != r.Host
	}
	return false
}

// clientAddr is the remote address without its port, for rate limiting.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (c *Console) signinPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	// Following a link only shows a button: link previews in chat apps fetch it too,
	// and must not use it up.
	token := r.URL.Query().Get("t")
	if !signin.ValidToken(token) {
		token = ""
	}
	c.render(w, r, nil, "signin", "Sign in", token)
}

func (c *Console) signin(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	// Signing someone in as somebody else (login CSRF) needs a post from another site.
	if crossSite(r) {
		c.refuse(w, r, http.StatusForbidden, "That sign-in did not come from the console.")
		return
	}
	if !c.signins.allow(clientAddr(r), c.now()) {
		w.Header().Set("Retry-After", "60")
		c.refuse(w, r, http.StatusTooManyRequests, "Too many sign-in attempts. Wait a minute and try again.")
		return
	}
	// Expired sessions go; and a store that does not answer is found out before the
	// link is used up.
	if _, err := c.sessions.Sweep(r.Context(), c.now(), c.idle); err != nil {
		c.storeDown(w, r, "sign you in", err)
		return
	}
	who, err := c.redeem(r.Context(), r.PostFormValue("t"))
	if err != nil && !errors.Is(err, ErrBadLink) {
		c.storeDown(w, r, "sign you in", err)
		return
	}
	if err != nil {
		c.refuse(w, r, http.StatusForbidden, "This sign-in link is unknown, already used or expired. Ask the bot for a new one.")
		return
	}
	who.Chat = "web console"
	token, expires, err := c.start(r.Context(), who, r.UserAgent())
	if err != nil {
		c.storeDown(w, r, "sign you in", err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: token, Path: "/",
		Expires: expires, MaxAge: int(c.sessionTTL.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: c.secure || r.TLS != nil,
	})
	c.log.Info("moderator signed in to the web console", "platform", who.Platform, "user", who.User)
	http.Redirect(w, r, "/inbox", http.StatusSeeOther)
}

// redeem uses up the sign-in link with token: one kept in the session store (made by
// any process over the same database, see sessions.MintLink), or else one in the data
// directory (made by a process with no question log, see Links). A link that is
// neither fails with ErrBadLink; a store that does not answer, with its error, and
// the link is not used up.
func (c *Console) redeem(ctx context.Context, token string) (bot.Identity, error) {
	if !signin.ValidToken(token) {
		return bot.Identity{}, ErrBadLink
	}
	who, err := c.sessions.UseLink(ctx, sessions.ID(token), c.now())
	if !errors.Is(err, sessions.ErrNotFound) {
		return who, err
	}
	who, err = c.links.Redeem(token)
	if err != nil && !errors.Is(err, ErrBadLink) {
		c.log.Error("redeeming a sign-in link", "err", err)
		return bot.Identity{}, ErrBadLink
	}
	return who, err
}

func (c *Console) signout(w http.ResponseWriter, r *http.Request, ss *session) {
	// Ended in the store, the session is ended on every replica at once.
	if err := c.sessions.End(r.Context(), ss.id); err != nil {
		c.storeDown(w, r, "sign you out", err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: c.secure || r.TLS != nil})
	c.render(w, r, nil, "message", "Signed out", "You are signed out.")
}
