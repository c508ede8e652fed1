package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"

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
	data := dataFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var adapters []bot.Adapter
	var names, needs []string
	for _, p := range platforms {
		a, err := p.fromEnv(os.Getenv, log.With("platform", p.name))
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		needs = append(needs, p.needs)
		if a != nil {
			adapters = append(adapters, a)
			names = append(names, p.name)
		}
	}
	if len(adapters) == 0 {
		return fmt.Errorf("no platform configured: set %v (or try the bot locally with `smpbot chat`)", needs)
	}
	e.log = log
	fb, err := e.openFAQ(*data)
	if err != nil {
		return err
	}
	defer fb.Close()
	h := fb.h
	log.Info("smpbot running", "platforms", names, "entries", fb.idx.Len())

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
	errs := make([]error, len(adapters))
	for i, a := range adapters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.Run(ctx, h); err != nil {
				errs[i] = fmt.Errorf("%s: %w", names[i], err)
				cancel() // one platform failing for good stops the process, so a supervisor restarts it
			}
		}()
	}
	wg.Wait()
	log.Info("smpbot stopped")
	return errors.Join(errs...)
}
