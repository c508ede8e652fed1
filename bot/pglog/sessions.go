package pglog

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/web/sessions"
)

// Sessions keeps the web console's sessions in the log's database, shared by every
// replica: a moderator signed in on one is signed in on all, and signing out or an
// expiry on one holds on all at once (see package sessions). They are read and written
// directly, never queued: while the database does not answer, they fail, and the
// console says so rather than guess.
type Sessions struct{ l *Log }

var _ sessions.Store = (*Sessions)(nil)

// Sessions returns the web console's sessions kept in the log's database.
func (l *Log) Sessions() sessions.Store { return &Sessions{l} }

// schemaWait bounds how long a session's read or write waits for a log started before
// its database answered (Start) to be set up: a console served at once takes its
// first sign-in while the schema is being migrated.
const schemaWait = 5 * time.Second

// await waits until the log is set up, up to schemaWait. A log refused for good
// (another user key, a newer schema) keeps no sessions: they fail with
// ErrUnavailable, and the console says its database does not answer.
func (s *Sessions) await(ctx context.Context) error {
	select {
	case <-s.l.readyCh:
		return nil
	default:
	}
	s.l.mu.Lock()
	refused := s.l.refused
	s.l.mu.Unlock()
	if refused != nil {
		return fmt.Errorf("console session: %w: %v", ErrUnavailable, refused)
	}
	t := time.NewTimer(schemaWait)
	defer t.Stop()
	select {
	case <-s.l.readyCh:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("console session: %w", ctx.Err())
	case <-t.C:
		return fmt.Errorf("console session: %w", ErrUnavailable)
	}
}

// Create implements sessions.Store.
func (s *Sessions) Create(ctx context.Context, x sessions.Session) error {
	if err := s.await(ctx); err != nil {
		return err
	}
	if _, err := s.l.db.Exec(ctx, `INSERT INTO console_sessions (id, who, csrf, agent, created, seen, expires)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, x.ID, x.Who, x.CSRF, x.Agent, x.Created, x.Seen, x.Expires); err != nil {
		return fmt.Errorf("console session: %w", err)
	}
	return nil
}

// Get implements sessions.Store.
func (s *Sessions) Get(ctx context.Context, id string) (sessions.Session, error) {
	if err := s.await(ctx); err != nil {
		return sessions.Session{}, err
	}
	x := sessions.Session{ID: id}
	err := s.l.db.QueryRow(ctx, `SELECT who, csrf, agent, created, seen, expires FROM console_sessions WHERE id = $1`, id).
		Scan(&x.Who, &x.CSRF, &x.Agent, &x.Created, &x.Seen, &x.Expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return sessions.Session{}, sessions.ErrNotFound
	}
	if err != nil {
		return sessions.Session{}, fmt.Errorf("console session: %w", err)
	}
	return x, nil
}

// Touch implements sessions.Store.
func (s *Sessions) Touch(ctx context.Context, id string, at time.Time) error {
	if err := s.await(ctx); err != nil {
		return err
	}
	return affected(s.l.db.Exec(ctx, `UPDATE console_sessions SET seen = greatest(seen, $2) WHERE id = $1`, id, at))
}

// affected maps an update or insert that changed no row to sessions.ErrNotFound.
func affected(tag pgconn.CommandTag, err error) error {
	if err != nil {
		return fmt.Errorf("console session: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return sessions.ErrNotFound
	}
	return nil
}

// End implements sessions.Store; the session's flashes go with it (ON DELETE CASCADE).
func (s *Sessions) End(ctx context.Context, id string) error {
	if err := s.await(ctx); err != nil {
		return err
	}
	if _, err := s.l.db.Exec(ctx, `DELETE FROM console_sessions WHERE id = $1`, id); err != nil {
		return fmt.Errorf("console session: %w", err)
	}
	return nil
}

// AddFlash implements sessions.Store.
func (s *Sessions) AddFlash(ctx context.Context, id string, f sessions.Flash) error {
	if err := s.await(ctx); err != nil {
		return err
	}
	return affected(s.l.db.Exec(ctx, `INSERT INTO console_flashes (session_id, error, text, link)
		SELECT id, $2, $3, $4 FROM console_sessions WHERE id = $1`, id, f.Error, f.Text, f.Link))
}

// TakeFlashes implements sessions.Store: one statement deletes and returns them, so
// racing requests each get their own.
func (s *Sessions) TakeFlashes(ctx context.Context, id string) ([]sessions.Flash, error) {
	if err := s.await(ctx); err != nil {
		return nil, err
	}
	type row struct {
		n int64
		f sessions.Flash
	}
	rows, err := s.l.db.Query(ctx, `DELETE FROM console_flashes WHERE session_id = $1 RETURNING id, error, text, link`, id)
	if err != nil {
		return nil, fmt.Errorf("console session: %w", err)
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		err := r.Scan(&x.n, &x.f.Error, &x.f.Text, &x.f.Link)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("console session: %w", err)
	}
	slices.SortFunc(got, func(a, b row) int { return cmp.Compare(a.n, b.n) })
	out := make([]sessions.Flash, len(got))
	for i, r := range got {
		out[i] = r.f
	}
	return out, nil
}

// Sweep implements sessions.Store.
func (s *Sessions) Sweep(ctx context.Context, now time.Time, idle time.Duration) (int, error) {
	if err := s.await(ctx); err != nil {
		return 0, err
	}
	var n int64
	err := pgx.BeginFunc(ctx, s.l.db, func(tx pgx.Tx) error {
		var tag pgconn.CommandTag
		var err error
		if idle > 0 {
			tag, err = tx.Exec(ctx, `DELETE FROM console_sessions WHERE expires <= $1 OR seen <= $2`, now, now.Add(-idle))
		} else {
			tag, err = tx.Exec(ctx, `DELETE FROM console_sessions WHERE expires <= $1`, now)
		}
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		tag, err = tx.Exec(ctx, `DELETE FROM console_links WHERE expires <= $1`, now)
		n += tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("console sessions: %w", err)
	}
	return int(n), nil
}

// AddLink implements sessions.Store.
func (s *Sessions) AddLink(ctx context.Context, id string, who bot.Identity, expires time.Time) error {
	if err := s.await(ctx); err != nil {
		return err
	}
	if _, err := s.l.db.Exec(ctx, `INSERT INTO console_links (id, who, expires) VALUES ($1, $2, $3)`, id, who, expires); err != nil {
		return fmt.Errorf("sign-in link: %w", err)
	}
	return nil
}

// UseLink implements sessions.Store: the one statement that deletes the link returns
// it, so of racing requests (on any replica) one gets it.
func (s *Sessions) UseLink(ctx context.Context, id string, now time.Time) (bot.Identity, error) {
	if err := s.await(ctx); err != nil {
		return bot.Identity{}, err
	}
	var who bot.Identity
	var expires time.Time
	err := s.l.db.QueryRow(ctx, `DELETE FROM console_links WHERE id = $1 RETURNING who, expires`, id).Scan(&who, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return bot.Identity{}, sessions.ErrNotFound
	}
	if err != nil {
		return bot.Identity{}, fmt.Errorf("sign-in link: %w", err)
	}
	if !now.Before(expires) {
		return bot.Identity{}, sessions.ErrNotFound
	}
	return who, nil
}
