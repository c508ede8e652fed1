package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/discord"
	"github.com/smpbot/smpbot/bot/sqlitelog"
	"github.com/smpbot/smpbot/bot/telegram"
	"github.com/smpbot/smpbot/knowledge"
)

// wiring is what a platform adapter is built with.
type wiring struct {
	getenv  func(string) string
	log     *slog.Logger
	mod     *bot.Moderation     // nil without a data directory
	reports bot.Reports         // nil without a question log
	client  *http.Client        // counts the platform's API calls
	grace   time.Duration       // how long answers in flight may take to finish on shutdown
	dropped func(reason string) // counts messages not answered on purpose
	// consoleLink makes web console sign-in links; nil when the console is off.
	consoleLink func(ctx context.Context, who bot.Identity) (string, error)
}

// platform is a chat platform `smpbot run` can serve; build returns nil when the
// platform is not configured (its token is unset).
type platform struct {
	name  string
	token string // the setting that enables it
	build func(w wiring) (bot.Adapter, error)
}

var platforms = []platform{
	{"telegram", "TELEGRAM_TOKEN", func(w wiring) (bot.Adapter, error) {
		opts := []telegram.Option{telegram.WithHTTPClient(w.client), telegram.WithShutdownGrace(w.grace), telegram.WithDropCounter(w.dropped)}
		if w.mod != nil {
			opts = append(opts, telegram.WithModeration(w.mod))
		}
		if w.reports != nil {
			opts = append(opts, telegram.WithReports(w.reports))
		}
		if w.consoleLink != nil {
			opts = append(opts, telegram.WithConsoleLinks(w.consoleLink))
		}
		return newTelegram(w.getenv, w.log, opts...)
	}},
	{"discord", "DISCORD_TOKEN", func(w wiring) (bot.Adapter, error) {
		opts := []discord.Option{discord.WithHTTPClient(w.client), discord.WithShutdownGrace(w.grace)}
		if w.mod != nil {
			opts = append(opts, discord.WithModeration(w.mod))
		}
		if w.reports != nil {
			opts = append(opts, discord.WithReports(w.reports))
		}
		if w.consoleLink != nil {
			opts = append(opts, discord.WithConsoleLinks(w.consoleLink))
		}
		return newDiscord(w.getenv, w.log, opts...)
	}},
}

// moderators collects every platform's moderators from the configuration.
func moderators(getenv func(string) string) (bot.Moderators, error) {
	t, err := telegramModerators(getenv)
	if err != nil {
		return bot.Moderators{}, err
	}
	d, err := discordModerators(getenv)
	if err != nil {
		return bot.Moderators{}, err
	}
	return bot.Moderators{TelegramUsers: t.TelegramUsers, DiscordUsers: d.DiscordUsers, DiscordRoles: d.DiscordRoles}, nil
}

func (e *env) run(ctx context.Context, args []string) error {
	fs := e.flags("run")
	file, flags := configFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*file, os.Getenv, flags)
	if err != nil {
		return err
	}
	var needs []string
	enabled := false
	for _, p := range platforms {
		needs = append(needs, p.token)
		enabled = enabled || cfg.Get(p.token) != ""
	}
	if !enabled {
		return fmt.Errorf("no platform configured: set %s (in the environment or the config file), or try the bot locally with `smpbot chat`", strings.Join(needs, " or "))
	}
	log, setUserHash := hashUsers(newLogger(e.stderr, cfg.Get("SMPBOT_LOG_LEVEL"), cfg.Get("SMPBOT_LOG_FORMAT"), cfg.secrets()))
	e.log = log
	m := newMetrics()
	mods, err := moderators(cfg.Get)
	if err != nil {
		return err
	}

	e.waitForDatabase = true
	fb, err := e.openFAQ(ctx, cfg.Get, cfg.Get("SMPBOT_DATA"), nil,
		bot.WithConfidence(cfg.Float("SMPBOT_ANSWER_CONFIDENCE"), bot.DefaultSuggestConfidence),
		bot.WithObserver(m), bot.WithObserver(answerLog(log)))
	if err != nil {
		if ctx.Err() != nil {
			// Stopped (SIGTERM) while waiting for the FAQ database: a clean stop.
			log.Info("stopped before the FAQ could be loaded", "err", err)
			return nil
		}
		return err
	}
	m.entries.Set(float64(fb.idx.Len()))

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup // background work that ends with ctx
	var ql questionLog
	var rec *bot.Recorder
	// Shut down in order: background work, then the question log (flushed), then the
	// index.
	defer func() {
		cancel()
		wg.Wait()
		if rec != nil {
			flush, done := context.WithTimeout(context.Background(), 5*time.Second)
			if err := rec.Close(flush); err != nil {
				log.Warn("question log not fully flushed", "err", err, "lost", rec.Lost())
			}
			done()
			flush, done = context.WithTimeout(context.Background(), 5*time.Second)
			closeQuestionLog(flush, ql, log)
			done()
		}
		fb.Close()
	}()
	grace := cfg.Duration("SMPBOT_SHUTDOWN_GRACE")
	w := wiring{getenv: cfg.Get, grace: grace}
	var h bot.Handler = fb.h
	if fb.store != nil {
		w.mod = bot.NewModeration(auditedStore{fb.store, m}, mods, log)
	}
	// The question log's key lives in the data directory unless given elsewhere.
	if fb.store != nil && (fb.dir != "" || cfg.Get("SMPBOT_USER_KEY_FILE") != "") {
		if ql, rec = e.openQuestionLog(ctx, fb, &wg, cfg.Get, cfg.Int("SMPBOT_RETENTION_DAYS"), cfg.Int("SMPBOT_DATABASE_QUEUE")); ql != nil {
			w.reports, h = ql, rec
			setUserHash(ql.UserHash)
			m.questionLog(ql)
			m.recorder(rec)
		}
	}
	rescan := make(chan struct{}, 1)
	if ql != nil {
		// After a change to the FAQ, questions that failed before may match: propose
		// them to moderators as new phrasings.
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case <-rescan:
					if _, err := ql.Rescan(ctx, bot.EntryMatcher(fb.h)); err != nil && ctx.Err() == nil {
						log.Warn("rescanning unanswered questions", "err", err)
					}
				}
			}
		}()
	}
	fb.reindexed = func(n int, err error) {
		if err != nil {
			m.rebuilds.WithLabelValues("error").Inc()
			return
		}
		m.rebuilds.WithLabelValues("ok").Inc()
		m.entries.Set(float64(n))
		select {
		case rescan <- struct{}{}:
		default: // one is already due
		}
	}

	var consoleLn net.Listener
	if addr := cfg.Get("SMPBOT_CONSOLE_LISTEN"); addr != "" && fb.store != nil && fb.dir != "" {
		// Bound before the adapters are built, so that the sign-in links they hand
		// out name the address really bound (console.listen may ask for port 0).
		ln, err := openListener("web console", addr)
		if err != nil {
			return err
		}
		defer ln.Close() // if run ends before serving it
		consoleLn = ln
		w.consoleLink = consoleLinker(fb.dir, firstOf(cfg.Get("SMPBOT_CONSOLE_URL"), "http://"+ln.Addr().String()), ql)
	}
	type running struct {
		name string
		bot.Adapter
	}
	var adapters []running
	for _, p := range platforms {
		w.log = log.With("platform", p.name)
		w.client = &http.Client{Transport: m.transport(p.name, nil)}
		dropped := m.dropped.MustCurryWith(prometheus.Labels{"platform": p.name})
		w.dropped = func(reason string) { dropped.WithLabelValues(reason).Inc() }
		a, err := p.build(w)
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		if a != nil {
			adapters = append(adapters, running{p.name, a})
		}
	}

	if fb.store != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fb.store.Watch(ctx); err != nil {
				log.Error("not watching the FAQ for changes made elsewhere", "err", err)
			}
		}()
	}
	if fb.store != nil {
		// A file that is not valid leaves the others served: counted and shown here.
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "smpbot_faq_problems", Help: "Problems in FAQ files that are not valid (each such file is left out or kept at its last good version).",
		}, func() float64 { return float64(len(fb.store.Problems())) }))
	}
	if addr := cfg.Get("SMPBOT_ADMIN_LISTEN"); addr != "" {
		ready := func() (bool, string) {
			for _, a := range adapters {
				if c, ok := a.Adapter.(bot.Connector); ok && !c.Connected() {
					return false, a.name + " not connected"
				}
			}
			if fb.idx.Len() == 0 {
				return false, "index empty"
			}
			var notes []string
			if ql != nil {
				notes = append(notes, databaseReadiness(ql))
			}
			if fb.store != nil {
				notes = append(notes, faqDatabaseReadiness(fb.store), faqProblems(fb.store.Problems()))
			}
			return true, joinNotes(notes)
		}
		stopAdmin, err := serveAdmin(addr, adminHandler(m, ready), log)
		if err != nil {
			return err
		}
		defer stopAdmin()
	}
	if cfg.Get("SMPBOT_CONSOLE_LISTEN") != "" {
		if consoleLn == nil {
			return errors.New("console.listen needs a data directory (data, SMPBOT_DATA)")
		}
		stopConsole := serveConsole(consoleLn, e.newConsole(fb, w.mod, ql, cfg.Get("SMPBOT_CONSOLE_URL")), log)
		defer stopConsole()
	}
	names := make([]string, len(adapters))
	for i, a := range adapters {
		names[i] = a.name
	}
	log.Info("smpbot running", "platforms", names, "entries", fb.idx.Len(), "data", cfg.Get("SMPBOT_DATA"))

	var serving sync.WaitGroup
	errs := make([]error, len(adapters))
	for i, a := range adapters {
		serving.Add(1)
		go func() {
			defer serving.Done()
			if err := a.Run(ctx, h); err != nil {
				errs[i] = fmt.Errorf("%s: %w", a.name, err)
				cancel() // one platform failing for good stops the process, so a supervisor restarts it
			}
		}()
	}
	<-ctx.Done()
	log.Info("shutting down: no new questions; finishing those in flight", "grace", grace)
	done := make(chan struct{})
	go func() { serving.Wait(); close(done) }()
	select {
	case <-done:
	// The adapters stop their own work at the end of the grace; the margin lets them
	// confirm what they finished and return.
	case <-time.After(grace + 5*time.Second):
		log.Warn("shutdown grace period over; exiting with work unfinished")
	}
	log.Info("smpbot stopped")
	return errors.Join(errs...)
}

// openQuestionLog opens the question log (the data directory's, or the database's) and
// wraps the handler in a Recorder; it starts the retention job and the rescan of
// unanswered questions after each reindex. When the log cannot be opened the bot
// answers without it; a database that does not answer yet is connected to in the
// background, the records queued meanwhile.
func (e *env) openQuestionLog(ctx context.Context, fb *faqBot, wg *sync.WaitGroup, getenv func(string) string, keepDays, queue int) (questionLog, *bot.Recorder) {
	ql, err := e.openQuestionLogIn(ctx, getenv, fb.dir, logOptions{background: true, queue: queue})
	if err != nil {
		e.log.Error("question log unavailable; answering without recording", "err", err)
		return nil, nil
	}
	rec := bot.NewRecorder(fb.h, ql, bot.WithRecorderLogger(e.log))
	keep := sqlitelog.DefaultRetention
	if keepDays > 0 {
		keep = time.Duration(keepDays) * 24 * time.Hour
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		ql.RunRetention(ctx, 24*time.Hour, keep)
	}()
	return ql, rec
}

// joinNotes joins the non-empty notes of /readyz, one per line.
func joinNotes(notes []string) string {
	var kept []string
	for _, n := range notes {
		if n != "" {
			kept = append(kept, n)
		}
	}
	return strings.Join(kept, "\n")
}

// faqProblems describes FAQ files that are not valid, one per line, for /readyz.
func faqProblems(problems []error) string {
	if len(problems) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "FAQ files not valid (the other entries are served):")
	for _, p := range problems {
		b.WriteString("\n  " + p.Error())
	}
	return b.String()
}

// auditedStore counts the changes moderators make, for /metrics.
type auditedStore struct {
	faqStore
	m *metrics
}

func (s auditedStore) Put(ctx context.Context, e knowledge.Entry, base knowledge.Version, who knowledge.Actor) (knowledge.Version, error) {
	v, err := s.faqStore.Put(ctx, e, base, who)
	if err == nil {
		action := "edit"
		if base == "" {
			action = "add"
		}
		s.m.edits.WithLabelValues(action).Inc()
	}
	return v, err
}

func (s auditedStore) Remove(ctx context.Context, id string, base knowledge.Version, who knowledge.Actor) error {
	err := s.faqStore.Remove(ctx, id, base, who)
	if err == nil {
		s.m.edits.WithLabelValues("remove").Inc()
	}
	return err
}

func (s auditedStore) Undo(ctx context.Context, id string, who knowledge.Actor) (knowledge.Change, error) {
	c, err := s.faqStore.Undo(ctx, id, who)
	if err == nil {
		s.m.edits.WithLabelValues("undo").Inc()
	}
	return c, err
}

// serveAdmin starts the admin listener and returns a function that stops it.
func serveAdmin(addr string, h http.Handler, log *slog.Logger) (func(), error) {
	ln, err := openListener("admin", addr)
	if err != nil {
		return nil, err
	}
	return serveOn("admin", ln, &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}, log), nil
}

// openListener opens the listener of what (named in the error) at addr.
func openListener(what, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s listener: %w", what, err)
	}
	return ln, nil
}

// serveOn starts srv on ln and returns a function that stops it; what names it in
// logs.
func serveOn(what string, ln net.Listener, srv *http.Server, log *slog.Logger) (stop func()) {
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error(what+" listener failed", "err", err)
		}
	}()
	log.Info(what+" listening", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}
}
