package sqlitelog

import (
	"context"
	"fmt"
	"time"

	"github.com/smpbot/smpbot/bot/questionlog"
)

// DefaultRetention is how long question texts are kept by default.
const DefaultRetention = questionlog.DefaultRetention

// Purge deletes the texts of questions asked before olderThan, with the suggestions
// made only from them, and unlinks those questions and their feedback from the users:
// what remains (time, platform, kind, entry, confidence, feedback) feeds the stats and
// names nobody. It returns how many question texts it deleted.
func (l *Log) Purge(ctx context.Context, olderThan time.Time) (int64, error) {
	cut := millis(olderThan)
	var n int64
	err := l.write(ctx, func(tx execer) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM suggestion_sources WHERE question_id IN
			(SELECT id FROM questions WHERE time < ? AND question IS NOT NULL)`, cut); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE questions SET question = NULL, qkey = NULL, user_hash = ''
			WHERE time < ? AND (question IS NOT NULL OR user_hash != '')`, cut)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		// Feedback keeps its one-press-per-person key with a placeholder in place of the person.
		if _, err := tx.ExecContext(ctx, `UPDATE feedback SET user_hash = 'purged-' || rowid
			WHERE time < ? AND user_hash NOT LIKE 'purged-%'`, cut); err != nil {
			return err
		}
		return deleteOrphanSuggestions(ctx, tx)
	})
	if err != nil {
		return 0, fmt.Errorf("question log: purging questions before %s: %w", olderThan.UTC().Format(time.DateOnly), err)
	}
	return n, nil
}

// PurgeUser deletes everything held on one user: their questions, their feedback, and
// the suggestions made only from their questions. It returns how many questions it
// deleted.
func (l *Log) PurgeUser(ctx context.Context, platform, user string) (int64, error) {
	h := l.hash(platform, user)
	var n int64
	err := l.write(ctx, func(tx execer) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM suggestion_sources WHERE question_id IN
			(SELECT id FROM questions WHERE user_hash = ?)`, h); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM questions WHERE user_hash = ?`, h)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM feedback WHERE user_hash = ?`, h); err != nil {
			return err
		}
		return deleteOrphanSuggestions(ctx, tx)
	})
	if err != nil {
		return 0, fmt.Errorf("question log: purging a user: %w", err)
	}
	return n, nil
}

func deleteOrphanSuggestions(ctx context.Context, tx execer) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM suggestions WHERE id NOT IN (SELECT suggestion_id FROM suggestion_sources)`)
	return err
}

// write runs f in a transaction, then moves the WAL into the database file so that
// deleted texts do not linger in the log file (secure_delete zeroes them there).
func (l *Log) write(ctx context.Context, f func(tx execer) error) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	// Best effort: a reader in another process can hold the checkpoint back; the next
	// one completes it.
	if _, err := l.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		l.log.Debug("question log checkpoint after purge", "err", err)
	}
	return nil
}

// RunRetention purges question texts older than keep now and then every every (daily
// if every is not positive), until ctx is done. Failures are logged and retried at the
// next round.
func (l *Log) RunRetention(ctx context.Context, every, keep time.Duration) {
	questionlog.RunRetention(ctx, l.log, l.now, every, keep, l.Purge)
}
