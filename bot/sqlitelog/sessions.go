package sqlitelog

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/web/sessions"
)

// Sessions keeps the web console's sessions in the question log's file, so that they
// outlast a restart of the console (see package sessions). They hold moderators only:
// nothing of the people who ask.
type Sessions struct{ l *Log }

var _ sessions.Store = (*Sessions)(nil)

// Sessions returns the web console's sessions kept in the log's database.
func (l *Log) Sessions() sessions.Store { return &Sessions{l} }

// Create implements sessions.Store.
func (s *Sessions) Create(ctx context.Context, x sessions.Session) error {
	who, err := json.Marshal(x.Who)
	if err != nil {
		return err
	}
	if _, err := s.l.db.ExecContext(ctx, `INSERT INTO console_sessions (id, who, csrf, agent, created, seen, expires)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, x.ID, string(who), x.CSRF, x.Agent, millis(x.Created), millis(x.Seen), millis(x.Expires)); err != nil {
		return fmt.Errorf("console session: %w", err)
	}
	return nil
}

// Get implements sessions.Store.
func (s *Sessions) Get(ctx context.Context, id string) (sessions.Session, error) {
	x := sessions.Session{ID: id}
	var who string
	var created, seen, expires int64
	err := s.l.db.QueryRowContext(ctx, `SELECT who, csrf, agent, created, seen, expires FROM console_sessions WHERE id = ?`, id).
		Scan(&who, &x.CSRF, &x.Agent, &created, &seen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return sessions.Session{}, sessions.ErrNotFound
	}
	if err != nil {
		return sessions.Session{}, fmt.Errorf("console session: %w", err)
	}
	if err := json.Unmarshal([]byte(who), &x.Who); err != nil {
		return sessions.Session{}, fmt.Errorf("console session: %w", err)
	}
	x.Created, x.Seen, x.Expires = time.UnixMilli(created), time.UnixMilli(seen), time.UnixMilli(expires)
	return x, nil
}

// Touch implements sessions.Store.
func (s *Sessions) Touch(ctx context.Context, id string, at time.Time) error {
	res, err := s.l.db.ExecContext(ctx, `UPDATE console_sessions SET seen = max(seen, ?) WHERE id = ?`, millis(at), id)
	return affected(res, err)
}

// affected maps an update or insert that changed no row to sessions.ErrNotFound.
func affected(res sql.Result, err error) error {
	if err != nil {
		return fmt.Errorf("console session: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("console session: %w", err)
	} else if n == 0 {
		return sessions.ErrNotFound
	}
	return nil
}

// End implements sessions.Store; the session's flashes go with it (ON DELETE CASCADE).
func (s *Sessions) End(ctx context.Context, id string) error {
	if _, err := s.l.db.ExecContext(ctx, `DELETE FROM console_sessions WHERE id = ?`, id); err != nil {
		return fmt.Errorf("console session: %w", err)
	}
	return nil
}

// AddFlash implements sessions.Store.
func (s *Sessions) AddFlash(ctx context.Context, id string, f sessions.Flash) error {
	res, err := s.l.db.ExecContext(ctx, `INSERT INTO console_flashes (session_id, error, text, link)
		SELECT id, ?, ?, ? FROM console_sessions WHERE id = ?`, f.Error, f.Text, f.Link, id)
	return affected(res, err)
}

// TakeFlashes implements sessions.Store: one statement deletes and returns them, so
// racing requests each get their own.
func (s *Sessions) TakeFlashes(ctx context.Context, id string) ([]sessions.Flash, error) {
	type row struct {
		n int64
		f sessions.Flash
	}
	var rows []row
	err := query(ctx, s.l.db, `DELETE FROM console_flashes WHERE session_id = ? RETURNING id, error, text, link`, func(sc scanner) error {
		var r row
		err := sc.Scan(&r.n, &r.f.Error, &r.f.Text, &r.f.Link)
		rows = append(rows, r)
		return err
	}, id)
	if err != nil {
		return nil, fmt.Errorf("console session: %w", err)
	}
	slices.SortFunc(rows, func(a, b row) int { return cmp.Compare(a.n, b.n) })
	out := make([]sessions.Flash, len(rows))
	for i, r := range rows {
		out[i] = r.f
	}
	return out, nil
}

// Sweep implements sessions.Store.
func (s *Sessions) Sweep(ctx context.Context, now time.Time, idle time.Duration) (int, error) {
	tx, err := s.l.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("console sessions: %w", err)
	}
	defer tx.Rollback()
	var res sql.Result
	if idle > 0 {
		res, err = tx.ExecContext(ctx, `DELETE FROM console_sessions WHERE expires <= ? OR seen <= ?`, millis(now), millis(now.Add(-idle)))
	} else {
		res, err = tx.ExecContext(ctx, `DELETE FROM console_sessions WHERE expires <= ?`, millis(now))
	}
	if err != nil {
		return 0, fmt.Errorf("console sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	if res, err = tx.ExecContext(ctx, `DELETE FROM console_links WHERE expires <= ?`, millis(now)); err != nil {
		return 0, fmt.Errorf("console sign-in links: %w", err)
	}
	links, _ := res.RowsAffected()
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("console sessions: %w", err)
	}
	return int(n + links), nil
}

// AddLink implements sessions.Store.
func (s *Sessions) AddLink(ctx context.Context, id string, who bot.Identity, expires time.Time) error {
	data, err := json.Marshal(who)
	if err != nil {
		return err
	}
	if _, err := s.l.db.ExecContext(ctx, `INSERT INTO console_links (id, who, expires) VALUES (?, ?, ?)`, id, string(data), millis(expires)); err != nil {
		return fmt.Errorf("sign-in link: %w", err)
	}
	return nil
}

// UseLink implements sessions.Store: the one statement that deletes the link returns
// it, so of racing requests one gets it.
func (s *Sessions) UseLink(ctx context.Context, id string, now time.Time) (bot.Identity, error) {
	var data string
	var expires int64
	err := s.l.db.QueryRowContext(ctx, `DELETE FROM console_links WHERE id = ? RETURNING who, expires`, id).Scan(&data, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Identity{}, sessions.ErrNotFound
	}
	if err != nil {
		return bot.Identity{}, fmt.Errorf("sign-in link: %w", err)
	}
	var who bot.Identity
	if err := json.Unmarshal([]byte(data), &who); err != nil {
		return bot.Identity{}, fmt.Errorf("sign-in link: %w", err)
	}
	if now.UnixMilli() >= expires {
		return bot.Identity{}, sessions.ErrNotFound
	}
	return who, nil
}
