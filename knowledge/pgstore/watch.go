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
// each failure, up to reconnectMax), and the changes made meanwhile are caught up.
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

// Bounds of the wait before Watch connects again, and how often an idle listening
// connection is checked (a connection cut without a word would otherwise wait forever).
const (
	reconnectMin = 100 * time.Millisecond
	reconnectMax = 5 * time.Second
	idleCheck    = 30 * time.Second
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
	// Listening from here on: what changed before is caught up now.
	if err := s.catchUp(ctx, conn); err != nil {
		return true, err
	}
	s.watchEvent("listening")
	for {
		wctx, cancel := context.WithTimeout(ctx, idleCheck)
		_, err := conn.WaitForNotification(wctx)
		cancel()
		if err != nil && (ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded)) {
			return true, err
		}
		// A notification, or an idle check: either way reading the last seq tells.
		// Notifications that came meanwhile are caught up by this one read.
		if err := s.catchUp(ctx, conn); err != nil {
			return true, err
		}
	}
}

// ListenerName is the application_name of Watch's connection for the store in schema.
func ListenerName(schema string) string { return "smpbot faq listener " + schema }

func (s *Store) catchUp(ctx context.Context, conn *pgx.Conn) error {
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	s.mu.Lock()
	before := s.seq
	s.mu.Unlock()
	if err := s.refresh(cctx, conn); err != nil {
		return fmt.Errorf("loading the FAQ: %w", err)
	}
	s.mu.Lock()
	after, n := s.seq, len(s.order)
	s.mu.Unlock()
	if after != before {
		s.log.Info("FAQ reloaded from the database", "entries", n, "change", after)
	}
	return nil
}

func (s *Store) watchEvent(what string) {
	if s.onWatch != nil {
		s.onWatch(what)
	}
}
