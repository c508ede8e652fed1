package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/pglog"
	"github.com/smpbot/smpbot/bot/sqlitelog"
	"github.com/smpbot/smpbot/bot/web"
	"github.com/smpbot/smpbot/bot/web/sessions"
)

// defaultConsoleListen is where `smpbot console` listens without --listen.
const defaultConsoleListen = "127.0.0.1:8088"

// console runs `smpbot console [--data DIR] [--listen ADDR]`, the moderators' web
// console on its own, and `smpbot console link --name NAME`, which prints a sign-in
// link for it.
func (e *env) console(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "link" {
		return e.consoleLink(ctx, args[1:])
	}
	fs := e.flags("console")
	file, flags := configFlags(fs)
	listen := fs.String("listen", "", "address to listen on (overrides SMPBOT_CONSOLE_LISTEN; default "+defaultConsoleListen+")")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: console takes no arguments, got %q", errUsage, fs.Args())
	}
	cfg, err := loadConfig(*file, os.Getenv, flags)
	if err != nil {
		return err
	}
	data := cfg.Get("SMPBOT_DATA")
	if data == "" {
		return fmt.Errorf("%w: console needs --data DIR (or SMPBOT_DATA)", errUsage)
	}
	addr := firstOf(*listen, cfg.Get("SMPBOT_CONSOLE_LISTEN"), defaultConsoleListen)
	mods, err := moderators(cfg.Get)
	if err != nil {
		return err
	}
	fb, err := e.openFAQ(ctx, cfg.Get, data, nil, bot.WithConfidence(cfg.Float("SMPBOT_ANSWER_CONFIDENCE"), bot.DefaultSuggestConfidence))
	if err != nil {
		return err
	}
	defer fb.Close()
	ql, err := e.openQuestionLogIn(ctx, cfg.Get, data, logOptions{})
	if err != nil {
		e.log.Error("question log unavailable; the console runs without inbox and charts", "err", err)
		ql = nil
	} else {
		defer ql.Close()
	}
	c := e.newConsole(fb, bot.NewModeration(fb.store, mods, e.log), ql, cfg.Get("SMPBOT_CONSOLE_URL"))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	watching := make(chan struct{})
	go func() {
		defer close(watching)
		// Edits made by the bot, the command line or by hand reach this index too.
		if err := fb.store.Watch(ctx); err != nil {
			e.log.Error("not watching the FAQ for changes made elsewhere", "err", err)
		}
	}()
	ln, err := openListener("web console", addr)
	if err != nil {
		return err
	}
	stop := serveConsole(ln, c, e.log)
	fmt.Fprintf(e.stdout, "smpbot console: serving http://%s/ (sign in with a link from `smpbot console link`)\n", ln.Addr())
	<-ctx.Done()
	stop()
	cancel()
	<-watching
	return nil
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// sessionKeeper is a question log that keeps the web console's sessions in its
// database (the data directory's SQLite file, or the PostgreSQL database replicas
// share), so that they outlast a restart and every replica knows them.
type sessionKeeper interface {
	Sessions() sessions.Store
}

var (
	_ sessionKeeper = (*sqlitelog.Log)(nil)
	_ sessionKeeper = (*pglog.Log)(nil)
)

// newConsole builds the web console over a FAQ with a store; ql may be nil.
func (e *env) newConsole(fb *faqBot, mod *bot.Moderation, ql questionLog, publicURL string) *web.Console {
	opts := []web.Option{web.WithLogger(e.log), web.WithSecureCookies(strings.HasPrefix(publicURL, "https://"))}
	if ql != nil {
		opts = append(opts, web.WithReports(ql, ql))
	}
	if sk, ok := ql.(sessionKeeper); ok {
		opts = append(opts, web.WithSessions(sk.Sessions()))
	} else {
		e.log.Warn("web console sessions kept in memory, without the question log: a restart signs moderators out, and other replicas do not know them")
	}
	return web.New(mod, fb.h, fb.idx, filepath.Join(fb.dir, web.StateDir), opts...)
}

// serveConsole serves the console on ln and returns a function that stops it.
func serveConsole(ln net.Listener, h http.Handler, log *slog.Logger) (stop func()) {
	// No request logging: a sign-in link's token is in its URL.
	return serveOn("web console", ln, &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}, log)
}

// consoleLinker makes sign-in links for moderators who ask the bot for one in chat:
// in the question log's database when there is one (ql may be nil), so that any
// replica's console takes them, or else in the data directory.
func consoleLinker(data, base string, ql questionLog) func(ctx context.Context, who bot.Identity) (string, error) {
	mint := fileLinks(data)
	if sk, ok := ql.(sessionKeeper); ok {
		mint = storeLinks(sk.Sessions())
	}
	return func(ctx context.Context, who bot.Identity) (string, error) {
		token, err := mint(ctx, who, web.DefaultLinkTTL)
		if err != nil {
			return "", err
		}
		return web.SignInURL(base, token), nil
	}
}

// minter makes a sign-in link's token.
type minter func(ctx context.Context, who bot.Identity, ttl time.Duration) (string, error)

// storeLinks makes links in the web console's session store.
func storeLinks(s sessions.Store) minter {
	return func(ctx context.Context, who bot.Identity, ttl time.Duration) (string, error) {
		return sessions.MintLink(ctx, s, who, ttl, time.Now())
	}
}

// fileLinks makes links in the data directory, for the console serving it.
func fileLinks(data string) minter {
	links := web.LinksIn(filepath.Join(data, web.StateDir))
	return func(_ context.Context, who bot.Identity, ttl time.Duration) (string, error) {
		return links.Mint(who, ttl)
	}
}

// consoleLink prints a single-use sign-in link for a moderator working on the server.
func (e *env) consoleLink(ctx context.Context, args []string) error {
	fs := e.flags("console link")
	data := dataFlag(fs)
	name := fs.String("name", "", "your name, recorded with every change you make (required)")
	base := fs.String("base", firstOf(os.Getenv("SMPBOT_CONSOLE_URL"), "http://"+defaultConsoleListen), "the console's address as your browser reaches it; default $SMPBOT_CONSOLE_URL")
	ttl := fs.Duration("ttl", web.DefaultLinkTTL, "how long the link stays valid")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: console link takes no arguments, got %q", errUsage, fs.Args())
	}
	if *data == "" {
		return fmt.Errorf("%w: console link needs --data DIR (or SMPBOT_DATA)", errUsage)
	}
	if strings.TrimSpace(*name) == "" {
		return fmt.Errorf("%w: console link needs --name NAME", errUsage)
	}
	if *ttl <= 0 || *ttl > 24*time.Hour {
		return fmt.Errorf("%w: --ttl must be between 1s and 24h", errUsage)
	}
	if fi, err := os.Stat(*data); err != nil || !fi.IsDir() {
		return fmt.Errorf("data directory %s: not found", *data)
	}
	who := cliIdentity()
	who.Name = strings.TrimSpace(*name)
	// In the database replicas share, the link works on every console over it. Without
	// one it goes in the data directory, which the console serving it always reads
	// (whether or not its own configuration names a database).
	mint := fileLinks(*data)
	if os.Getenv("SMPBOT_DATABASE_URL") != "" {
		ql, err := e.openQuestionLogIn(ctx, os.Getenv, *data, logOptions{})
		if err != nil {
			e.log.Warn("question log unavailable: the link works only on the console serving this data directory", "err", err)
		} else {
			defer ql.Close()
			if sk, ok := ql.(sessionKeeper); ok {
				mint = storeLinks(sk.Sessions())
			}
		}
	}
	token, err := mint(ctx, who, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, web.SignInURL(*base, token))
	return nil
}
