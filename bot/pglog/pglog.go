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
//
// A database that does not answer does not stop the bot: see Log for what is queued
// meanwhile, and Start for a log opened before the database answers.
package pglog

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/phrasing"
	"github.com/smpbot/smpbot/bot/questionlog"
	"github.com/smpbot/smpbot/bot/userkey"
	"github.com/smpbot/smpbot/knowledge/pgschema"
)

// DefaultRetention is how long question texts are kept by default.
const DefaultRetention = questionlog.DefaultRetention

// DefaultQueueLimit is how many records (questions, feedback presses) a Log keeps in
// memory while its database does not answer; beyond it the newest are dropped and
// counted. A record takes a few hundred bytes: the default holds hours of a busy bot in
// a few megabytes.
const DefaultQueueLimit = 10000

// Log is the question log in one PostgreSQL database. It is safe for concurrent use,
// by any number of processes.
//
// While the database does not answer, Record and Feedback queue what they are given in
// memory (up to WithQueueLimit, oldest first) and return at once; a background writer
// retries with backoff and writes the queue in order when the database answers again.
// What does not fit is dropped and counted (Status, and the report's lost records once
// the database is back). A queued record never undoes a purge made meanwhile: see
// Record. The other writes (resolving suggestions, purges, key rotation) are not
// queued: they fail with ErrUnavailable, so that whoever asked knows to try again.
type Log struct {
	db       *pgxpool.Pool
	keyPath  string
	ukey     atomic.Pointer[userkey.File]
	log      *slog.Logger
	now      func() time.Time
	low      float64
	rescan   int
	target   int // schema version to migrate to; tests stop at older ones
	limit    int
	minRetry time.Duration
	maxRetry time.Duration

	stop context.CancelFunc // ends the background work
	done chan struct{}      // closed when it has ended

	mu        sync.Mutex
	ready     bool          // schema migrated and user key checked
	readyCh   chan struct{} // closed when ready
	refused   error         // why this log can never be used (another key, a newer schema)
	queue     []pending     // records waiting for the database, oldest first
	downSince time.Time     // when the database stopped answering; zero while it answers
	lastErr   error         // why it does not answer
	dropped   int64         // records dropped since start
	unsaved   map[string]int64
	wake      chan struct{} // tells the writer there is work
	changed   chan struct{} // closed and replaced whenever the queue shrinks
}

// pending is one queued write: a question or a feedback press.
type pending struct {
	asked    *bot.Asked
	feedback *bot.Feedback
}

// ErrUnavailable is returned by the writes that are not queued (and by the reports)
// while the database does not answer or the log is not set up yet.
var ErrUnavailable = bot.ErrLogUnavailable

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

// WithQueueLimit sets how many records wait in memory for a database that does not
// answer (default DefaultQueueLimit); beyond it they are dropped and counted.
func WithQueueLimit(n int) Option {
	return func(x *Log) {
		if n > 0 {
			x.limit = n
		}
	}
}

// WithRetry sets the backoff between attempts to reach a database that does not
// answer: from min, doubling up to max (default 250 ms to 5 s).
func WithRetry(min, max time.Duration) Option {
	return func(x *Log) {
		if min > 0 && max >= min {
			x.minRetry, x.maxRetry = min, max
		}
	}
}

// Open connects to the database at url (a postgres:// URL or a key=value string),
// brings its schema up to date and loads the user key; it fails when the database
// does not answer. For the command line: a running bot uses Start.
func Open(ctx context.Context, url string, opts ...Option) (*Log, error) {
	l, err := newLog(url, opts)
	if err != nil {
		return nil, err
	}
	if err := l.setUp(ctx); err != nil {
		l.db.Close()
		return nil, fmt.Errorf("question log: %w", err)
	}
	l.setReady()
	l.startWriter()
	return l, nil
}

// Start returns a Log at once, without waiting for the database: it connects, migrates
// and checks the user key in the background, retrying with backoff until it succeeds
// or Close, and queues the records given meanwhile (the background work ends with
// Close, after a Flush has had its chance). It fails only on a configuration
// error. A reason that retrying cannot mend (another user key, a newer schema) is
// logged and shown by Status; the log then drops what it is given.
func Start(url string, opts ...Option) (*Log, error) {
	l, err := newLog(url, opts)
	if err != nil {
		return nil, err
	}
	// With its key file at hand the log hashes user ids from the start (logs show the
	// hashes); the database checks the key once it answers.
	if f, err := userkey.Open(l.keyPath); err == nil {
		l.ukey.Store(f)
	}
	l.startWriter()
	l.signal()
	return l, nil
}

func newLog(url string, opts []Option) (*Log, error) {
	l := &Log{log: slog.New(slog.DiscardHandler), now: time.Now, low: 0.6, rescan: 30, target: len(schema.Migrations),
		limit: DefaultQueueLimit, minRetry: 250 * time.Millisecond, maxRetry: 5 * time.Second,
		unsaved: map[string]int64{}, readyCh: make(chan struct{}), wake: make(chan struct{}, 1), changed: make(chan struct{}), done: make(chan struct{})}
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
	if cfg.ConnConfig.ConnectTimeout == 0 {
		// A host that drops packets would otherwise hold a write until the OS gives up.
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	db, err := pgxpool.NewWithConfig(context.Background(), cfg) // connects lazily
	if err != nil {
		return nil, fmt.Errorf("question log: %w", err)
	}
	l.db = db
	return l, nil
}

// setUp migrates the schema and checks the user key.
func (l *Log) setUp(ctx context.Context) error {
	if err := l.migrate(ctx); err != nil {
		return err
	}
	return l.loadKey(ctx)
}

// Close stops the background writer and closes the connections. Records still queued
// are dropped, and logged; call Flush first to give them a chance.
func (l *Log) Close() error {
	l.stop()
	<-l.done
	l.mu.Lock()
	if n := len(l.queue); n > 0 {
		l.dropped += int64(n)
		l.queue = nil
		l.log.Warn("question log closed with records not written: the database did not answer", "records", n, "since", l.downSince)
	}
	l.mu.Unlock()
	l.db.Close()
	return nil
}

// Ping reports whether the database answers. A failure counts as the start of an
// outage, which lasts until the database answers again.
func (l *Log) Ping(ctx context.Context) error {
	err := l.db.Ping(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.markDownLocked(err)
		l.signal()
		return err
	}
	if l.ready && len(l.queue) == 0 && len(l.unsaved) == 0 {
		l.downSince, l.lastErr = time.Time{}, nil
	}
	return nil
}

// UserHash returns the keyed hash the log stores for a platform user id; "" while the
// key is not known yet (a first start with the database away).
func (l *Log) UserHash(platform, user string) string {
	k := l.ukey.Load()
	if k == nil {
		return ""
	}
	return k.Hash(platform, user)
}

// key returns the user key, or ErrUnavailable before it is checked.
func (l *Log) key() (*userkey.File, error) {
	if err := l.usable(); err != nil {
		return nil, err
	}
	return l.ukey.Load(), nil
}

// usable returns why the log cannot serve a write that is not queued or a report:
// refused for good, or not set up yet.
func (l *Log) usable() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.refused != nil {
		return fmt.Errorf("question log: %w", l.refused)
	}
	if !l.ready {
		return l.unavailableLocked()
	}
	return nil
}

func (l *Log) unavailableLocked() error {
	if l.downSince.IsZero() {
		return fmt.Errorf("%w: not reached yet", ErrUnavailable)
	}
	if l.lastErr != nil {
		return fmt.Errorf("%w since %s: %v", ErrUnavailable, l.downSince.UTC().Format(time.RFC3339), l.lastErr)
	}
	return fmt.Errorf("%w since %s", ErrUnavailable, l.downSince.UTC().Format(time.RFC3339))
}

// loadKey reads the key file, creating it when the database has no fingerprint yet,
// and checks it against the fingerprint the other processes recorded.
func (l *Log) loadKey(ctx context.Context) error {
	retried := false
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
				return permanent(fmt.Errorf("user key %s differs from the key the other processes on this database hash user ids with: give every process the same key file", l.keyPath))
			}
			l.ukey.Store(f)
			return nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return permanent(err)
		}
		var n int
		if err := l.db.QueryRow(ctx, `SELECT count(*) FROM settings WHERE key = 'user_key_fingerprint'`).Scan(&n); err != nil {
			return fmt.Errorf("reading the user key fingerprint: %w", err)
		}
		if n > 0 {
			// Another process may have created the file and recorded its fingerprint
			// between our look and the count: look once more before refusing.
			if _, err := os.Stat(l.keyPath); err == nil && !retried {
				retried = true
				continue
			}
			return permanent(fmt.Errorf("user key %s is missing, and this database is used with a key: copy the key file of the other processes there", l.keyPath))
		}
		hexKey, err := userkey.New()
		if err != nil {
			return permanent(err)
		}
		if err := userkey.Install(l.keyPath, hexKey, false); err != nil && !errors.Is(err, fs.ErrExist) {
			return permanent(err)
		}
		// Created, or another process created it first: read it back.
	}
}

// Record implements bot.QuestionLog. A suggestion chosen after a reply that did not
// answer well proposes that reply's question as a phrasing of the chosen entry.
//
// While the database does not answer, the record is queued (see Log) and Record
// returns nil. A record written late never undoes a purge made since it was asked:
// one by a person purged since (data purge --user) is not stored; one older than the
// retention's last cut, or than the last key rotation, is stored as those left the
// others, without its text and tied to nobody.
func (l *Log) Record(ctx context.Context, a bot.Asked) error {
	if a.ID == "" {
		return errors.New("question log: record without a reply id")
	}
	if a.Time.IsZero() {
		a.Time = l.now()
	}
	return l.submit(ctx, pending{asked: &a})
}

// Feedback implements bot.QuestionLog; a second press by the same person on the same
// answer replaces the first. While the database does not answer, the press is queued
// behind the record of the reply it judges, and a press on a reply the log does not
// hold is dropped when the queue is written, not refused.
func (l *Log) Feedback(ctx context.Context, f bot.Feedback) error {
	if f.AnswerID == "" {
		return errors.New("question log: feedback without an answer id")
	}
	if f.Time.IsZero() {
		f.Time = l.now()
	}
	return l.submit(ctx, pending{feedback: &f})
}

// write stores one record.
func (l *Log) write(ctx context.Context, p pending) error {
	if p.asked != nil {
		return l.writeAsked(ctx, *p.asked)
	}
	return l.writeFeedback(ctx, *p.feedback)
}

// guard is what the purges made since a record was made require of it.
type guard struct {
	gone   bool // its person was purged since: store nothing
	unlink bool // older than a retention cut or a key rotation: no text, nobody
}

// guardQuery selects gone and unlink (see guard) for the record of the user hash
// given by the placeholder hash, made at the placeholder at.
func guardQuery(hash, at string) string {
	return `SELECT EXISTS (SELECT 1 FROM purged_users WHERE user_hash = ` + hash + ` AND purged_at > ` + at + `) AS gone,
		coalesce(bool_or(` + at + ` < value::timestamptz), false) AS unlink
		FROM settings WHERE key IN ('purged_before', 'key_rotated')`
}

func guardOf(ctx context.Context, q pgschema.RowQuerier, userHash string, at time.Time) (guard, error) {
	var g guard
	err := q.QueryRow(ctx, guardQuery("$1", "$2"), userHash, at).Scan(&g.gone, &g.unlink)
	return g, err
}

func (l *Log) writeAsked(ctx context.Context, a bot.Asked) error {
	hash := l.UserHash(a.Platform, a.User)
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
		// A record retried after a timeout is stored once. The guard (see guardOf) is
		// part of the insert, to keep a record to one round trip.
		if _, err := tx.Exec(ctx, `WITH g AS (`+guardQuery("$4", "$2")+`)
			INSERT INTO questions
			(id, time, platform, user_hash, question, qkey, kind, entry_id, confidence, suggestions, latency_ms, from_answer, urgent)
			SELECT $1, $2, $3, CASE WHEN g.unlink THEN '' ELSE $4 END,
				CASE WHEN g.unlink THEN NULL ELSE $5::text END, CASE WHEN g.unlink THEN NULL ELSE $6::text END,
				$7, $8, $9, $10, $11, $12, $13
			FROM g WHERE NOT g.gone
			ON CONFLICT (id) DO NOTHING`,
			a.ID, a.Time, a.Platform, hash, text, qkey, string(a.Kind), a.EntryID,
			a.Confidence, sugg, a.Latency.Milliseconds(), a.FromAnswer, a.Urgent); err != nil {
			return fmt.Errorf("recording a question: %w", err)
		}
		// A question of a person purged since, or unlinked, has no text to propose.
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

func (l *Log) writeFeedback(ctx context.Context, f bot.Feedback) error {
	hash := l.UserHash(f.Platform, f.User)
	err := pgx.BeginFunc(ctx, l.db, func(tx pgx.Tx) error {
		g, err := guardOf(ctx, tx, hash, f.Time)
		if err != nil {
			return err
		}
		if g.gone {
			return nil
		}
		if g.unlink {
			// Unique like the placeholders purges leave.
			hash = "purged-late-" + strconv.FormatInt(f.Time.UnixNano(), 36) + "-" + f.AnswerID
		}
		tag, err := tx.Exec(ctx, `INSERT INTO feedback (answer_id, user_hash, helpful, time)
			SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM questions WHERE id = $1)
			ON CONFLICT (answer_id, user_hash) DO UPDATE SET helpful = excluded.helpful, time = excluded.time`,
			f.AnswerID, hash, f.Helpful, f.Time)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return bot.ErrUnknownReply
		}
		return nil
	})
	if errors.Is(err, bot.ErrUnknownReply) {
		return fmt.Errorf("question log: %w", err)
	}
	if err != nil {
		return fmt.Errorf("question log: recording feedback: %w", err)
	}
	return nil
}

// CountLost implements bot.LossCounter: n records were lost around at. While the
// database does not answer, the count waits in memory with the log's own.
func (l *Log) CountLost(ctx context.Context, at time.Time, n int64) error {
	if l.usable() == nil {
		err := l.saveLost(ctx, day(at), n)
		if err == nil || !unreachable(err) {
			return err
		}
	}
	l.mu.Lock()
	l.unsaved[day(at)] += n
	l.mu.Unlock()
	l.signal()
	return nil
}

func (l *Log) saveLost(ctx context.Context, day string, n int64) error {
	_, err := l.db.Exec(ctx, `INSERT INTO lost (day, count) VALUES ($1, $2)
		ON CONFLICT (day) DO UPDATE SET count = lost.count + excluded.count`, day, n)
	if err != nil {
		return fmt.Errorf("question log: counting lost records: %w", err)
	}
	return nil
}

var day = questionlog.Day

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
	if text == nil || !questionlog.Unanswered(kind, confidence, l.low) || !slices.Contains(sugg, entryID) || !phrasing.Proposable(*text) {
		return nil
	}
	_, err = propose(ctx, tx, entryID, *text, *qkey, questionlog.ReasonChoice, at, []string{fromID})
	return err
}

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
