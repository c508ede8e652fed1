package sqlitelog

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smpbot/smpbot/bot"
)

// The key that hashes user ids is in a 0600 file beside the database, never in it: a
// copy of questions.db alone cannot be brute-forced back to ids.
func TestUserKeyIsNotInTheDatabase(t *testing.T) {
	ctx := context.Background()
	l, path, _ := openTest(t)
	record(t, l, bot.Asked{ID: "a1", User: "800150", Question: "how much does removal cost", Kind: bot.KindNoMatch})
	key := hex.EncodeToString(l.currentKey())
	keyFile := filepath.Join(filepath.Dir(path), KeyFile)
	fi, err := os.Stat(keyFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	if data, _ := os.ReadFile(keyFile); strings.TrimSpace(string(data)) != key {
		t.Errorf("the key file does not hold the key in use")
	}
	var n int
	l.db.QueryRowContext(ctx, `SELECT count(*) FROM settings WHERE key = 'user_key'`).Scan(&n)
	l.Close()
	if n != 0 {
		t.Errorf("settings still hold the user key")
	}
	for _, f := range []string{path, path + "-wal"} {
		data, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(key)) {
			t.Errorf("%s holds the user key", filepath.Base(f))
		}
	}
	// Reopening uses the same key, so hashes stay stable.
	l2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if got := hex.EncodeToString(l2.currentKey()); got != key {
		t.Errorf("reopened with another key")
	}
}

// An installation from before the key file has its key in the database: opening it
// moves the key out, and the people recorded before can still be purged by id.
func TestUserKeyMovesOutOfAnOlderDatabase(t *testing.T) {
	ctx := context.Background()
	l, path, _ := openTest(t)
	record(t, l, bot.Asked{ID: "a1", Platform: "telegram", User: "800150", Question: "an old question", Kind: bot.KindNoMatch})
	key := hex.EncodeToString(l.currentKey())
	// Put the install back as an older smpbot left it: the key in settings, no file.
	if _, err := l.db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('user_key', ?)`, key); err != nil {
		t.Fatal(err)
	}
	l.Close()
	keyFile := filepath.Join(filepath.Dir(path), KeyFile)
	if err := os.Remove(keyFile); err != nil {
		t.Fatal(err)
	}
	l2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if data, err := os.ReadFile(keyFile); err != nil || strings.TrimSpace(string(data)) != key {
		t.Fatalf("the key was not moved to %s: %v", KeyFile, err)
	}
	var n int
	l2.db.QueryRowContext(ctx, `SELECT count(*) FROM settings`).Scan(&n)
	if n != 0 {
		t.Errorf("the database still holds the key")
	}
	if got, err := l2.PurgeUser(ctx, "telegram", "800150"); err != nil || got != 1 {
		t.Errorf("purging a person recorded before the move: %d, %v; want 1", got, err)
	}
}

// A database restored from before the move, next to a newer key file, is refused
// rather than hashed with the wrong key.
func TestUserKeyMismatchIsRefused(t *testing.T) {
	ctx := context.Background()
	l, path, _ := openTest(t)
	if _, err := l.db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('user_key', ?)`, strings.Repeat("ab", 32)); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if _, err := Open(ctx, path); err == nil || !strings.Contains(err.Error(), "differs") {
		t.Errorf("Open with two different keys = %v, want a refusal", err)
	}
}

// A key file readable by others is made 0600.
func TestUserKeyPermissionsAreFixed(t *testing.T) {
	ctx := context.Background()
	l, path, _ := openTest(t)
	l.Close()
	keyFile := filepath.Join(filepath.Dir(path), KeyFile)
	if err := os.Chmod(keyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	l2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	l2.Close()
	if fi, _ := os.Stat(keyFile); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v after open, want 0600", fi.Mode().Perm())
	}
}

// Rotating the key unlinks every row from its person and replaces the key; a second
// Log on the same files (a running bot) hashes with the new key from its next write.
func TestRotateKey(t *testing.T) {
	ctx := context.Background()
	l, path, _ := openTest(t)
	record(t, l, bot.Asked{ID: "a1", Platform: "telegram", User: "800150", Question: "before the rotation", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 0.9})
	if err := l.Feedback(ctx, bot.Feedback{AnswerID: "a1", Platform: "telegram", User: "800150", Helpful: true}); err != nil {
		t.Fatal(err)
	}
	running, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer running.Close()
	oldHash := running.hash("telegram", "800150")
	n, err := l.RotateKey(ctx)
	if err != nil || n != 2 {
		t.Fatalf("RotateKey = %d, %v; want 2 rows unlinked", n, err)
	}
	var linked int
	l.db.QueryRowContext(ctx, `SELECT count(*) FROM questions WHERE user_hash != ''`).Scan(&linked)
	if linked != 0 {
		t.Errorf("%d questions still tied to a person after rotation", linked)
	}
	var fb string
	l.db.QueryRowContext(ctx, `SELECT user_hash FROM feedback`).Scan(&fb)
	if !strings.HasPrefix(fb, "purged-") {
		t.Errorf("feedback still tied to a person: %q", fb)
	}
	if got := running.hash("telegram", "800150"); got == oldHash || got != l.hash("telegram", "800150") {
		t.Errorf("the running log did not pick up the new key")
	}
	// The stats keep their numbers.
	if st, err := l.Stats(ctx, 7); err != nil || st.Asked != 1 {
		t.Errorf("stats after rotation: %+v, %v", st, err)
	}
}

// Feedback on a reply the log does not hold is refused, not stored.
func TestFeedbackForAnUnknownReplyIsRefused(t *testing.T) {
	ctx := context.Background()
	l, _, _ := openTest(t)
	record(t, l, bot.Asked{ID: "a1", Question: "a question", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 0.9})
	err := l.Feedback(ctx, bot.Feedback{AnswerID: "forged", Platform: "telegram", User: "u1", Helpful: true})
	if !errors.Is(err, bot.ErrUnknownReply) {
		t.Errorf("feedback on an unknown reply = %v, want ErrUnknownReply", err)
	}
	if err := l.Feedback(ctx, bot.Feedback{AnswerID: "a1", Platform: "telegram", User: "u1", Helpful: true}); err != nil {
		t.Errorf("feedback on a recorded reply: %v", err)
	}
	var n int
	l.db.QueryRowContext(ctx, `SELECT count(*) FROM feedback`).Scan(&n)
	if n != 1 {
		t.Errorf("%d feedback rows, want 1", n)
	}
}

// Retention unlinks old feedback from the person who gave it, and only old feedback.
func TestPurgeUnlinksOldFeedback(t *testing.T) {
	ctx := context.Background()
	l, _, c := openTest(t)
	old := day0.AddDate(0, 0, -100)
	record(t, l, bot.Asked{ID: "o1", Time: old, User: "u1", Question: "old", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 0.9})
	record(t, l, bot.Asked{ID: "n1", User: "u1", Question: "new", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 0.9})
	for _, f := range []bot.Feedback{{AnswerID: "o1", Time: old}, {AnswerID: "n1"}} {
		f.Platform, f.User, f.Helpful = "telegram", "u1", true
		if err := l.Feedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.Purge(ctx, c.now().Add(-DefaultRetention)); err != nil {
		t.Fatal(err)
	}
	h := l.hash("telegram", "u1")
	got := map[string]string{}
	query(ctx, l.db, `SELECT answer_id, user_hash FROM feedback`, func(s scanner) error {
		var id, uh string
		err := s.Scan(&id, &uh)
		got[id] = uh
		return err
	})
	if got["o1"] == h || !strings.HasPrefix(got["o1"], "purged-") {
		t.Errorf("old feedback still tied to the person: %q", got["o1"])
	}
	if got["n1"] != h {
		t.Errorf("recent feedback unlinked too early: %q", got["n1"])
	}
	// PurgeUser now finds only the recent press.
	if _, err := l.PurgeUser(ctx, "telegram", "u1"); err != nil {
		t.Fatal(err)
	}
	var n int
	l.db.QueryRowContext(ctx, `SELECT count(*) FROM feedback`).Scan(&n)
	if n != 1 {
		t.Errorf("%d feedback rows after purging the person, want the 1 unlinked old one", n)
	}
}

// A failure inside Purge or PurgeUser rolls the whole transaction back: no half-purged
// state where texts are gone but the person is still linked, or the reverse.
func TestPurgesRollBackOnFailure(t *testing.T) {
	ctx := context.Background()
	l, _, c := openTest(t)
	old := day0.AddDate(0, 0, -100)
	record(t, l, bot.Asked{ID: "o1", Time: old, User: "u1", Question: "old question", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 0.9})
	if err := l.Feedback(ctx, bot.Feedback{AnswerID: "o1", Platform: "telegram", User: "u1", Time: old}); err != nil {
		t.Fatal(err)
	}
	// Make the last statements of both purges fail.
	if _, err := l.db.ExecContext(ctx, `CREATE TRIGGER fail_feedback BEFORE UPDATE ON feedback BEGIN SELECT RAISE(ABORT, 'planted failure'); END`); err != nil {
		t.Fatal(err)
	}
	if _, err := l.db.ExecContext(ctx, `CREATE TRIGGER fail_feedback_delete BEFORE DELETE ON feedback BEGIN SELECT RAISE(ABORT, 'planted failure'); END`); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Purge(ctx, c.now().Add(-DefaultRetention)); err == nil || !strings.Contains(err.Error(), "planted failure") {
		t.Errorf("Purge with a failing statement = %v", err)
	}
	if _, err := l.PurgeUser(ctx, "telegram", "u1"); err == nil || !strings.Contains(err.Error(), "planted failure") {
		t.Errorf("PurgeUser with a failing statement = %v", err)
	}
	var text, uh string
	if err := l.db.QueryRowContext(ctx, `SELECT question, user_hash FROM questions WHERE id = 'o1'`).Scan(&text, &uh); err != nil {
		t.Fatalf("the question is gone after failed purges: %v", err)
	}
	if text != "old question" || uh != l.hash("telegram", "u1") {
		t.Errorf("after failed purges the question is %q by %q: half a purge was committed", text, uh)
	}
	if _, err := l.RotateKey(ctx); err == nil {
		t.Errorf("RotateKey with a failing statement succeeded")
	}
	if got := l.hash("telegram", "u1"); got != uh {
		t.Errorf("a failed rotation changed the key")
	}
}
