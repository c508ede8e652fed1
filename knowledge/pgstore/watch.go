package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Watch keeps the FAQ in memory up to date with the database until ctx is done: it
// LISTENs on a connection of its own, and a change made by any process reaches OnChange
// within a second of its commit. A lost connection is made again (waiting longer after
// each failure, up to reconnectMax, whatever the failure: a server with no connection
// slot free is waited for like one that is away), and the FAQ is reloaded, so nothing
// that changed meanwhile is missed, announced or not. Every ResyncEvery without a
// notification it compares the database's FAQ with the one in memory and reloads it
// if they differ (see ResyncEvery).
func (s *Store) Watch(ctx context.Context) error {
	wait := reconnectMin
	for ctx.Err() == nil {
		listened, err := s.watchOnce(ctx)
		if ctx.Err() != nil {
			break
		}
		if listened {
			wait = reconnectMin
		}
		s.log.Warn("FAQ change notifications lost; connecting again", "err", err, "in", wait)
		s.watchEvent("lost")
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		wait = min(2*wait, reconnectMax)
	}
	return nil
}

// Bounds of the wait before Watch connects again.
const (
	reconnectMin = 100 * time.Millisecond
	reconnectMax = 5 * time.Second
)

// watchOnce listens on one connection until it fails; listened says whether it got as
// far as listening.
func (s *Store) watchOnce(ctx context.Context) (listened bool, err error) {
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	cfg := s.listen.Copy()
	// Named, so that it can be told apart in pg_stat_activity.
	cfg.RuntimeParams["application_name"] = ListenerName(s.schema)
	conn, err := pgx.ConnectConfig(cctx, cfg)
	cancel()
	if err != nil {
		return false, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{s.channel}.Sanitize()); err != nil {
		return false, err
	}
	// Listening from here on: what changed before is caught up now, by a whole
	// reload, since notifications may have been missed and not every change is
	// announced (a restore, an edit by hand).
	if err := s.catchUp(ctx, conn, true); err != nil {
		return true, err
	}
	s.watchEvent("listening")
	for {
		// The resync also tells that an idle connection still works: one cut without
		// a word would otherwise wait forever.
		wctx, cancel := context.WithTimeout(ctx, s.resync)
		_, err := conn.WaitForNotification(wctx)
		cancel()
		if err != nil && (ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded)) {
			return true, err
		}
		// A notification, or the resync: either way comparing the last change and the
		// fingerprint tells. Notifications that came meanwhile are caught up by this
		// one read.
		if err := s.catchUp(ctx, conn, false); err != nil {
			return true, err
		}
	}
}

// ListenerName is the application_name of Watch's connection for the store in schema.
func ListenerName(schema string) string { return "smpbot faq listener " + schema }

// catchUp reloads the FAQ if the database's differs from the one in memory, or with
// force always, and says so in the log: as a warning when no recorded change explains
// it.
func (s *Store) catchUp(ctx context.Context, conn *pgx.Conn, force bool) error {
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	s.mu.Lock()
	before, fprint, gen := s.seq, s.fprint, s.gen
	s.mu.Unlock()
	if err := s.refresh(cctx, conn, force); err != nil {
		return fmt.Errorf("loading the FAQ: %w", err)
	}
	s.mu.Lock()
	after, n, changed := s.seq, len(s.order), s.fprint != fprint
	loaded := s.gen != gen
	s.mu.Unlock()
	switch {
	case !loaded:
	case after < before:
		s.log.Warn("the FAQ database went back to an older change (restored from a backup?); reloaded it", "entries", n, "change", after, "was", before)
	case after == before && changed:
		s.log.Warn("the FAQ database's entries changed without a recorded change (edited by hand?); reloaded them", "entries", n, "change", after)
	case after != before:
		s.log.Info("FAQ reloaded from the database", "entries", n, "change", after)
	}
	return nil
}

func (s *Store) watchEvent(what string) {
	if s.onWatch != nil {
		s.onWatch(what)
	}
}
