package pglog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/smpbot/smpbot/bot/userkey"
)

// retentionRoundDone is logged (at debug) after every round of RunRetention.
const retentionRoundDone = "question log retention round done"

// Purge deletes the texts of questions asked before olderThan, with the suggestions
// made only from them, and unlinks those questions and their feedback from the users:
// what remains (time, platform, kind, entry, confidence, feedback) feeds the stats and
// names nobody. It returns how many question texts it deleted.
func (l *Log) Purge(ctx context.Context, olderThan time.Time) (int64, error) {
	var n int64
	err := pgx.BeginFunc(ctx, l.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM suggestion_sources WHERE question_id IN
			(SELECT id FROM questions WHERE time < $1 AND question IS NOT NULL)`, olderThan); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE questions SET question = NULL, qkey = NULL, user_hash = ''
			WHERE time < $1 AND (question IS NOT NULL OR user_hash != '')`, olderThan)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		// Feedback keeps its one-press-per-person key with a placeholder in place of the person.
		if _, err := tx.Exec(ctx, `UPDATE feedback SET user_hash = 'purged-' || id
			WHERE time < $1 AND user_hash NOT LIKE 'purged-%'`, olderThan); err != nil {
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
	h := l.ukey.Hash(platform, user)
	var n int64
	err := pgx.BeginFunc(ctx, l.db, func(tx pgx.Tx) error {
		// The sources go with their questions (ON DELETE CASCADE).
		tag, err := tx.Exec(ctx, `DELETE FROM questions WHERE user_hash = $1`, h)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		if _, err := tx.Exec(ctx, `DELETE FROM feedback WHERE user_hash = $1`, h); err != nil {
			return err
		}
		return deleteOrphanSuggestions(ctx, tx)
	})
	if err != nil {
		return 0, fmt.Errorf("question log: purging a user: %w", err)
	}
	return n, nil
}

func deleteOrphanSuggestions(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `DELETE FROM suggestions s WHERE NOT EXISTS
		(SELECT 1 FROM suggestion_sources ss WHERE ss.suggestion_id = s.id)`)
	return err
}

// RotateKey replaces the key that hashes user ids, after unlinking every row from the
// person it was tied to: whoever holds the old key can no longer tie the rows now in
// the database to anyone. It writes the new key file and records its fingerprint in
// the same step; the other processes on the database must be given the new file (a
// shared secret mount is re-read when it changes). It returns how many rows were
// unlinked.
func (l *Log) RotateKey(ctx context.Context) (int64, error) {
	hexKey, err := userkey.New()
	if err != nil {
		return 0, err
	}
	var n int64
	err = pgx.BeginFunc(ctx, l.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE questions SET user_hash = '' WHERE user_hash != ''`)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		if tag, err = tx.Exec(ctx, `UPDATE feedback SET user_hash = 'purged-' || id WHERE user_hash NOT LIKE 'purged-%'`); err != nil {
			return err
		}
		n += tag.RowsAffected()
		if _, err := tx.Exec(ctx, `UPDATE settings SET value = $1 WHERE key = 'user_key_fingerprint'`,
			userkey.Fingerprint(mustHex(hexKey))); err != nil {
			return err
		}
		// Written before the commit: a failure leaves the old key and the rows linked.
		return userkey.Install(l.ukey.Path(), hexKey, true)
	})
	if err != nil {
		return 0, fmt.Errorf("question log: rotating the user key: %w", err)
	}
	if err := l.ukey.Reload(); err != nil || l.ukey.Fingerprint() != userkey.Fingerprint(mustHex(hexKey)) {
		return n, errors.New("question log: the new key was written but does not read back")
	}
	return n, nil
}

// RunRetention purges question texts older than keep now and then every every (daily
// if every is not positive), until ctx is done. Failures are logged and retried at the
// next round. Every process may run it: the purges are idempotent.
func (l *Log) RunRetention(ctx context.Context, every, keep time.Duration) {
	if every <= 0 {
		every = 24 * time.Hour
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := l.Purge(ctx, l.now().Add(-keep))
		switch {
		case err != nil && ctx.Err() == nil:
			l.log.Warn("question log retention failed; retrying at the next round", "err", err)
		case n > 0:
			l.log.Info("question log retention: question texts deleted", "count", n, "older_than", keep.String())
		}
		l.log.Debug(retentionRoundDone, "deleted", n)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
