package sqlitelog

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/smpbot/smpbot/bot/phrasing"
)

// migration brings the schema from version N-1 to N, in one transaction. Migrations
// are only ever appended: a database written by an older smpbot is upgraded in place.
type migration struct {
	name string
	up   func(ctx context.Context, l *Log, tx *sql.Tx) error
}

var migrations = []migration{
	{"questions and feedback", migrate1},
	{"phrasing suggestions, repeat keys, lost records", migrate2},
	{"urgent flag", migrate3},
	{"web console sessions", migrate4},
}

// migrate4 keeps the web console's sessions (see Sessions), their flashes and the
// sign-in links not used yet.
func migrate4(ctx context.Context, _ *Log, tx *sql.Tx) error {
	return exec(ctx, tx,
		`CREATE TABLE console_sessions (
			id      TEXT PRIMARY KEY,  -- SHA-256 of the cookie's token, never the token
			who     TEXT NOT NULL,     -- the moderator's identity, JSON
			csrf    TEXT NOT NULL,
			agent   TEXT NOT NULL,     -- hash of the browser's User-Agent
			created INTEGER NOT NULL,  -- unix milliseconds
			seen    INTEGER NOT NULL,
			expires INTEGER NOT NULL
		)`,
		`CREATE INDEX console_sessions_expires ON console_sessions (expires)`,
		`CREATE TABLE console_flashes (
			id         INTEGER PRIMARY KEY AUTOINCREMENT,
			session_id TEXT NOT NULL REFERENCES console_sessions (id) ON DELETE CASCADE,
			error      INTEGER NOT NULL,
			text       TEXT NOT NULL,
			link       TEXT NOT NULL DEFAULT ''
		)`,
		`CREATE INDEX console_flashes_session ON console_flashes (session_id)`,
		`CREATE TABLE console_links (
			id      TEXT PRIMARY KEY,  -- SHA-256 of the link's token, never the token
			who     TEXT NOT NULL,     -- whom it signs in, JSON
			expires INTEGER NOT NULL   -- unix milliseconds
		)`,
	)
}

// migrate3 keeps whether a message was flagged urgent; the questions recorded before
// count as not urgent.
func migrate3(ctx context.Context, _ *Log, tx *sql.Tx) error {
	return exec(ctx, tx, `ALTER TABLE questions ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0`)
}

// migrate1 once also stored the key that hashes user ids in settings; it lives in a
// file of its own now (see loadKey, which moves it out of older databases).
func migrate1(ctx context.Context, _ *Log, tx *sql.Tx) error {
	return exec(ctx, tx,
		`CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
		`CREATE TABLE questions (
			id          TEXT PRIMARY KEY,  -- the reply id
			time        INTEGER NOT NULL,  -- unix milliseconds
			platform    TEXT NOT NULL,
			user_hash   TEXT NOT NULL,     -- keyed hash of platform and user id
			question    TEXT,              -- NULL once the retention has passed
			kind        TEXT NOT NULL,
			entry_id    TEXT NOT NULL DEFAULT '',
			confidence  REAL NOT NULL DEFAULT 0,
			suggestions TEXT NOT NULL DEFAULT '[]', -- JSON array of entry ids
			latency_ms  INTEGER NOT NULL DEFAULT 0,
			from_answer TEXT NOT NULL DEFAULT ''    -- the reply whose button was pressed
		)`,
		`CREATE INDEX questions_time ON questions (time)`,
		`CREATE TABLE feedback (
			answer_id TEXT NOT NULL,
			user_hash TEXT NOT NULL,
			helpful   INTEGER NOT NULL,
			time      INTEGER NOT NULL,
			PRIMARY KEY (answer_id, user_hash)
		)`,
	)
}

func migrate2(ctx context.Context, l *Log, tx *sql.Tx) error {
	err := exec(ctx, tx,
		`ALTER TABLE questions ADD COLUMN qkey TEXT`, // the question folded, to count repeats
		`CREATE INDEX questions_qkey ON questions (qkey)`,
		`CREATE INDEX questions_user ON questions (user_hash)`,
		`CREATE INDEX feedback_user ON feedback (user_hash)`,
		`CREATE TABLE suggestions (
			id       INTEGER PRIMARY KEY AUTOINCREMENT,
			entry_id TEXT NOT NULL,
			question TEXT NOT NULL,
			qkey     TEXT NOT NULL,
			reason   TEXT NOT NULL,
			status   TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'rejected')),
			created  INTEGER NOT NULL,
			resolved INTEGER,
			UNIQUE (entry_id, qkey)
		)`,
		// A suggestion lives as long as one of the questions it comes from.
		`CREATE TABLE suggestion_sources (
			suggestion_id INTEGER NOT NULL REFERENCES suggestions (id) ON DELETE CASCADE,
			question_id   TEXT NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
			PRIMARY KEY (suggestion_id, question_id)
		)`,
		`CREATE INDEX suggestion_sources_question ON suggestion_sources (question_id)`,
		`CREATE TABLE lost (day TEXT PRIMARY KEY, count INTEGER NOT NULL)`,
	)
	if err != nil {
		return err
	}
	// Fill the new column, and propose what version 1 recorded but could not propose.
	type row struct{ id, text string }
	var rows []row
	if err := query(ctx, tx, `SELECT id, question FROM questions WHERE question IS NOT NULL`, func(s scanner) error {
		var r row
		err := s.Scan(&r.id, &r.text)
		rows = append(rows, r)
		return err
	}); err != nil {
		return err
	}
	for _, r := range rows {
		if _, err := tx.ExecContext(ctx, `UPDATE questions SET qkey = ? WHERE id = ?`, phrasing.Key(r.text), r.id); err != nil {
			return err
		}
	}
	type choice struct {
		from, entry string
		at          int64
	}
	var choices []choice
	if err := query(ctx, tx, `SELECT from_answer, entry_id, time FROM questions
		WHERE from_answer != '' AND entry_id != '' ORDER BY time`, func(s scanner) error {
		var c choice
		err := s.Scan(&c.from, &c.entry, &c.at)
		choices = append(choices, c)
		return err
	}); err != nil {
		return err
	}
	for _, c := range choices {
		if err := l.proposeChoice(ctx, tx, c.from, c.entry, time.UnixMilli(c.at)); err != nil {
			return err
		}
	}
	return nil
}

// migrate applies the migrations the database lacks, each in its own transaction. The
// transactions take the write lock first, so two processes opening a new file at once
// apply each migration once.
func (l *Log) migrate(ctx context.Context) error {
	if _, err := l.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	for {
		done, err := l.migrateOne(ctx)
		if err != nil || done {
			return err
		}
	}
}

func (l *Log) migrateOne(ctx context.Context) (done bool, err error) {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("schema: %w", err)
	}
	defer tx.Rollback()
	v, err := schemaVersion(ctx, tx)
	if err != nil {
		return false, err
	}
	if v > len(migrations) {
		return false, fmt.Errorf("schema version %d is newer than this smpbot knows (%d): run a newer smpbot", v, len(migrations))
	}
	if v >= l.target {
		return true, nil
	}
	m := migrations[v]
	if err := m.up(ctx, l, tx); err != nil {
		return false, fmt.Errorf("schema migration %d (%s): %w", v+1, m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version, name, applied) VALUES (?, ?, ?)`,
		v+1, m.name, millis(l.now())); err != nil {
		return false, fmt.Errorf("schema migration %d: %w", v+1, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("schema migration %d: %w", v+1, err)
	}
	l.log.Info("question log schema migrated", "version", v+1, "migration", m.name)
	return false, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func schemaVersion(ctx context.Context, q querier) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return v, nil
}

// SchemaVersion returns the version of the database's schema.
func (l *Log) SchemaVersion(ctx context.Context) (int, error) { return schemaVersion(ctx, l.db) }

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// exec runs statements in order.
func exec(ctx context.Context, x execer, stmts ...string) error {
	for _, s := range stmts {
		if _, err := x.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

type scanner interface{ Scan(dest ...any) error }

type rowQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// query calls each for every row of the result.
func query(ctx context.Context, q rowQuerier, sqlText string, each func(scanner) error, args ...any) error {
	rows, err := q.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
