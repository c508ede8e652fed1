package pglog

import (
	"context"

	"github.com/smpbot/smpbot/knowledge/pgschema"
)

// schema is the question log's migrations; they are only ever appended.
var schema = pgschema.Set{What: "question log", Table: "schema_version", Migrations: []pgschema.Migration{
	{Name: "questions, feedback, phrasing suggestions, lost records, settings", Stmts: []string{
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
	{Name: "purged users", Stmts: []string{
		`CREATE TABLE purged_users (
			user_hash text PRIMARY KEY,
			purged_at timestamptz NOT NULL
		)`,
	}},
	// The questions recorded before count as not urgent.
	{Name: "urgent flag", Stmts: []string{
		`ALTER TABLE questions ADD COLUMN urgent boolean NOT NULL DEFAULT false`,
	}},
	// The web console's sessions and sign-in links, shared by the replicas (see Sessions).
	{Name: "web console sessions", Stmts: []string{
		`CREATE TABLE console_sessions (
			id      text PRIMARY KEY,  -- SHA-256 of the cookie's token, never the token
			who     jsonb NOT NULL,    -- the moderator's identity
			csrf    text NOT NULL,
			agent   text NOT NULL,     -- hash of the browser's User-Agent
			created timestamptz NOT NULL,
			seen    timestamptz NOT NULL,
			expires timestamptz NOT NULL
		)`,
		`CREATE INDEX console_sessions_expires ON console_sessions (expires)`,
		`CREATE TABLE console_flashes (
			id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			session_id text NOT NULL REFERENCES console_sessions (id) ON DELETE CASCADE,
			error      boolean NOT NULL,
			text       text NOT NULL,
			link       text NOT NULL DEFAULT ''
		)`,
		`CREATE INDEX console_flashes_session ON console_flashes (session_id)`,
		`CREATE TABLE console_links (
			id      text PRIMARY KEY,  -- SHA-256 of the link's token, never the token
			who     jsonb NOT NULL,    -- whom it signs in
			expires timestamptz NOT NULL
		)`,
	}},
}}

// migrate applies the migrations the schema lacks (see package pgschema).
func (l *Log) migrate(ctx context.Context) error {
	err := pgschema.Migrate(ctx, l.db, schema, l.target, l.log, l.now)
	if err != nil {
		// A schema newer than this smpbot knows will not get older by retrying.
		if v, verr := pgschema.Version(ctx, l.db, schema); verr == nil && v > len(schema.Migrations) {
			return permanent(err)
		}
	}
	return err
}

// SchemaVersion returns the version of the database's schema.
func (l *Log) SchemaVersion(ctx context.Context) (int, error) {
	return pgschema.Version(ctx, l.db, schema)
}
