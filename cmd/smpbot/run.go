package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/smpbot/smpbot/bot"
)

// platform is a chat platform `smpbot run` can serve. fromEnv returns nil when the
// platform is not configured (its token is unset).
type platform struct {
	name    string
	needs   string // what to set to enable it, for the error when nothing is
	fromEnv func(getenv func(string) string, log *slog.Logger) (bot.Adapter, error)
}

var platforms = []platform{
	{"telegram", "TELEGRAM_TOKEN", telegramFromEnv},
	{"discord", "DISCORD_TOKEN", discordFromEnv},
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
	log := newLogger(e.stderr, cfg.Get("SMPBOT_LOG_LEVEL"), cfg.Get("SMPBOT_LOG_FORMAT"), cfg.secrets())
	e.log = log
	m := newMetrics()

	type running struct {
		name string
		bot.Adapter
	}
	var adapters []running
	var needs []string
	for _, p := range platforms {
		a, err := p.fromEnv(cfg.Get, log.With("platform", p.name))
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		needs = append(needs, p.needs)
		if a != nil {
			adapters = append(adapters, running{p.name, a})
		}
	}
	if len(adapters) == 0 {
		return fmt.Errorf("no platform configured: set %v (in the environment or the config file), or try the bot locally with `smpbot chat`", needs)
	}

	fb, err := e.openFAQ(cfg.Get("SMPBOT_DATA"),
		bot.WithConfidence(cfg.Float("SMPBOT_ANSWER_CONFIDENCE"), bot.DefaultSuggestConfidence),
		bot.WithObserver(m), bot.WithObserver(answerLog(log)))
	if err != nil {
		return err
	}
	defer fb.Close()
	m.entries.Set(float64(fb.idx.Len()))
	fb.reindexed = func(n int, err error) {
		if err != nil {
			m.rebuilds.WithLabelValues("error").Inc()
			return
		}
		m.rebuilds.WithLabelValues("ok").Inc()
		m.entries.Set(float64(n))
	}
	var h bot.Handler = fb.h

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	if fb.store != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fb.store.Watch(ctx); err != nil {
				log.Error("not watching the FAQ for edits on disk", "err", err)
			}
		}()
	}
	if addr := cfg.Get("SMPBOT_ADMIN_LISTEN"); addr != "" {
		ready := func() (bool, string) {
			for _, a := range adapters {
				if c, ok := a.Adapter.(bot.Connector); ok && !c.Connected() {
					return false, a.name + " not connected"
				}
			}
			return fb.idx.Len() > 0, "index empty"
		}
		stopAdmin, err := serveAdmin(addr, adminHandler(m, ready), log)
		if err != nil {
			return err
		}
		defer stopAdmin()
	}
	names := make([]string, len(adapters))
	for i, a := range adapters {
		names[i] = a.name
	}
	log.Info("smpbot running", "platforms", names, "entries", fb.idx.Len(), "data", cfg.Get("SMPBOT_DATA"))

	errs := make([]error, len(adapters))
	for i, a := range adapters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.Run(ctx, h); err != nil {
				errs[i] = fmt.Errorf("%s: %w", a.name, err)
				cancel() // one platform failing for good stops the process, so a supervisor restarts it
			}
		}()
	}
	<-ctx.Done()
	log.Info("shutting down: no new questions; finishing those in flight", "grace", cfg.Duration("SMPBOT_SHUTDOWN_GRACE"))
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(cfg.Duration("SMPBOT_SHUTDOWN_GRACE")):
		log.Warn("shutdown grace period over; exiting with work unfinished")
	}
	log.Info("smpbot stopped")
	return errors.Join(errs...)
}

// serveAdmin starts the admin listener and returns a function that stops it.
func serveAdmin(addr string, h http.Handler, log *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("admin listener: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("admin listener failed", "err", err)
		}
	}()
	log.Info("admin listening", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}
