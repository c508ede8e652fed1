// Package telegram is the Telegram adapter: it receives updates from the Bot API, by
// long polling or on a webhook, turns messages, button presses and inline queries into
// bot.Questions for the shared handler, and renders each bot.Reply as HTML messages with
// inline keyboard buttons.
//
// In a private chat every text message is a question. In a group the bot answers when it
// is mentioned, when someone replies to one of its messages, or on /ask. Replies are
// escaped HTML, split at paragraph or line boundaries below Telegram's 4,096-character
// limit, and carry buttons ("a:<entry id>:<reply id>") for suggestions and related
// entries, and, when the handler takes feedback, Helpful / Not helpful buttons ("f:").
// An urgent notice always comes first in the text, never behind a button.
//
// With WithModeration, moderators keep the FAQ up to date from a private chat with the
// bot: /faq_add, /faq_edit, /faq_remove, /faq_undo (guided step by step, or with the
// entry pasted in the file format), /faq_show, /faq_list, /faq_history, and with
// WithReports /faq_unanswered, /faq_stats and /faq_suggestions. Nothing is written
// before the moderator confirms a preview ("m:" buttons); the store validates every
// change and refuses one based on a stale copy.
//
// The adapter is built on github.com/go-telegram-bot-api/telegram-bot-api/v5 but runs
// its own polling loop instead of GetUpdatesChan, which leaks a goroutine on stop and
// hides errors: it stops with the context, confirms only updates it has handled, backs
// off on network and 5xx errors and honours retry_after on 429. The library puts the bot
// token in request URLs, so every error is redacted before it is logged or returned.
package telegram

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/smpbot/smpbot/bot"
)

// Config says how to reach Telegram.
type Config struct {
	// Token is the bot's token from @BotFather. It never appears in logs or errors.
	Token string
	// APIEndpoint is the Bot API URL format, with %s for the token and then the method,
	// like "http://127.0.0.1:8081/bot%s/%s" for a self-hosted Bot API server. Empty means
	// the official https://api.telegram.org.
	APIEndpoint string
	// Webhook, when its ListenAddr is set, receives updates on an HTTP endpoint instead
	// of long polling.
	Webhook Webhook
	// QuestionsPerMinute limits each user's questions; 0 means no limit.
	QuestionsPerMinute int
}

// Webhook configures webhook mode, for running behind a load balancer.
type Webhook struct {
	// ListenAddr is the address the HTTP server listens on, like ":8443".
	ListenAddr string
	// Path is the secret-ish path updates are posted to; DefaultWebhookPath if empty.
	Path string
	// SecretToken is required: Telegram sends it in the X-Telegram-Bot-Api-Secret-Token
	// header and requests without it are refused. 1-256 characters of A-Z, a-z, 0-9, _
	// and -.
	SecretToken string
	// PublicURL is the externally reachable base URL (https://bot.example.com). When set,
	// the adapter registers PublicURL+Path with setWebhook on start; when empty, the
	// webhook is assumed to be registered already (by another instance or by hand).
	PublicURL string
}

// DefaultWebhookPath is where updates are posted when Webhook.Path is empty.
const DefaultWebhookPath = "/telegram/webhook"

// SecretHeader is the header Telegram sends the webhook's secret token in.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// Adapter serves one Telegram bot.
type Adapter struct {
	cfg  Config
	log  *slog.Logger
	http *http.Client
	bot  *tgbotapi.BotAPI // a template: calls go through api(ctx), which binds a context
	me   me

	limiter *bot.RateLimiter
	// notices allows one "you're asking too fast" reply a minute per user, so that a
	// flood of questions is not answered by a flood of notices.
	notices *bot.RateLimiter

	commands  []command
	callbacks []callbackRoute

	// Moderation, when set, serves the moderators' /faq_* commands; reports, when set,
	// the question-log reports. moderators are the Telegram user ids whose private chats
	// get the moderators' command menu (who may moderate is mod's decision).
	mod        *bot.Moderation
	reports    bot.Reports
	moderators []string
	sessionTTL time.Duration
	now        func() time.Time

	// consoleLink makes a web console sign-in link; nil: no /console.
	consoleLink consoleLinker

	sessMu   sync.Mutex
	sessions map[int64]*session // a moderator's change in progress, by user id
	menus    map[int64]bool     // moderators whose chat has the moderator menu

	votes *votes // feedback already recorded, so a double tap records once

	backoffMin, backoffMax time.Duration
	pollTimeout            time.Duration
	grace                  time.Duration
	workers                int
	listener               net.Listener

	// connected is set while updates are arriving: the last getUpdates succeeded, or
	// the webhook is being served.
	connected atomic.Bool
}

var (
	_ bot.Adapter   = (*Adapter)(nil)
	_ bot.Connector = (*Adapter)(nil)
)

// Connected implements bot.Connector: true while updates can arrive.
func (a *Adapter) Connected() bool { return a.connected.Load() }

// me is the bot's own identity, for telling which messages are addressed to it.
type me struct {
	user    tgbotapi.User
	mention *regexp.Regexp // "@username", case-insensitive, as a whole word
}

// Option configures an Adapter.
type Option func(*Adapter)

// WithLogger sets the logger; the default discards.
func WithLogger(l *slog.Logger) Option { return func(a *Adapter) { a.log = l } }

// WithHTTPClient sets the HTTP client for Bot API calls. Calls are cancelled through
// their context, so the client needs no timeout of its own.
func WithHTTPClient(c *http.Client) Option { return func(a *Adapter) { a.http = c } }

// WithBackoff sets the first and the longest wait between retries after network and
// server errors (default 1 s and 30 s).
func WithBackoff(first, longest time.Duration) Option {
	return func(a *Adapter) { a.backoffMin, a.backoffMax = first, longest }
}

// WithPollTimeout sets how long one getUpdates call waits for updates (default 50 s,
// Telegram's maximum). Whole seconds only.
func WithPollTimeout(d time.Duration) Option { return func(a *Adapter) { a.pollTimeout = d } }

// WithShutdownGrace sets how long updates already being handled may take to finish
// after the context ends (default 5 s).
func WithShutdownGrace(d time.Duration) Option { return func(a *Adapter) { a.grace = d } }

// WithWorkers sets how many chats are served at the same time (default 16).
func WithWorkers(n int) Option { return func(a *Adapter) { a.workers = max(1, n) } }

// WithModeration lets the moderators m allows keep the FAQ up to date from a private
// chat with the bot (/faq_add, /faq_edit, ...). Without it those commands say that FAQ
// editing is not set up.
func WithModeration(m *bot.Moderation) Option { return func(a *Adapter) { a.mod = m } }

// WithReports gives moderators the question-log reports (/faq_unanswered, /faq_stats,
// /faq_suggestions). Accepting a suggestion also needs WithModeration.
func WithReports(r bot.Reports) Option { return func(a *Adapter) { a.reports = r } }

// WithModerators names the Telegram user ids whose private chats get a command menu
// with the moderator commands. It grants nothing: the Moderation decides who may
// moderate. A moderator not listed gets the menu after their first moderator command.
func WithModerators(userIDs ...string) Option {
	return func(a *Adapter) { a.moderators = append(a.moderators, userIDs...) }
}

// WithSessionTimeout sets how long a moderator's unfinished change is kept between
// messages (default 15 minutes).
func WithSessionTimeout(d time.Duration) Option { return func(a *Adapter) { a.sessionTTL = d } }

// WithWebhookListener makes webhook mode serve on l instead of listening on
// Webhook.ListenAddr; tests use it to know the address before Run.
func WithWebhookListener(l net.Listener) Option { return func(a *Adapter) { a.listener = l } }

var secretTokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// New connects to the Bot API (calling getMe to learn the bot's name and check the
// token) and returns the adapter.
func New(cfg Config, opts ...Option) (*Adapter, error) {
	if cfg.Token == "" {
		return nil, errors.New("telegram: no token")
	}
	if cfg.APIEndpoint == "" {
		cfg.APIEndpoint = tgbotapi.APIEndpoint
	}
	if strings.Count(cfg.APIEndpoint, "%s") != 2 || strings.Count(cfg.APIEndpoint, "%") != 2 {
		return nil, fmt.Errorf("telegram: API endpoint %q is not a format like https://api.telegram.org/bot%%s/%%s", cfg.APIEndpoint)
	}
	a := &Adapter{
		cfg:         cfg,
		log:         slog.New(slog.DiscardHandler),
		http:        &http.Client{},
		limiter:     bot.NewRateLimiter(cfg.QuestionsPerMinute),
		notices:     bot.NewRateLimiter(1),
		backoffMin:  time.Second,
		backoffMax:  30 * time.Second,
		pollTimeout: 50 * time.Second,
		grace:       5 * time.Second,
		workers:     16,
		sessionTTL:  15 * time.Minute,
		now:         time.Now,
		sessions:    map[int64]*session{},
		menus:       map[int64]bool{},
		votes:       newVotes(maxVotes),
	}
	for _, o := range opts {
		o(a)
	}
	// getUpdates takes whole seconds, and 0 would turn long polling into a busy loop.
	a.pollTimeout = max(time.Second, a.pollTimeout.Truncate(time.Second))
	if a.webhookMode() {
		w := &a.cfg.Webhook
		if w.Path == "" {
			w.Path = DefaultWebhookPath
		}
		if !strings.HasPrefix(w.Path, "/") {
			return nil, fmt.Errorf("telegram: webhook path %q must start with /", w.Path)
		}
		if !secretTokenRE.MatchString(w.SecretToken) {
			return nil, errors.New("telegram: webhook mode needs a secret token of 1-256 characters A-Z, a-z, 0-9, _ and -")
		}
		if w.PublicURL != "" && !strings.HasPrefix(w.PublicURL, "https://") && !strings.HasPrefix(w.PublicURL, "http://") {
			return nil, fmt.Errorf("telegram: webhook public URL %q must be an http(s) URL", w.PublicURL)
		}
	}
	// getMe at construction gets no context from the caller, so it gets a deadline.
	client := &http.Client{Transport: a.http.Transport, Timeout: 30 * time.Second}
	b, err := tgbotapi.NewBotAPIWithClient(cfg.Token, cfg.APIEndpoint, client)
	if err != nil {
		return nil, fmt.Errorf("telegram: connecting to the Bot API (getMe): %w", redact(err, cfg.Token))
	}
	if b.Self.UserName == "" {
		return nil, errors.New("telegram: getMe returned a bot without a username")
	}
	a.bot = b
	a.me = me{user: b.Self, mention: regexp.MustCompile(`(?i)(^|[^\w@])@` + regexp.QuoteMeta(b.Self.UserName) + `\b`)}
	a.commands = a.commandTable()
	if a.consoleLink != nil {
		a.commands = append(a.commands, consoleCommand)
	}
	a.callbacks = a.callbackTable()
	return a, nil
}

func (a *Adapter) webhookMode() bool { return a.cfg.Webhook.ListenAddr != "" || a.listener != nil }

// Self is the bot's user as getMe returned it.
func (a *Adapter) Self() tgbotapi.User { return a.me.user }
