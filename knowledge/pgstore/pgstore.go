// Package pgstore keeps the FAQ in a PostgreSQL database that several smpbot processes
// share (Discord shards, webhook replicas), with the contract of knowledge.Store: the
// same entries and versions, every change validated against the whole FAQ, refused when
// based on a stale version (knowledge.ErrStale), and recorded in an audit log with its
// history and undo.
//
// Every change is one transaction that holds the row lock of the store's state, so
// changes from any number of processes are serialised: of two edits of the same version
// one wins and the other is refused as stale. The transaction announces the change with
// NOTIFY (delivered at commit); each process's Watch LISTENs on a connection of its own,
// loads the new FAQ and calls the OnChange hook. After a lost connection Watch connects
// again and reloads the FAQ, so no change made meanwhile is missed. What no
// notification announces (a database restored from an older backup, rows edited by
// hand) Watch finds by comparing, every ResyncEvery, the last change's number and a
// fingerprint of the rows with those of the FAQ in memory, and reloads, older or not.
//
// When the database cannot be reached the entries last loaded keep being served and
// changes fail with knowledge.ErrUnavailable.
//
// The tables live in the search_path's first schema; migrations run at start under an
// advisory lock (knowledge/pgschema), and an empty store is seeded from the embedded FAQ
// once, however many processes start together. With WaitForDatabase, a database lost
// at any point of that start-up makes it start again.
package pgstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/smpbot/smpbot/knowledge"
	"github.com/smpbot/smpbot/knowledge/pgschema"
)

var schema = pgschema.Set{What: "FAQ store", Table: "faq_schema_version", Migrations: []pgschema.Migration{
	{Name: "entries, audit log, state", Stmts: []string{
		// An entry is kept as its file (knowledge.Format), so versions, exports and
		// reviews are the same as the file store's.
		`CREATE TABLE faq_entries (id text PRIMARY KEY, body text NOT NULL)`,
		`CREATE TABLE faq_changes (
			seq      bigint PRIMARY KEY,
			time     timestamptz NOT NULL,
			actor    jsonb NOT NULL,
			action   text NOT NULL,
			batch    bigint NOT NULL DEFAULT 0,
			entry_id text NOT NULL,
			before   jsonb,  -- NULL when the entry did not exist
			after    jsonb   -- NULL when the entry was removed
		)`,
		`CREATE INDEX faq_changes_entry ON faq_changes (entry_id, seq)`,
		// One row: the seq of the last change, locked by every change; seeded says the
		// store has held a FAQ, so an empty one is seeded once only.
		`CREATE TABLE faq_state (
			one    boolean PRIMARY KEY DEFAULT true CHECK (one),
			seq    bigint NOT NULL,
			seeded boolean NOT NULL
		)`,
		`INSERT INTO faq_state (seq, seeded) VALUES (0, false)`,
	}},
}}

// Store is the FAQ in a PostgreSQL database. It is safe for concurrent use, by any
// number of processes.
type Store struct {
	db       *pgxpool.Pool
	listen   *pgx.ConnConfig // for Watch's connection of its own
	schema   string
	channel  string
	log      *slog.Logger
	onChange func([]knowledge.Entry)
	seed     bool
	timeout  time.Duration
	// retryMin and retryMax, when retryMax > 0, are the first and the longest wait
	// between Open's attempts to reach a database that does not answer.
	retryMin, retryMax time.Duration
	resync             time.Duration // how often Watch checks the FAQ in memory is the database's

	mu       sync.Mutex
	entries  map[string]knowledge.Entry
	order    []string
	seq      int64                      // the last change the entries in memory include
	fprint   string                     // the rows' fingerprint (fingerprintSQL) as loaded
	gen      uint64                     // counts the snapshots published
	bodies   map[string]knowledge.Entry // the entries by their rows' text; replaced, never changed
	problems []error

	// onStart, when set (by tests), hears each step of the start-up sequence as it
	// begins (stepConnect...).
	onStart func(step string)
	// onWatch, when set (by tests), hears Watch's connection come and go: "listening"
	// once it is listening and caught up, "lost" when it is lost.
	onWatch func(string)
}

// Option configures a Store.
type Option func(*Store)

// WithLogger sets the logger; the default discards.
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// OnChange registers f to be called with the whole FAQ after every change, whether made
// through this Store or, heard by Watch, by another process. f must not call back into
// the Store.
func OnChange(f func([]knowledge.Entry)) Option { return func(s *Store) { s.onChange = f } }

// WithoutSeed leaves a store that never held a FAQ empty instead of seeding it with the
// embedded FAQ: for importing a FAQ of one's own into a new database.
func WithoutSeed() Option { return func(s *Store) { s.seed = false } }

// WithTimeout sets how long an operation may wait for the database before it is
// counted as unreachable (default 5 s).
func WithTimeout(d time.Duration) Option { return func(s *Store) { s.timeout = d } }

// WaitForDatabase makes Open keep trying to reach a database that cannot be reached
// (knowledge.ErrUnavailable: refused, dropped or silent connections, or a server that
// takes none now: too many connections, still starting) instead of failing: it waits
// first, then doubles the wait up to most, logging each failed attempt as a warning,
// until the database answers or ctx is done. A database lost
// after it first answered, while the schema is migrated, the store seeded or the FAQ
// loaded, counts the same: the whole start-up is tried again. For a long-running
// process started before its database, or with it; other errors (an unknown database,
// a refused password, a URL not understood, a schema it cannot use, a permission
// denied) still fail at once.
func WaitForDatabase(first, most time.Duration) Option {
	return func(s *Store) { s.retryMin, s.retryMax = first, max(first, most) }
}

// DefaultResync is how often Watch checks, by default, that the FAQ in memory is the
// database's when no notification said it changed.
const DefaultResync = 30 * time.Second

// ResyncEvery sets how often Watch compares the FAQ in memory with the database's
// without being told of a change (default DefaultResync, at most 24 hours): the last
// change's number and a fingerprint of every entry row. It finds what no notification
// announced, a database restored from an older backup or rows edited by hand, and
// reloads the FAQ, even when the database went back to an older change. Each check is
// one query hashing the rows on the server, a few milliseconds for hundreds of
// entries; it also tells that an idle listening connection still works.
func ResyncEvery(d time.Duration) Option {
	return func(s *Store) {
		if d > 0 {
			s.resync = min(d, 24*time.Hour)
		}
	}
}

// Open connects to the database at url (a postgres:// URL or a key=value string),
// brings the schema up to date, seeds a store that never held a FAQ, and loads it.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	s := &Store{log: slog.New(slog.DiscardHandler), seed: true, timeout: 5 * time.Second, resync: DefaultResync}
	for _, o := range opts {
		o(s)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The error may quote the URL, password included.
		return nil, errors.New("FAQ store: database URL not understood (postgres://USER:PASSWORD@HOST:PORT/DATABASE)")
	}
	if cfg.ConnConfig.ConnectTimeout == 0 || cfg.ConnConfig.ConnectTimeout > s.timeout {
		cfg.ConnConfig.ConnectTimeout = s.timeout
	}
	// Edits are rare: a connection the database dropped while it sat idle must not cost
	// a moderator's edit, so each is checked as it is taken from the pool.
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return true }
	s.listen = cfg.ConnConfig.Copy()
	db, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("FAQ store: %w", err)
	}
	s.db = db
	if err := s.startUp(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("FAQ store: %w", err)
	}
	return s, nil
}

// startUp runs the start-up sequence (reach the database, migrate the schema, seed,
// load the FAQ) until it completes, as long as WaitForDatabase allows. A database lost
// anywhere on the way (a PostgreSQL restarting during a deploy answers the first ping
// and is gone at the migration) starts the whole sequence again, each step of which is
// safe to repeat; any other error ends it at once. The errors logged are pgx's, which
// name the host, user and database but never the password; the URL itself is never
// logged.
func (s *Store) startUp(ctx context.Context) error {
	wait := s.retryMin
	for attempt := 1; ; attempt++ {
		step, err := s.start(ctx)
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case !connectionLost(err):
			return fmt.Errorf("%s: %w", step, err)
		case s.retryMax <= 0:
			return fmt.Errorf("%w (%s: %v)", knowledge.ErrUnavailable, step, err)
		}
		// pgx's own error: ErrUnavailable's text speaks of edits and answers, which
		// there are none of yet.
		s.log.WarnContext(ctx, "FAQ database not reachable at start; trying again", "attempt", attempt, "during", step, "retry_in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, s.retryMax)
	}
}

// connectionLost says whether err, from a start-up step, is the database going away,
// not answering or not taking connections yet (worth trying again) rather than an
// answer that will not change (a bad schema, a permission refused, an unknown
// database, a wrong password). Of the server's errors, the question log's are the
// same (pgschema.Transient: too many connections, starting, shutting down, a lost
// connection); of the others only those of the connection itself count here, because
// the start-up's own errors (no entries, a schema newer than this smpbot) are plain
// errors that waiting will not mend.
func connectionLost(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pgschema.Transient(pe)
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.Timeout(err) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, context.DeadlineExceeded)
}

// The steps of the start-up sequence, as logged and in errors.
const (
	stepConnect = "connecting"
	stepMigrate = "migrating the schema"
	stepSeed    = "seeding the FAQ"
	stepLoad    = "loading the FAQ"
)

// start makes one attempt at the start-up sequence and returns the step it failed
// at. Each step may wait for the database for the store's timeout, so that a database
// gone silent (no reset, no answer) counts as lost rather than hanging the start.
func (s *Store) start(ctx context.Context) (step string, err error) {
	run := func(name string, f func(ctx context.Context) error) error {
		step = name
		if s.onStart != nil {
			s.onStart(name)
		}
		sctx, cancel := context.WithTimeout(ctx, s.timeout)
		defer cancel()
		return f(sctx)
	}
	if err := run(stepConnect, s.db.Ping); err != nil {
		return step, err
	}
	if err := run(stepMigrate, func(ctx context.Context) error {
		if err := pgschema.Migrate(ctx, s.db, schema, len(schema.Migrations), s.log, time.Now); err != nil {
			return err
		}
		var sch string
		if err := s.db.QueryRow(ctx, `SELECT current_schema()`).Scan(&sch); err != nil {
			return err
		}
		s.schema, s.channel = sch, channelFor(sch)
		return nil
	}); err != nil {
		return step, err
	}
	if s.seed {
		if err := run(stepSeed, s.seedOnce); err != nil {
			return step, err
		}
	}
	if err := run(stepLoad, func(ctx context.Context) error { return s.refresh(ctx, s.db, true) }); err != nil {
		return step, err
	}
	if s.seed && len(s.Entries()) == 0 {
		return step, errors.New("the FAQ database holds no entries (all were removed): import some with smpbot faq import")
	}
	return "", nil
}

// channelFor names the NOTIFY channel of the store in schema: channels are per
// database, and several stores may share one in their own schemas.
func channelFor(schema string) string {
	const prefix = "smpbot_faq_"
	if len(prefix)+len(schema) <= 63 { // an identifier's limit
		return prefix + schema
	}
	sum := sha256.Sum256([]byte(schema))
	return prefix + hex.EncodeToString(sum[:16])
}

// seedOnce fills a store that never held a FAQ with the embedded one. The state row's
// lock makes processes starting together seed once.
func (s *Store) seedOnce(ctx context.Context) error {
	entries, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		return fmt.Errorf("embedded FAQ: %w", err)
	}
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var seeded bool
		if err := tx.QueryRow(ctx, `SELECT seeded FROM faq_state FOR UPDATE`).Scan(&seeded); err != nil {
			return err
		}
		if seeded {
			return nil
		}
		for _, e := range entries {
			if _, err := tx.Exec(ctx, `INSERT INTO faq_entries (id, body) VALUES ($1, $2)`, e.ID, string(knowledge.Format(e))); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE faq_state SET seeded = true`); err != nil {
			return err
		}
		s.log.Info("seeded the FAQ database with the embedded FAQ", "entries", len(entries))
		return nil
	})
}

// Close closes the connections.
func (s *Store) Close() error {
	s.db.Close()
	return nil
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.Ping(ctx) }

// Entries returns the FAQ in the order of its file names.
func (s *Store) Entries() []knowledge.Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.list()
}

func (s *Store) list() []knowledge.Entry {
	out := make([]knowledge.Entry, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.entries[id])
	}
	return out
}

// Get returns the entry with the id and its version, as last loaded.
func (s *Store) Get(id string) (knowledge.Entry, knowledge.Version, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[id]
	if !ok {
		return knowledge.Entry{}, "", fmt.Errorf("%w: %q", knowledge.ErrNotFound, id)
	}
	return e, knowledge.VersionOf(e), nil
}

// Problems returns why each entry row that is not a valid entry (changed in the
// database by hand) is left out; nil when every row is valid.
func (s *Store) Problems() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.problems)
}

// Put adds an entry (base "") or replaces the version base of it. The whole FAQ is
// validated with the change before anything is written.
func (s *Store) Put(ctx context.Context, e knowledge.Entry, base knowledge.Version, who knowledge.Actor) (knowledge.Version, error) {
	action := "edit"
	if base == "" {
		action = "add"
	}
	if e.Updated == "" {
		e.Updated = time.Now().UTC().Format(time.DateOnly)
	}
	if err := s.apply(ctx, action, e.ID, &e, base, who); err != nil {
		return "", err
	}
	return knowledge.VersionOf(e), nil
}

// Remove deletes the version base of the entry id.
func (s *Store) Remove(ctx context.Context, id string, base knowledge.Version, who knowledge.Actor) error {
	return s.apply(ctx, "remove", id, nil, base, who)
}

// Undo restores the entry id to how it was before its last change, as a new change.
func (s *Store) Undo(ctx context.Context, id string, who knowledge.Actor) (knowledge.Change, error) {
	hist, err := s.history(ctx, id)
	if err != nil {
		return knowledge.Change{}, err
	}
	last, base, err := knowledge.UndoOf(id, hist)
	if err != nil {
		return knowledge.Change{}, err
	}
	if err := s.apply(ctx, "undo", id, last.Before, base, who); err != nil {
		return knowledge.Change{}, err
	}
	return last, nil
}

// apply makes one change in one transaction: lock the state, check the base version
// against the database, validate the FAQ as it would be, record the change, write the
// entry and announce it.
func (s *Store) apply(ctx context.Context, action, id string, after *knowledge.Entry, base knowledge.Version, who knowledge.Actor) error {
	err := s.change(ctx, func(snap snapshot, seq int64) ([]knowledge.Change, error) {
		// Rewriting a row changed by hand would lose what is in it.
		if err := snap.broken[id]; err != nil {
			return nil, fmt.Errorf("%w: %w", knowledge.ErrBroken, err)
		}
		cur, next := snap.byID(), snap.entries
		old, exists := cur[id]
		switch {
		case action == "add" && exists:
			return nil, fmt.Errorf("%w: %q already exists", knowledge.ErrDuplicateID, id)
		case action != "add" && action != "undo" && !exists:
			return nil, fmt.Errorf("%w: %q", knowledge.ErrNotFound, id)
		case exists && base != knowledge.AnyVersion && knowledge.VersionOf(old) != base:
			return nil, fmt.Errorf("%w: %q is now version %s, the edit was based on %s", knowledge.ErrStale, id, knowledge.VersionOf(old), base)
		case !exists && base != "":
			return nil, fmt.Errorf("%w: %q was removed after version %s was read", knowledge.ErrStale, id, base)
		}
		next = slices.DeleteFunc(next, func(e knowledge.Entry) bool { return e.ID == id })
		if after != nil {
			next = append(next, *after)
		}
		if err := knowledge.ValidateEntries(next); err != nil {
			return nil, err
		}
		var before *knowledge.Entry
		if exists {
			before = &old
		}
		return []knowledge.Change{{Seq: seq + 1, Time: time.Now().UTC(), Actor: who, Action: action, ID: id, Before: before, After: after}}, nil
	})
	if err == nil {
		s.log.Info("FAQ changed", "action", action, "id", id, "platform", who.Platform, "user", who.User)
	}
	return err
}

// Import adds or replaces many entries at once, in one transaction. The FAQ as it would
// be afterwards is validated before anything is written.
func (s *Store) Import(ctx context.Context, entries []knowledge.Entry, who knowledge.Actor) (added, replaced int, err error) {
	n, err := s.importEntries(ctx, entries, false, who)
	return n.Added, n.Replaced, err
}

// Mirror makes the FAQ exactly entries, as Import does, and also removes every entry
// not among them, in the same transaction and audit batch.
func (s *Store) Mirror(ctx context.Context, entries []knowledge.Entry, who knowledge.Actor) (knowledge.Imported, error) {
	return s.importEntries(ctx, entries, true, who)
}

func (s *Store) importEntries(ctx context.Context, entries []knowledge.Entry, mirror bool, who knowledge.Actor) (knowledge.Imported, error) {
	var n knowledge.Imported
	err := s.change(ctx, func(snap snapshot, seq int64) ([]knowledge.Change, error) {
		broken := func(id string) error {
			if err := snap.broken[id]; err != nil {
				return fmt.Errorf("%w: %w", knowledge.ErrBroken, err)
			}
			return nil
		}
		changes, planned, err := knowledge.PlanImport(snap.entries, entries, mirror, seq, who, broken)
		n = planned
		return changes, err
	})
	if err != nil {
		return knowledge.Imported{}, err
	}
	s.log.Info("FAQ imported", "added", n.Added, "replaced", n.Replaced, "removed", n.Removed, "platform", who.Platform, "user", who.User)
	return n, nil
}

// change runs one change: decide, given the FAQ in the database and the seq of its last
// change, returns the changes to record (none to leave it as it is) or why it is
// refused. Everything happens in one transaction holding the state row's lock.
func (s *Store) change(ctx context.Context, decide func(snap snapshot, seq int64) ([]knowledge.Change, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	octx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var refused error
	var loaded snapshot
	gen := s.generation()
	err := pgx.BeginFunc(octx, s.db, func(tx pgx.Tx) error {
		var seq int64
		if err := tx.QueryRow(octx, `SELECT seq FROM faq_state FOR UPDATE`).Scan(&seq); err != nil {
			return err
		}
		snap, err := readEntries(octx, tx, seq, s.known())
		if err != nil {
			return err
		}
		changes, err := decide(snap, seq)
		if err != nil {
			refused = err
			return err
		}
		if len(changes) == 0 {
			loaded = snap
			return nil
		}
		for _, ch := range changes {
			if err := record(octx, tx, ch); err != nil {
				return err
			}
		}
		last := changes[len(changes)-1].Seq
		if _, err := tx.Exec(octx, `UPDATE faq_state SET seq = $1, seeded = true`, last); err != nil {
			return err
		}
		// Delivered to every listener when the transaction commits, never before.
		if _, err := tx.Exec(octx, `SELECT pg_notify($1, $2)`, s.channel, fmt.Sprint(last)); err != nil {
			return err
		}
		loaded, err = readEntries(octx, tx, last, s.known())
		return err
	})
	if refused != nil {
		return refused
	}
	if err != nil {
		return s.dbErr(ctx, err)
	}
	s.publish(loaded, gen)
	return nil
}

// record writes one change: its audit record and the entry's row.
func record(ctx context.Context, tx pgx.Tx, ch knowledge.Change) error {
	actor, err := json.Marshal(ch.Actor)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO faq_changes (seq, time, actor, action, batch, entry_id, before, after)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		ch.Seq, ch.Time, actor, ch.Action, ch.Batch, ch.ID, entryJSON(ch.Before), entryJSON(ch.After)); err != nil {
		return err
	}
	if ch.After == nil {
		_, err = tx.Exec(ctx, `DELETE FROM faq_entries WHERE id = $1`, ch.ID)
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO faq_entries (id, body) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET body = excluded.body`, ch.ID, string(knowledge.Format(*ch.After)))
	return err
}

func entryJSON(e *knowledge.Entry) []byte {
	if e == nil {
		return nil
	}
	b, _ := json.Marshal(e) // an Entry always marshals
	return b
}

// dbErr says what a failed database operation means to the caller: its own context
// ended, a server error (returned as it is), or a database that cannot be reached or
// takes no connection now (no slot free, restarting): worth trying again later.
func (s *Store) dbErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && !pgschema.Transient(pe) {
		return fmt.Errorf("FAQ database: %w", err)
	}
	return fmt.Errorf("%w (%v)", knowledge.ErrUnavailable, err)
}

// snapshot is the FAQ as one transaction saw it.
type snapshot struct {
	seq      int64
	fprint   string // fingerprintSQL of the rows read
	entries  []knowledge.Entry
	bodies   map[string]knowledge.Entry // each entry by its row's text
	problems []error
	broken   map[string]error // why the row of an id is not a valid entry
}

func (sn snapshot) byID() map[string]knowledge.Entry {
	m := make(map[string]knowledge.Entry, len(sn.entries))
	for _, e := range sn.entries {
		m[e.ID] = e
	}
	return m
}

// fingerprintSQL gives a fingerprint of every entry row: what Watch compares to tell
// that the rows are not those it loaded. It is the count of rows and the sum of each
// row's 64-bit hash (PostgreSQL's own hashtextextended, seeded with the id's): cheap
// (no sort, no cryptographic hash: a few milliseconds for a thousand rows), and only
// ever compared with a value the same server computed.
const fingerprintSQL = `SELECT count(*) || ' ' || coalesce(sum(hashtextextended(body, hashtextextended(id, 0))::numeric), 0) FROM faq_entries`

// readEntries reads the entries as of seq, in the order of their file names, with
// their fingerprint. A row that is not a valid entry is left out and reported. Rows
// whose text is in known are not parsed again.
func readEntries(ctx context.Context, q pgx.Tx, seq int64, known map[string]knowledge.Entry) (snapshot, error) {
	// One statement, so that the fingerprint is of the rows read even in a READ
	// COMMITTED transaction; one row with NULLs when there are no entries.
	rows, err := q.Query(ctx, `SELECT f.fp, e.id, e.body FROM (`+fingerprintSQL+`) AS f(fp) LEFT JOIN faq_entries e ON true`)
	if err != nil {
		return snapshot{}, err
	}
	type row struct{ id, body string }
	var all []row
	var fprint string
	var id, body *string
	if _, err := pgx.ForEachRow(rows, []any{&fprint, &id, &body}, func() error {
		if id != nil {
			all = append(all, row{*id, *body})
		}
		return nil
	}); err != nil {
		return snapshot{}, err
	}
	slices.SortFunc(all, func(a, b row) int { return strings.Compare(a.id+knowledge.Ext, b.id+knowledge.Ext) })
	sn := snapshot{seq: seq, fprint: fprint, bodies: make(map[string]knowledge.Entry, len(all))}
	for _, r := range all {
		if e, ok := known[r.body]; ok && e.ID == r.id {
			sn.entries = append(sn.entries, e)
			sn.bodies[r.body] = e
			continue
		}
		f, err := knowledge.Parse(r.id+knowledge.Ext, []byte(r.body))
		if err == nil && f.Entry.ID != r.id {
			err = &knowledge.Error{File: r.id + knowledge.Ext, Field: "id", Err: fmt.Errorf("%w: the row of %q holds %q", knowledge.ErrInvalidField, r.id, f.Entry.ID)}
		}
		if err != nil {
			sn.problems = append(sn.problems, err)
			if sn.broken == nil {
				sn.broken = map[string]error{}
			}
			sn.broken[r.id] = err
			continue
		}
		sn.entries = append(sn.entries, f.Entry)
		sn.bodies[r.body] = f.Entry
	}
	return sn, nil
}

// refresh loads the FAQ when the database's differs from the one in memory (another
// last change, or other rows: restored, edited by hand), or always with force.
func (s *Store) refresh(ctx context.Context, db interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}, force bool) error {
	s.mu.Lock()
	have, haveFprint, gen := s.seq, s.fprint, s.gen
	force = force || s.entries == nil
	s.mu.Unlock()
	var snap snapshot
	stale := false
	err := pgx.BeginTxFunc(ctx, db, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var seq int64
		var fprint string
		if err := tx.QueryRow(ctx, `SELECT (SELECT seq FROM faq_state), (`+fingerprintSQL+`)`).Scan(&seq, &fprint); err != nil {
			return err
		}
		if !force && seq == have && fprint == haveFprint {
			return nil
		}
		stale = true
		var err error
		snap, err = readEntries(ctx, tx, seq, s.known())
		return err
	})
	if err != nil || !stale {
		return err
	}
	s.publish(snap, gen)
	return nil
}

// generation returns the count of snapshots published, to be given to publish with a
// snapshot read after it.
func (s *Store) generation() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gen
}

// publish makes a snapshot the FAQ served, and tells OnChange when the entries
// differ. A snapshot of an older change than the one served is a read overtaken by
// a newer one, dropped, if anything was published since gen (when its read began);
// otherwise the database itself went back (restored from a backup) and it is served.
func (s *Store) publish(sn snapshot, gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.entries != nil && sn.seq < s.seq && s.gen != gen {
		return
	}
	first := s.entries == nil
	same := len(sn.bodies) == len(s.bodies)
	for body := range sn.bodies {
		if _, ok := s.bodies[body]; !ok {
			same = false
			break
		}
	}
	s.gen++
	s.seq, s.fprint, s.problems, s.bodies = sn.seq, sn.fprint, sn.problems, sn.bodies
	s.entries = make(map[string]knowledge.Entry, len(sn.entries))
	s.order = s.order[:0]
	for _, e := range sn.entries {
		s.entries[e.ID] = e
		s.order = append(s.order, e.ID)
	}
	// The FAQ read at start is the caller's to take from Entries, not a change.
	if !first && !same && s.onChange != nil {
		s.onChange(s.list())
	}
}

// known returns the entries in memory by their rows' text, so that a reload parses
// only the rows that changed.
func (s *Store) known() map[string]knowledge.Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bodies
}

// History returns the recorded changes to the entry id, oldest first.
func (s *Store) History(id string) ([]knowledge.Change, error) {
	return s.history(context.Background(), id)
}

func (s *Store) history(ctx context.Context, id string) ([]knowledge.Change, error) {
	return s.changes(ctx, `WHERE entry_id = $1`, id)
}

// Audit returns the whole audit log, oldest first.
func (s *Store) Audit() ([]knowledge.Change, error) {
	return s.changes(context.Background(), ``)
}

func (s *Store) changes(ctx context.Context, where string, args ...any) ([]knowledge.Change, error) {
	octx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	rows, err := s.db.Query(octx, `SELECT seq, time, actor, action, batch, entry_id, before, after FROM faq_changes `+where+` ORDER BY seq`, args...)
	if err != nil {
		return nil, s.dbErr(ctx, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (knowledge.Change, error) {
		var c knowledge.Change
		var actor, before, after []byte
		if err := r.Scan(&c.Seq, &c.Time, &actor, &c.Action, &c.Batch, &c.ID, &before, &after); err != nil {
			return c, err
		}
		c.Time = c.Time.UTC()
		if err := json.Unmarshal(actor, &c.Actor); err != nil {
			return c, fmt.Errorf("change #%d: actor: %w", c.Seq, err)
		}
		for _, x := range []struct {
			raw []byte
			to  **knowledge.Entry
		}{{before, &c.Before}, {after, &c.After}} {
			if x.raw == nil {
				continue
			}
			var e knowledge.Entry
			if err := json.Unmarshal(x.raw, &e); err != nil {
				return c, fmt.Errorf("change #%d: %w", c.Seq, err)
			}
			*x.to = &e
		}
		return c, nil
	})
	if err != nil {
		return nil, s.dbErr(ctx, err)
	}
	return out, nil
}
