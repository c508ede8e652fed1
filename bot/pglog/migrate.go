package pglog

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// migration brings the schema from version N-1 to N, in one transaction. Migrations
// are only ever appended.
type migration struct {
	name  string
	stmts []string
}

var migrations = []migration{
	{"questions, feedback, phrasing suggestions, lost records, settings", []string{
		`CREATE TABLE questions (
			id          text PRIMARY KEY,   -- the reply id
			time        timestamptz NOT NULL,
			platform    text NOT NULL,
			user_hash   text NOT NULL,      -- keyed hash of platform and user id; '' once unlinked
			question    text,               -- NULL once the retention has passed
			qkey        text,               -- the question folded, to count repeats
			kind        text NOT NULL,
			entry_id    text NOT NULL DEFAULT '',
			confidence  double precision NOT NULL DEFAULT 0,
			suggestions text[] NOT NULL DEFAULT '{}',
			latency_ms  bigint NOT NULL DEFAULT 0,
			from_answer text NOT NULL DEFAULT '' -- the reply whose button was pressed
		)`,
		`CREATE INDEX questions_time ON questions (time)`,
		`CREATE INDEX questions_qkey ON questions (qkey)`,
		`CREATE INDEX questions_user ON questions (user_hash)`,
		`CREATE TABLE feedback (
			id        bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
			answer_id text NOT NULL,
			user_hash text NOT NULL,  -- 'purged-ID' once unlinked
			helpful   boolean NOT NULL,
			time      timestamptz NOT NULL,
			PRIMARY KEY (answer_id, user_hash)
		)`,
		`CREATE INDEX feedback_user ON feedback (user_hash)`,
		`CREATE INDEX feedback_time ON feedback (time)`,
		`CREATE TABLE suggestions (
			id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			entry_id text NOT NULL,
			question text NOT NULL,
			qkey     text NOT NULL,
			reason   text NOT NULL,
			status   text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'rejected')),
			created  timestamptz NOT NULL,
			resolved timestamptz,
			UNIQUE (entry_id, qkey)
		)`,
		// A suggestion lives as long as one of the questions it comes from.
		`CREATE TABLE suggestion_sources (
			suggestion_id bigint NOT NULL REFERENCES suggestions (id) ON DELETE CASCADE,
			question_id   text NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
			PRIMARY KEY (suggestion_id, question_id)
		)`,
		`CREATE INDEX suggestion_sources_question ON suggestion_sources (question_id)`,
		`CREATE TABLE lost (day date PRIMARY KEY, count bigint NOT NULL)`,
		// Never the user key itself: only its fingerprint.
		`CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL)`,
	}},
	// A replica may hold records in memory while the database is away: what a purge
	// removed must not come back when they are written (see Record). The purge by age
	// and the key rotation leave their time in settings ('purged_before', 'key_rotated').
	{"purged users", []string{
		`CREATE TABLE purged_users (
			user_hash text PRIMARY KEY,
			purged_at timestamptz NOT NULL
		)`,
	}},
}

// migrate applies the migrations the schema lacks, holding an advisory lock named for
// the schema: processes starting together wait for each other, and each migration is
// applied once.
func (l *Log) migrate(ctx context.Context) error {
	conn, err := l.db.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	defer conn.Release()
	const lockKey = `hashtext('smpbot question log ' || current_schema())`
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+lockKey+`)`); err != nil {
		return fmt.Errorf("schema lock: %w", err)
	}
	defer func() {
		// A lost connection releases the lock by itself.
		conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+lockKey+`)`)
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version integer PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL)`); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	v, err := l.schemaVersion(ctx, conn)
	if err != nil {
		return err
	}
	if v > len(migrations) {
		return permanent(fmt.Errorf("schema version %d is newer than this smpbot knows (%d): run a newer smpbot", v, len(migrations)))
	}
	for ; v < l.target; v++ {
		m := migrations[v]
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			for _, s := range m.stmts {
				if _, err := tx.Exec(ctx, s); err != nil {
					return err
				}
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_version (version, name, applied) VALUES ($1, $2, $3)`, v+1, m.name, l.now())
			return err
		})
		if err != nil {
			return fmt.Errorf("schema migration %d (%s): %w", v+1, m.name, err)
		}
		l.log.Info("question log schema migrated", "version", v+1, "migration", m.name)
	}
	return nil
}

type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func (l *Log) schemaVersion(ctx context.Context, q rowQuerier) (int, error) {
	var v int
	if err := q.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return v, nil
}

// SchemaVersion returns the version of the database's schema.
func (l *Log) SchemaVersion(ctx context.Context) (int, error) { return l.schemaVersion(ctx, l.db) }
