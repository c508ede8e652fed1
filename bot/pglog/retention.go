package pglog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/smpbot/smpbot/bot/questionlog"
	"github.com/smpbot/smpbot/bot/userkey"
)

// Purge deletes the texts of questions asked before olderThan, with the suggestions
// made only from them, and unlinks those questions and their feedback from the users:
// what remains (time, platform, kind, entry, confidence, feedback) feeds the stats and
// names nobody. It returns how many question texts it deleted.
//
// It also records the cut, so that a record a replica queued while the database was
// away and writes later is stored as the purge left the others; and it forgets the
// purged people older than the cut (every record of theirs is older than it too).
func (l *Log) Purge(ctx context.Context, olderThan time.Time) (int64, error) {
	if err := l.usable(); err != nil {
		return 0, err
	}
	var n int64
	err := pgx.BeginFunc(ctx, l.db, func(tx pgx.Tx) error {
		if err := raiseSetting(ctx, tx, "purged_before", olderThan); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM purged_users WHERE purged_at < $1`, olderThan); err != nil {
			return err
		}
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
		return 0, fmt.Errorf("question log: purging questions before %s: %w", olderThan.UTC().Format(time.DateOnly), l.failed(err))
	}
	return n, nil
}

// PurgeUser deletes everything held on one user: their questions, their feedback, and
// the suggestions made only from their questions. It returns how many questions it
// deleted. The person's hash is kept with the time, until the retention passes it, so
// that what a replica queued for them before the purge is not written after it.
func (l *Log) PurgeUser(ctx context.Context, platform, user string) (int64, error) {
	k, err := l.key()
	if err != nil {
		return 0, err
	}
	h := k.Hash(platform, user)
	var n int64
	err = pgx.BeginFunc(ctx, l.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO purged_users (user_hash, purged_at) VALUES ($1, $2)
			ON CONFLICT (user_hash) DO UPDATE SET purged_at = greatest(purged_users.purged_at, excluded.purged_at)`,
			h, l.now()); err != nil {
			return err
		}
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
		return 0, fmt.Errorf("question log: purging a user: %w", l.failed(err))
	}
	return n, nil
}

// raiseSetting sets a time in settings, unless it holds a later one.
func raiseSetting(ctx context.Context, tx pgx.Tx, key string, t time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2::timestamptz::text)
		ON CONFLICT (key) DO UPDATE SET value = greatest(settings.value::timestamptz, excluded.value::timestamptz)::text`,
		key, t)
	return err
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
// unlinked. Records a replica queued from before the rotation are stored unlinked and
// without their text when written after it: a purge of their person made before the
// rotation could not be matched to them.
func (l *Log) RotateKey(ctx context.Context) (int64, error) {
	k, err := l.key()
	if err != nil {
		return 0, err
	}
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
		if err := raiseSetting(ctx, tx, "key_rotated", l.now()); err != nil {
			return err
		}
		// Hashes under the old key match nothing from now on.
		if _, err := tx.Exec(ctx, `DELETE FROM purged_users`); err != nil {
			return err
		}
		// Written before the commit: a failure leaves the old key and the rows linked.
		return userkey.Install(k.Path(), hexKey, true)
	})
	if err != nil {
		return 0, fmt.Errorf("question log: rotating the user key: %w", l.failed(err))
	}
	if err := k.Reload(); err != nil || k.Fingerprint() != userkey.Fingerprint(mustHex(hexKey)) {
		return n, errors.New("question log: the new key was written but does not read back")
	}
	return n, nil
}

// RunRetention purges question texts older than keep now and then every every (daily
// if every is not positive), until ctx is done. Failures are logged and retried at the
// next round. Every process may run it: the purges are idempotent.
//
// A log started before its database answered begins when it is set up.
func (l *Log) RunRetention(ctx context.Context, every, keep time.Duration) {
	select {
	case <-l.readyCh:
	case <-ctx.Done():
		return
	}
	questionlog.RunRetention(ctx, l.log, l.now, every, keep, l.Purge)
}
