// Package sqlitelog is the question log in an embedded SQLite database (pure Go, no
// cgo): what people asked, how the bot replied, what they thought of the answers, and
// the phrasing suggestions moderators accept or reject. It implements bot.QuestionLog
// and bot.Reports.
//
// What is stored, per question: the time, the platform, a keyed hash of the user id
// (HMAC-SHA256 with a secret generated for this installation and kept in a key file
// beside the database, never in it, so that a copy of the database alone cannot be
// brute-forced back to ids; never the raw id), the cleaned question text, the kind of reply, the entry
// and its confidence, the entries suggested, the latency, whether the message was
// flagged urgent and, for a suggestion button, which earlier reply it came from. Per feedback press: the reply, the hashed user,
// helpful or not, the time. Chat ids are not stored.
//
// Purge removes question texts (and the user hashes) older than the retention, and the
// suggestions made from them; PurgeUser removes everything held on one user.
package sqlitelog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/phrasing"
	"github.com/smpbot/smpbot/bot/questionlog"
	"github.com/smpbot/smpbot/bot/userkey"
	"modernc.org/sqlite" // also registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"
)

// FileName is the question log's file in a data directory.
const FileName = "questions.db"

// Log is the question log in one SQLite file. It is safe for concurrent use, and
// several processes (the bot and the command line) may use the same file.
type Log struct {
	db      *sql.DB
	keyPath string        // file of the per-installation secret for hashing user ids
	ukey    *userkey.File // that secret, re-read when its file is replaced
	log     *slog.Logger
	now     func() time.Time
	busy    time.Duration
	low     float64
	rescan  int
	target  int // schema version to migrate to; tests stop at older ones
}

var (
	_ bot.QuestionLog = (*Log)(nil)
	_ bot.Reports     = (*Log)(nil)
	_ bot.LossCounter = (*Log)(nil)
)

// Option configures a Log.
type Option func(*Log)

// WithLogger sets the logger; the default discards.
func WithLogger(l *slog.Logger) Option { return func(x *Log) { x.log = l } }

// WithClock sets the clock used for report windows and retention (default time.Now).
func WithClock(now func() time.Time) Option { return func(x *Log) { x.now = now } }

// WithBusyTimeout sets how long a write waits for another writer (another process)
// before failing (default 5 s).
func WithBusyTimeout(d time.Duration) Option { return func(x *Log) { x.busy = d } }

// WithLowConfidence sets the confidence under which an answer counts as unanswered in
// reports, with the declines (default 0.6: the FAQ answers from 0.5).
func WithLowConfidence(c float64) Option { return func(x *Log) { x.low = c } }

// WithRescanDays sets how far back Rescan looks for questions that an edited FAQ may
// now answer (default 30 days).
func WithRescanDays(days int) Option { return func(x *Log) { x.rescan = days } }

// Open opens or creates the question log at path and brings its schema up to date.
func Open(ctx context.Context, path string, opts ...Option) (*Log, error) {
	l := &Log{log: slog.New(slog.DiscardHandler), now: time.Now, busy: 5 * time.Second,
		low: 0.6, rescan: 30, target: len(migrations)}
	for _, o := range opts {
		o(l)
	}
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("question log: unusable database path %q", path)
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", l.busy.Milliseconds()))
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	// Deleted question texts are overwritten, not left in free pages.
	q.Add("_pragma", "secure_delete(1)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("question log %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	l.db = db
	if err := l.useWAL(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("question log %s: %w", path, err)
	}
	if err := l.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("question log %s: %w", path, err)
	}
	if l.keyPath == "" {
		l.keyPath = filepath.Join(filepath.Dir(path), KeyFile)
	}
	if err := l.loadKey(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("question log %s: %w", path, err)
	}
	return l, nil
}

// useWAL switches the database to write-ahead logging, so that readers (reports, the
// command line) do not block the bot's writes. The mode is kept in the file, so this is
// done once per Open, not as a pragma of every connection. SQLite answers SQLITE_BUSY at
// once, without waiting in the busy handler, when two connections switch a new file at
// the same moment (each holds a read lock the other's switch must wait for), so the
// switch is retried for as long as the busy timeout.
func (l *Log) useWAL(ctx context.Context) error {
	deadline := time.Now().Add(l.busy)
	pause := 5 * time.Millisecond
	for {
		var mode string
		err := l.db.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode)
		if err == nil {
			if !strings.EqualFold(mode, "wal") {
				l.log.Warn("question log is not in WAL mode: readers may delay writes", "journal_mode", mode)
			}
			return nil
		}
		var se *sqlite.Error
		if !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return fmt.Errorf("journal mode: %w", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("journal mode: %w", ctx.Err())
		case <-time.After(pause):
		}
		pause = min(2*pause, 100*time.Millisecond)
	}
}

// Close closes the database.
func (l *Log) Close() error { return l.db.Close() }

func millis(t time.Time) int64 { return t.UnixMilli() }

// Record implements bot.QuestionLog. A suggestion chosen after a reply that did not
// answer well proposes that reply's question as a phrasing of the chosen entry.
func (l *Log) Record(ctx context.Context, a bot.Asked) error {
	if a.ID == "" {
		return errors.New("question log: record without a reply id")
	}
	if a.Time.IsZero() {
		a.Time = l.now()
	}
	sugg, err := json.Marshal(a.Suggestions)
	if err != nil {
		return err
	}
	text := sql.NullString{String: a.Question, Valid: a.Question != ""}
	qkey := sql.NullString{String: phrasing.Key(a.Question), Valid: a.Question != ""}
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("question log: %w", err)
	}
	defer tx.Rollback()
	// A record retried after a timeout is stored once.
	_, err = tx.ExecContext(ctx, `INSERT INTO questions
		(id, time, platform, user_hash, question, qkey, kind, entry_id, confidence, suggestions, latency_ms, from_answer, urgent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
		a.ID, millis(a.Time), a.Platform, l.hash(a.Platform, a.User), text, qkey, string(a.Kind), a.EntryID,
		a.Confidence, string(sugg), a.Latency.Milliseconds(), a.FromAnswer, a.Urgent)
	if err != nil {
		return fmt.Errorf("question log: recording a question: %w", err)
	}
	if a.FromAnswer != "" && a.EntryID != "" {
		if err := l.proposeChoice(ctx, tx, a.FromAnswer, a.EntryID, a.Time); err != nil {
			return fmt.Errorf("question log: linking a chosen suggestion: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
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
	helpful := 0
	if f.Helpful {
		helpful = 1
	}
	res, err := l.db.ExecContext(ctx, `INSERT INTO feedback (answer_id, user_hash, helpful, time)
		SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM questions WHERE id = ?)
		ON CONFLICT(answer_id, user_hash) DO UPDATE SET helpful = excluded.helpful, time = excluded.time`,
		f.AnswerID, l.hash(f.Platform, f.User), helpful, millis(f.Time), f.AnswerID)
	if err != nil {
		return fmt.Errorf("question log: recording feedback: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("question log: recording feedback: %w", err)
	} else if n == 0 {
		return fmt.Errorf("question log: %w", bot.ErrUnknownReply)
	}
	return nil
}

// CountLost implements bot.LossCounter: n records were lost around at.
func (l *Log) CountLost(ctx context.Context, at time.Time, n int64) error {
	_, err := l.db.ExecContext(ctx, `INSERT INTO lost (day, count) VALUES (?, ?)
		ON CONFLICT(day) DO UPDATE SET count = count + excluded.count`, day(at), n)
	if err != nil {
		return fmt.Errorf("question log: counting lost records: %w", err)
	}
	return nil
}

var day = questionlog.Day

// proposeChoice proposes the question of the reply fromID as a phrasing of entryID,
// which the person chose among that reply's suggestions.
func (l *Log) proposeChoice(ctx context.Context, tx *sql.Tx, fromID, entryID string, at time.Time) error {
	var (
		text, qkey sql.NullString
		kind, sugg string
		confidence float64
	)
	err := tx.QueryRowContext(ctx, `SELECT question, qkey, kind, confidence, suggestions FROM questions WHERE id = ?`, fromID).
		Scan(&text, &qkey, &kind, &confidence, &sugg)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // the reply was not recorded (lost) or has been purged
	}
	if err != nil {
		return err
	}
	if !text.Valid || !questionlog.Unanswered(kind, confidence, l.low) || !slices.Contains(suggestionIDs(sugg), entryID) || !phrasing.Proposable(text.String) {
		return nil
	}
	_, err = propose(ctx, tx, entryID, text.String, qkey.String, questionlog.ReasonChoice, at, []string{fromID})
	return err
}

// suggestionIDs reads the JSON list of suggested entry ids stored with a question.
func suggestionIDs(suggestionsJSON string) []string {
	var ids []string
	if json.Unmarshal([]byte(suggestionsJSON), &ids) != nil {
		return nil
	}
	return ids
}

// propose adds an open suggestion of text for entryID, unless that phrasing was already
// proposed for that entry (whatever became of it), and links it to the questions it
// comes from. It reports whether the suggestion is new.
func propose(ctx context.Context, tx *sql.Tx, entryID, text, qkey, reason string, at time.Time, from []string) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO suggestions (entry_id, question, qkey, reason, status, created)
		VALUES (?, ?, ?, ?, 'open', ?) ON CONFLICT(entry_id, qkey) DO NOTHING`,
		entryID, text, qkey, reason, millis(at))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `SELECT id FROM suggestions WHERE entry_id = ? AND qkey = ?`, entryID, qkey).Scan(&id); err != nil {
		return false, err
	}
	for _, q := range from {
		if _, err := tx.ExecContext(ctx, `INSERT INTO suggestion_sources (suggestion_id, question_id) VALUES (?, ?)
			ON CONFLICT DO NOTHING`, id, q); err != nil {
			return false, err
		}
	}
	return n == 1, nil
}
