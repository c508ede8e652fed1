package pglog

import (
	"context"

	"github.com/smpbot/smpbot/internal/pgschema"
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
}}

// migrate applies the migrations the schema lacks (see package pgschema).
func (l *Log) migrate(ctx context.Context) error {
	return pgschema.Migrate(ctx, l.db, schema, l.target, l.log, l.now)
}

// SchemaVersion returns the version of the database's schema.
func (l *Log) SchemaVersion(ctx context.Context) (int, error) {
	return pgschema.Version(ctx, l.db, schema)
}
