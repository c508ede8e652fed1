// Package pglog is the question log in a PostgreSQL database, for deployments that run
// several smpbot processes (Discord shards, webhook replicas): every process records
// into, and reports read from, one log. It keeps what bot/sqlitelog keeps, with the
// same contracts (bot.QuestionLog, bot.Reports, bot.Activity, bot.LossCounter),
// retention, purges and key rotation.
//
// The key that hashes user ids is shared configuration: a file (bot/userkey) that every
// process sharing the database must hold with the same content. The database keeps only
// a fingerprint of it, so that a process with another key refuses to start instead of
// writing hashes that no purge would find.
//
// The schema lives in the search_path's first schema; migrations run at start under an
// advisory lock, so processes starting together apply each migration once.
package pglog

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/phrasing"
	"github.com/smpbot/smpbot/bot/userkey"
)

// DefaultRetention is how long question texts are kept by default.
const DefaultRetention = 90 * 24 * time.Hour

// Log is the question log in one PostgreSQL database. It is safe for concurrent use,
// by any number of processes.
type Log struct {
	db      *pgxpool.Pool
	keyPath string
	ukey    *userkey.File
	log     *slog.Logger
	now     func() time.Time
	low     float64
	rescan  int
	target  int // schema version to migrate to; tests stop at older ones
}

var (
	_ bot.QuestionLog = (*Log)(nil)
	_ bot.Reports     = (*Log)(nil)
	_ bot.Activity    = (*Log)(nil)
	_ bot.LossCounter = (*Log)(nil)
)

// Option configures a Log.
type Option func(*Log)

// WithLogger sets the logger; the default discards.
func WithLogger(l *slog.Logger) Option { return func(x *Log) { x.log = l } }

// WithClock sets the clock used for report windows and retention (default time.Now).
func WithClock(now func() time.Time) Option { return func(x *Log) { x.now = now } }

// WithLowConfidence sets the confidence under which an answer counts as unanswered in
// reports, with the declines (default 0.6: the FAQ answers from 0.5).
func WithLowConfidence(c float64) Option { return func(x *Log) { x.low = c } }

// WithRescanDays sets how far back Rescan looks for questions that an edited FAQ may
// now answer (default 30 days).
func WithRescanDays(days int) Option { return func(x *Log) { x.rescan = days } }

// WithKeyFile sets the file of the key that hashes user ids (required). It is created
// when missing and the database holds no fingerprint yet (the first process); otherwise
// it must hold the key the other processes use.
func WithKeyFile(path string) Option { return func(x *Log) { x.keyPath = path } }

// Open connects to the database at url (a postgres:// URL or a key=value string),
// brings its schema up to date and loads the user key.
func Open(ctx context.Context, url string, opts ...Option) (*Log, error) {
	l := &Log{log: slog.New(slog.DiscardHandler), now: time.Now, low: 0.6, rescan: 30, target: len(schema.Migrations)}
	for _, o := range opts {
		o(l)
	}
	if l.keyPath == "" {
		return nil, errors.New("question log: no user key file given")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The error may quote the URL, password included.
		return nil, errors.New("question log: database URL not understood (postgres://USER:PASSWORD@HOST:PORT/DATABASE)")
	}
	db, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("question log: %w", err)
	}
	l.db = db
	if err := l.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("question log: %w", err)
	}
	if err := l.loadKey(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("question log: %w", err)
	}
	return l, nil
}

// Close closes the connections.
func (l *Log) Close() error {
	l.db.Close()
	return nil
}

// Ping reports whether the database answers.
func (l *Log) Ping(ctx context.Context) error { return l.db.Ping(ctx) }

// UserHash returns the keyed hash the log stores for a platform user id.
func (l *Log) UserHash(platform, user string) string { return l.ukey.Hash(platform, user) }

// loadKey reads the key file, creating it when the database has no fingerprint yet,
// and checks it against the fingerprint the other processes recorded.
func (l *Log) loadKey(ctx context.Context) error {
	for {
		f, err := userkey.Open(l.keyPath)
		if err == nil {
			if err := userkey.SecurePerms(l.keyPath, l.log); err != nil {
				return err
			}
			// The first process to get here records its fingerprint; the others must match it.
			if _, err := l.db.Exec(ctx, `INSERT INTO settings (key, value) VALUES ('user_key_fingerprint', $1)
				ON CONFLICT (key) DO NOTHING`, f.Fingerprint()); err != nil {
				return fmt.Errorf("recording the user key fingerprint: %w", err)
			}
			var fp string
			if err := l.db.QueryRow(ctx, `SELECT value FROM settings WHERE key = 'user_key_fingerprint'`).Scan(&fp); err != nil {
				return fmt.Errorf("reading the user key fingerprint: %w", err)
			}
			if fp != f.Fingerprint() {
				return fmt.Errorf("user key %s differs from the key the other processes on this database hash user ids with: give every process the same key file", l.keyPath)
			}
			l.ukey = f
			return nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		var n int
		if err := l.db.QueryRow(ctx, `SELECT count(*) FROM settings WHERE key = 'user_key_fingerprint'`).Scan(&n); err != nil {
			return fmt.Errorf("reading the user key fingerprint: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("user key %s is missing, and this database is used with a key: copy the key file of the other processes there", l.keyPath)
		}
		hexKey, err := userkey.New()
		if err != nil {
			return err
		}
		if err := userkey.Install(l.keyPath, hexKey, false); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		// Created, or another process created it first: read it back.
	}
}

// Record implements bot.QuestionLog. A suggestion chosen after a reply that did not
// answer well proposes that reply's question as a phrasing of the chosen entry.
func (l *Log) Record(ctx context.Context, a bot.Asked) error {
	if a.ID == "" {
		return errors.New("question log: record without a reply id")
	}
	if a.Time.IsZero() {
		a.Time = l.now()
	}
	var text, qkey *string
	if a.Question != "" {
		k := phrasing.Key(a.Question)
		text, qkey = &a.Question, &k
	}
	sugg := a.Suggestions
	if sugg == nil {
		sugg = []string{}
	}
	err := pgx.BeginFunc(ctx, l.db, func(tx pgx.Tx) error {
		// A record retried after a timeout is stored once.
		if _, err := tx.Exec(ctx, `INSERT INTO questions
			(id, time, platform, user_hash, question, qkey, kind, entry_id, confidence, suggestions, latency_ms, from_answer)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING`,
			a.ID, a.Time, a.Platform, l.ukey.Hash(a.Platform, a.User), text, qkey, string(a.Kind), a.EntryID,
			a.Confidence, sugg, a.Latency.Milliseconds(), a.FromAnswer); err != nil {
			return fmt.Errorf("recording a question: %w", err)
		}
		if a.FromAnswer != "" && a.EntryID != "" {
			if err := l.proposeChoice(ctx, tx, a.FromAnswer, a.EntryID, a.Time); err != nil {
				return fmt.Errorf("linking a chosen suggestion: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("question log: %w", err)
	}
	return nil
}

// Feedback implements bot.QuestionLog; a second press by the same person on the same
// answer replaces the first.
func (l *Log) Feedback(ctx context.Context, f bot.Feedback) error {
	if f.AnswerID == "" {
		return errors.New("question log: feedback without an answer id")
	}
	if f.Time.IsZero() {
		f.Time = l.now()
	}
	tag, err := l.db.Exec(ctx, `INSERT INTO feedback (answer_id, user_hash, helpful, time)
		SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM questions WHERE id = $1)
		ON CONFLICT (answer_id, user_hash) DO UPDATE SET helpful = excluded.helpful, time = excluded.time`,
		f.AnswerID, l.ukey.Hash(f.Platform, f.User), f.Helpful, f.Time)
	if err != nil {
		return fmt.Errorf("question log: recording feedback: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("question log: %w", bot.ErrUnknownReply)
	}
	return nil
}

// CountLost implements bot.LossCounter: n records were lost around at.
func (l *Log) CountLost(ctx context.Context, at time.Time, n int64) error {
	_, err := l.db.Exec(ctx, `INSERT INTO lost (day, count) VALUES ($1, $2)
		ON CONFLICT (day) DO UPDATE SET count = lost.count + excluded.count`, day(at), n)
	if err != nil {
		return fmt.Errorf("question log: counting lost records: %w", err)
	}
	return nil
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// unanswered reports whether a reply of kind with confidence counts as not answered
// well: a decline, or an answer below the low-confidence line.
func (l *Log) unanswered(kind string, confidence float64) bool {
	return kind == string(bot.KindNoMatch) || kind == string(bot.KindAnswer) && confidence < l.low
}

// proposeChoice proposes the question of the reply fromID as a phrasing of entryID,
// which the person chose among that reply's suggestions.
func (l *Log) proposeChoice(ctx context.Context, tx pgx.Tx, fromID, entryID string, at time.Time) error {
	var (
		text, qkey *string
		kind       string
		confidence float64
		sugg       []string
	)
	err := tx.QueryRow(ctx, `SELECT question, qkey, kind, confidence, suggestions FROM questions WHERE id = $1`, fromID).
		Scan(&text, &qkey, &kind, &confidence, &sugg)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // the reply was not recorded (lost) or has been purged
	}
	if err != nil {
		return err
	}
	if text == nil || !l.unanswered(kind, confidence) || !slices.Contains(sugg, entryID) || !phrasing.Proposable(*text) {
		return nil
	}
	_, err = propose(ctx, tx, entryID, *text, *qkey, reasonChoice, at, []string{fromID})
	return err
}

// Reasons for a phrasing suggestion.
const (
	reasonChoice = "chose-suggestion"
	reasonRescan = "matches-after-edit"
)

// propose adds an open suggestion of text for entryID, unless that phrasing was already
// proposed for that entry (whatever became of it), and links it to the questions it
// comes from. It reports whether the suggestion is new.
func propose(ctx context.Context, tx pgx.Tx, entryID, text, qkey, reason string, at time.Time, from []string) (bool, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO suggestions (entry_id, question, qkey, reason, status, created)
		VALUES ($1, $2, $3, $4, 'open', $5) ON CONFLICT (entry_id, qkey) DO NOTHING`,
		entryID, text, qkey, reason, at)
	if err != nil {
		return false, err
	}
	var id int64
	if err := tx.QueryRow(ctx, `SELECT id FROM suggestions WHERE entry_id = $1 AND qkey = $2`, entryID, qkey).Scan(&id); err != nil {
		return false, err
	}
	// Only questions still held can be sources (a purge may have run since).
	if _, err := tx.Exec(ctx, `INSERT INTO suggestion_sources (suggestion_id, question_id)
		SELECT $1, q.id FROM questions q WHERE q.id = ANY($2) ON CONFLICT DO NOTHING`, id, from); err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

func mustHex(s string) []byte {
	b, _ := hex.DecodeString(s)
	return b
}
