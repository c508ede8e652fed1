// Package pgschema brings a PostgreSQL schema up to date: numbered migrations, each
// applied once in its own transaction, under an advisory lock so that processes
// starting together wait for each other instead of migrating twice. The question log
// (bot/pglog) and the FAQ store (knowledge/pgstore) each keep their own version table
// in the search_path's first schema. Transient tells both which of the server's errors
// are worth trying again.
package pgschema

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Migration brings the schema from version N-1 to N, in one transaction. Migrations
// are only ever appended.
type Migration struct {
	Name  string
	Stmts []string
}

// Set is the migrations of one component, recorded in a version table of its own.
type Set struct {
	What       string // names the component in the lock, errors and logs ("question log")
	Table      string // the version table
	Migrations []Migration
}

// Migrate applies to the schema the migrations of s it lacks, up to target (the
// number of migrations to have applied; len(s.Migrations) for all), holding an
// advisory lock named for the component and the schema.
func Migrate(ctx context.Context, db *pgxpool.Pool, s Set, target int, log *slog.Logger, now func() time.Time) error {
	conn, err := db.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	defer conn.Release()
	lockKey := `hashtext('smpbot ` + s.What + ` ' || current_schema())`
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+lockKey+`)`); err != nil {
		return fmt.Errorf("schema lock: %w", err)
	}
	defer func() {
		// A lost connection releases the lock by itself.
		conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+lockKey+`)`)
	}()
	table := pgx.Identifier{s.Table}.Sanitize()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+table+` (
		version integer PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL)`); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	v, err := Version(ctx, conn, s)
	if err != nil {
		return err
	}
	if v > len(s.Migrations) {
		return fmt.Errorf("schema version %d is newer than this smpbot knows (%d): run a newer smpbot", v, len(s.Migrations))
	}
	for ; v < target; v++ {
		m := s.Migrations[v]
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			for _, st := range m.Stmts {
				if _, err := tx.Exec(ctx, st); err != nil {
					return err
				}
			}
			_, err := tx.Exec(ctx, `INSERT INTO `+table+` (version, name, applied) VALUES ($1, $2, $3)`, v+1, m.Name, now())
			return err
		})
		if err != nil {
			return fmt.Errorf("schema migration %d (%s): %w", v+1, m.Name, err)
		}
		log.Info(s.What+" schema migrated", "version", v+1, "migration", m.Name)
	}
	return nil
}

// RowQuerier is a pool, a connection or a transaction.
type RowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Version returns the version of the component's schema (0 before any migration).
func Version(ctx context.Context, q RowQuerier, s Set) (int, error) {
	var v int
	if err := q.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM `+pgx.Identifier{s.Table}.Sanitize()).Scan(&v); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return v, nil
}
