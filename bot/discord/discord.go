// Package discord is smpbot's Discord adapter, built on github.com/bwmarrin/discordgo.
//
// People ask with the /ask slash command (with autocomplete over the FAQ's questions),
// list what the bot knows with /topics, or mention the bot in a channel or write to it
// in a direct message. Answers are embeds: the question as title, the answer, its
// caveats and sources as fields and the not-medical-advice note in the footer, cut to
// Discord's limits. Suggestions and related questions are buttons that answer their
// entry when pressed; when the handler records feedback, Helpful / Not helpful buttons
// follow each answer. No message the bot sends can ping anyone.
//
// With WithModeration, moderators keep the FAQ up to date with /faq: add and edit
// entries in a form (a Discord modal), remove them after confirming, show, list, read
// the history and undo; with WithReports too, read the question log's reports and
// accept or reject suggested phrasings. Every /faq reply is ephemeral.
//
// In a guild the bot needs View Channel, Send Messages, Embed Links and Read Message
// History in the channels where it is mentioned (RequiredPermissions, 84992 in an
// invite link); lacking the last two, it answers without a reply or without embeds.
//
// All REST calls, gateway discovery included, can go to another server than
// https://discord.com (Config.APIBase), as large bots do with a REST proxy; tests use it
// to reach the fake Discord in package discordtest.
package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/smpbot/smpbot/bot"
)

// Config is what the adapter needs to connect.
type Config struct {
	// Token is the bot token, with or without the "Bot " prefix. Required.
	Token string
	// GuildID, when set, registers the slash commands in that guild only (they appear at
	// once, which suits a testing server) instead of globally.
	GuildID string
	// APIBase replaces https://discord.com in every REST URL, gateway discovery
	// included; the paths stay /api/v9/.... Empty means Discord itself.
	APIBase string
	// ShardID and ShardCount split the guilds between processes; ShardCount 0 means 1.
	ShardID, ShardCount int
	// QuestionsPerMinute limits each user; 0 means DefaultQuestionsPerMinute and a
	// negative number no limit.
	QuestionsPerMinute int
	// ModeratorPermissions are the Discord permissions a member needs to see /faq (a
	// permission bit set, registered as the command's default_member_permissions); 0
	// means DefaultModeratorPermissions. /faq exists only WithModeration, and only
	// moderators may use it whoever sees it.
	ModeratorPermissions int64
}

// DefaultQuestionsPerMinute is the per-user limit when Config leaves it 0.
const DefaultQuestionsPerMinute = 10

// session holds the discordgo.Session methods the adapter calls.
type session interface {
	AddHandler(handler any) func()
	Open() error
	Close() error
	GatewayBot(options ...discordgo.RequestOption) (*discordgo.GatewayBotResponse, error)
	ApplicationCommandBulkOverwrite(appID, guildID string, commands []*discordgo.ApplicationCommand, options ...discordgo.RequestOption) ([]*discordgo.ApplicationCommand, error)
	InteractionRespond(i *discordgo.Interaction, r *discordgo.InteractionResponse, options ...discordgo.RequestOption) error
	RequestWithBucketID(method, urlStr string, data any, bucketID string, options ...discordgo.RequestOption) ([]byte, error)
	FollowupMessageCreate(i *discordgo.Interaction, wait bool, p *discordgo.WebhookParams, options ...discordgo.RequestOption) (*discordgo.Message, error)
	ChannelMessageSendComplex(channelID string, m *discordgo.MessageSend, options ...discordgo.RequestOption) (*discordgo.Message, error)
}

var _ session = (*discordgo.Session)(nil)

// Adapter serves one Discord bot (one shard of it).
type Adapter struct {
	s   session
	cfg Config
	log *slog.Logger
	red redactor
	// limit is the per-user policy shared with other platforms (bot.Limit), put in
	// front of the handler given to Run.
	limit *bot.Limit

	deferAfter      time.Duration
	completeTimeout time.Duration // bounds the search behind an autocomplete, well inside Discord's 3 s
	handleTimeout   time.Duration
	grace           time.Duration

	commands   map[string]command
	components map[string]componentFunc
	modals     map[string]componentFunc

	mod     *bot.Moderation // nil: no /faq
	reports bot.Reports     // nil: no question log reports
	drafts  *drafts         // refused entry forms, to reopen
	votes   *votes          // feedback already recorded
	limits  *channelLimits  // permissions found missing, by channel

	// consoleLink makes a sign-in link for the web console; nil: no /faq console.
	consoleLink func(ctx context.Context, who bot.Identity) (string, error)

	self      atomic.Pointer[identity]
	ran       atomic.Bool
	connected atomic.Bool
	http      *http.Client // nil: a client of the adapter's own
}

var (
	_ bot.Adapter   = (*Adapter)(nil)
	_ bot.Connector = (*Adapter)(nil)
)

// identity is who the bot is, learnt from READY.
type identity struct {
	userID string
}

// Option configures an Adapter.
type Option func(*Adapter)

// WithLogger sets the logger; the default discards.
func WithLogger(l *slog.Logger) Option { return func(a *Adapter) { a.log = l } }

// WithHTTPClient sends REST calls through c's transport (to count them, say); the
// adapter keeps its own timeout and its rebasing onto Config.APIBase.
func WithHTTPClient(c *http.Client) Option { return func(a *Adapter) { a.http = c } }

// WithDeferAfter sets how long an interaction answer may take before the interaction
// is deferred and the answer edited in later (default 1s, well inside Discord's 3 s).
func WithDeferAfter(d time.Duration) Option { return func(a *Adapter) { a.deferAfter = d } }

// WithShutdownGrace sets how long answers in flight may take to finish after the
// context ends (default 5 s); smpbot run passes its shutdown.grace.
func WithShutdownGrace(d time.Duration) Option { return func(a *Adapter) { a.grace = d } }

// New checks cfg and prepares the adapter; nothing is sent to Discord before Run.
func New(cfg Config, opts ...Option) (*Adapter, error) {
	secret := strings.TrimSpace(cfg.Token)
	if rest, ok := strings.CutPrefix(secret+" ", "Bot "); ok {
		secret = strings.TrimSpace(rest)
	}
	if secret == "" {
		return nil, errors.New("discord: no token")
	}
	if cfg.ShardCount == 0 {
		cfg.ShardCount = 1
	}
	if cfg.ShardCount < 0 || cfg.ShardID < 0 || cfg.ShardID >= cfg.ShardCount {
		return nil, fmt.Errorf("discord: shard id %d is not within shard count %d", cfg.ShardID, cfg.ShardCount)
	}
	if cfg.QuestionsPerMinute == 0 {
		cfg.QuestionsPerMinute = DefaultQuestionsPerMinute
	}
	a := &Adapter{
		cfg:             cfg,
		log:             slog.New(slog.DiscardHandler),
		red:             newRedactor(secret),
		deferAfter:      time.Second,
		completeTimeout: 1500 * time.Millisecond,
		handleTimeout:   30 * time.Second,
		grace:           5 * time.Second,
		drafts:          newDrafts(),
		votes:           newVotes(),
		limits:          newChannelLimits(),
	}
	a.limit = bot.NewLimit(nil, max(cfg.QuestionsPerMinute, 0), bot.WithOverLimit(a.overLimit))
	for _, o := range opts {
		o(a)
	}
	a.routes()

	transport := http.DefaultTransport
	if a.http != nil && a.http.Transport != nil {
		transport = a.http.Transport
	}
	if cfg.APIBase != "" {
		base, err := url.Parse(strings.TrimRight(cfg.APIBase, "/"))
		if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
			return nil, fmt.Errorf("discord: API base %q is not an http(s) URL", a.red.String(cfg.APIBase))
		}
		from, err := url.Parse(discordgo.EndpointDiscord)
		if err != nil {
			return nil, fmt.Errorf("discord: discordgo's endpoint: %w", err)
		}
		transport = &rebase{from: from, to: base, next: transport}
	}
	s, err := discordgo.New("Bot " + secret)
	if err != nil {
		return nil, fmt.Errorf("discord: %w", a.red.Err(err))
	}
	s.Client = &http.Client{Timeout: 20 * time.Second, Transport: newRateLimitGuard(transport)}
	s.Dialer = &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: 15 * time.Second}
	s.ShardID, s.ShardCount = cfg.ShardID, cfg.ShardCount
	// Mentions and DMs carry their content without the privileged message content
	// intent, and those are the only messages the bot reads.
	s.Identify.Intents = discordgo.IntentsGuildMessages | discordgo.IntentsDirectMessages
	s.StateEnabled = false
	// discordgo logs through the standard logger, in its own format, payloads
	// included; it is silenced (the Logger installed drops every line) and the adapter
	// logs connection events itself. Informational lines reach the Logger so that it
	// can hold back the identify after an invalid session (see gateway.go).
	installReidentifyWait()
	s.LogLevel = discordgo.LogInformational
	a.s = s
	return a, nil
}

// rebase sends requests meant for Discord to another server (a REST proxy, or a fake in
// tests). discordgo builds its URLs from package variables (EndpointDiscord and the
// Endpoint* values derived from it when the package is initialised); rewriting them
// would change every session in the process and race with requests in flight, while a
// transport belongs to one session.
type rebase struct {
	from, to *url.URL
	next     http.RoundTripper
}

func (t *rebase) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme != t.from.Scheme || r.URL.Host != t.from.Host {
		return t.next.RoundTrip(r)
	}
	r2 := r.Clone(r.Context())
	r2.URL.Scheme, r2.URL.Host, r2.Host = t.to.Scheme, t.to.Host, ""
	r2.URL.Path = t.to.Path + r.URL.Path
	if r.URL.RawPath != "" {
		r2.URL.RawPath = t.to.EscapedPath() + r.URL.RawPath
	}
	return t.next.RoundTrip(r2)
}

// Run connects to the gateway, registers the slash commands and answers until ctx is
// done. It returns an error when Discord refuses the bot (a bad token) or the gateway
// cannot be opened; once connected, discordgo reconnects and resumes on its own. Run
// may be called once.
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	if !a.ran.CompareAndSwap(false, true) {
		return errors.New("discord: Run called twice on one Adapter")
	}
	gw, err := a.s.GatewayBot(discordgo.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("discord: gateway discovery: %w", a.red.Err(err))
	}
	if gw.Shards > a.cfg.ShardCount {
		a.log.WarnContext(ctx, "Discord recommends more shards", "recommended", gw.Shards, "shard_count", a.cfg.ShardCount)
	}

	// Handlers answer with a context that outlives ctx by the shutdown grace, so that an
	// answer being written when the process is told to stop still goes out.
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	var (
		mu       sync.Mutex
		stopping bool
		inflight sync.WaitGroup
	)
	track := func(f func()) {
		mu.Lock()
		if stopping {
			mu.Unlock()
			return
		}
		inflight.Add(1)
		mu.Unlock()
		defer inflight.Done()
		f()
	}
	ready := make(chan *discordgo.Ready, 1)
	up := func() {
		mu.Lock()
		defer mu.Unlock()
		a.connected.Store(!stopping) // a late reconnect after Close is no connection
	}
	a.s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
		up()
		if a.self.Load() != nil {
			// Discord refused to resume the session: events of the gap are lost.
			a.log.WarnContext(ctx, "gateway session could not be resumed; identified anew", "shard", a.cfg.ShardID)
		}
		if r.User != nil {
			a.self.Store(&identity{userID: r.User.ID})
		}
		a.log.InfoContext(ctx, "connected to Discord", "shard", a.cfg.ShardID, "shard_count", a.cfg.ShardCount)
		select {
		case ready <- r:
		default:
		}
	})
	a.s.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
		track(func() { a.onInteraction(work, h, ic.Interaction) })
	})
	a.s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) {
		track(func() { a.onMessage(work, h, m.Message) })
	})
	a.s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Resumed) {
		up()
		a.log.InfoContext(ctx, "gateway session resumed")
	})
	a.s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) {
		a.connected.Store(false)
		mu.Lock()
		quiet := stopping
		mu.Unlock()
		if !quiet {
			a.log.WarnContext(ctx, "gateway disconnected; reconnecting")
		}
	})
	a.s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Connect) {
		mu.Lock()
		late := stopping
		mu.Unlock()
		if late {
			// discordgo's reconnect loop can reopen the gateway after Close.
			go a.s.Close()
		}
	})
	a.s.AddHandler(func(_ *discordgo.Session, rl *discordgo.RateLimit) {
		a.log.WarnContext(ctx, "rate limited by Discord; retrying", "retry_after", rl.RetryAfter, "url", a.red.String(rl.URL))
	})

	if err := a.s.Open(); err != nil {
		return fmt.Errorf("discord: opening the gateway: %w", a.red.Err(err))
	}
	select {
	case r := <-ready:
		if r.Application == nil || r.User == nil {
			a.log.ErrorContext(ctx, "READY without application or user; slash commands not registered")
			break
		}
		if err := a.registerCommands(ctx, r.Application.ID); err != nil {
			// Mentions and DMs still work, and the commands from the last start may too.
			a.log.ErrorContext(ctx, "registering slash commands failed", "err", err)
		}
	case <-ctx.Done():
	}

	<-ctx.Done()
	mu.Lock()
	stopping = true
	a.connected.Store(false)
	mu.Unlock()
	done := make(chan struct{})
	go func() { inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(a.grace):
		a.log.Warn("stopping with answers still in flight")
		stopWork()
	}
	closed := beforeClose()
	if err := a.s.Close(); err != nil {
		a.log.Warn("closing the gateway", "err", a.red.Err(err))
	}
	closed()
	a.connected.Store(false)
	return nil
}

// Connected reports whether the gateway session is up (READY or resumed, and not
// disconnected since), for a readiness check.
func (a *Adapter) Connected() bool { return a.connected.Load() }

// registerCommands replaces the application's commands with the adapter's, in one bulk
// overwrite, so that commands dropped from a newer version do not linger.
func (a *Adapter) registerCommands(ctx context.Context, appID string) error {
	defs := a.commandDefs()
	var err error
	for attempt := range 3 {
		if attempt > 0 {
			select {
			case <-time.After(time.Duration(attempt) * 500 * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		_, err = a.s.ApplicationCommandBulkOverwrite(appID, a.cfg.GuildID, defs, discordgo.WithContext(ctx))
		if err == nil {
			a.log.InfoContext(ctx, "slash commands registered", "guild", a.cfg.GuildID, "count", len(defs))
			return nil
		}
	}
	return fmt.Errorf("discord: bulk overwrite of commands: %w", a.red.Err(err))
}

// overLimit logs a question over the rate limit; dropped ones only at debug level, so
// that a flood does not flood the log.
func (a *Adapter) overLimit(q bot.Question, outcome string) {
	level := slog.LevelInfo
	if outcome == "dropped" {
		level = slog.LevelDebug
	}
	a.log.Log(context.Background(), level, "question over the rate limit", "user", q.User, "outcome", outcome)
}
