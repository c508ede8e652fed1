package pglog

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/questionlogtest"
)

func openTest(t *testing.T, dbURL string, opts ...Option) *Log {
	t.Helper()
	l, err := Open(context.Background(), dbURL, append([]Option{WithKeyFile(filepath.Join(t.TempDir(), "questions.key"))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func TestContract(t *testing.T) {
	questionlogtest.Run(t, func(t *testing.T, now func() time.Time) questionlogtest.Log {
		return openTest(t, questionlogtest.PostgresSchema(t), WithClock(now))
	})
}

// Replicas starting together on an empty database: one migrates, the others wait and
// find the schema up to date.
func TestOpenConcurrently(t *testing.T) {
	dbURL := questionlogtest.PostgresSchema(t)
	key := filepath.Join(t.TempDir(), "questions.key")
	const n = 6
	logs := make([]*Log, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			logs[i], errs[i] = Open(context.Background(), dbURL, WithKeyFile(key))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		defer logs[i].Close()
	}
	ctx := context.Background()
	var versions int
	if err := logs[0].db.QueryRow(ctx, `SELECT count(*) FROM schema_version`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if versions != len(schema.Migrations) {
		t.Errorf("%d schema_version rows after %d concurrent opens, want %d: a migration ran twice", versions, n, len(schema.Migrations))
	}
	// All hash with the one key, created by whichever came first.
	for i, l := range logs {
		if l.UserHash("telegram", "1") != logs[0].UserHash("telegram", "1") {
			t.Errorf("replica %d hashes user ids with another key", i)
		}
	}
	// What one records, another reports.
	if err := logs[1].Record(ctx, bot.Asked{ID: "r1", Platform: "telegram", User: "1", Question: "hi there", Kind: bot.KindNoMatch}); err != nil {
		t.Fatal(err)
	}
	if st, err := logs[2].Stats(ctx, 1); err != nil || st.Asked != 1 {
		t.Errorf("another replica's stats: %+v, %v", st, err)
	}
	if n, err := logs[3].PurgeUser(ctx, "telegram", "1"); err != nil || n != 1 {
		t.Errorf("another replica's purge = %d, %v", n, err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	dbURL := questionlogtest.PostgresSchema(t)
	l := openTest(t, dbURL)
	if _, err := l.db.Exec(context.Background(), `INSERT INTO schema_version (version, name, applied) VALUES (99, 'future', now())`); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), dbURL, WithKeyFile(filepath.Join(t.TempDir(), "k")))
	if err == nil || !strings.Contains(err.Error(), "newer than this smpbot knows") {
		t.Errorf("open of a newer schema = %v", err)
	}
}

func TestUserIDsAreNotStored(t *testing.T) {
	ctx := context.Background()
	dbURL := questionlogtest.PostgresSchema(t)
	l := openTest(t, dbURL)
	if err := l.Record(ctx, bot.Asked{ID: "r1", Platform: "telegram", User: "987654321", Chat: "555", Question: "q", Kind: bot.KindNoMatch}); err != nil {
		t.Fatal(err)
	}
	if err := l.Feedback(ctx, bot.Feedback{AnswerID: "r1", Platform: "telegram", User: "987654321"}); err != nil {
		t.Fatal(err)
	}
	var dump string
	if err := l.db.QueryRow(ctx, `SELECT (SELECT string_agg(q::text, ' ') FROM questions q) || (SELECT string_agg(f::text, ' ') FROM feedback f) ||
		(SELECT string_agg(s::text, ' ') FROM settings s)`).Scan(&dump); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"987654321", "555", hex.EncodeToString(l.ukey.Load().Key())} {
		if strings.Contains(dump, secret) {
			t.Errorf("the database holds %q: %s", secret, dump)
		}
	}
}

// The key is shared configuration: a process given another key, or none, while the
// database is used with one, refuses to start rather than write hashes no purge finds.
func TestUserKeyMustBeShared(t *testing.T) {
	dbURL := questionlogtest.PostgresSchema(t)
	openTest(t, dbURL) // records its key's fingerprint
	other := filepath.Join(t.TempDir(), "questions.key")
	if err := os.WriteFile(other, []byte(strings.Repeat("ab", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), dbURL, WithKeyFile(other)); err == nil || !strings.Contains(err.Error(), "differs from the key") {
		t.Errorf("open with another key = %v", err)
	}
	missing := filepath.Join(t.TempDir(), "questions.key")
	if _, err := Open(context.Background(), dbURL, WithKeyFile(missing)); err == nil || !strings.Contains(err.Error(), "is missing") {
		t.Errorf("open without the key = %v", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a key file was made for a database used with another key")
	}
	if _, err := Open(context.Background(), dbURL); err == nil {
		t.Errorf("open without a key file option succeeded")
	}
}

func TestRotateKeyReachesTheOtherReplicas(t *testing.T) {
	ctx := context.Background()
	dbURL := questionlogtest.PostgresSchema(t)
	key := filepath.Join(t.TempDir(), "questions.key")
	a := openTest(t, dbURL, WithKeyFile(key))
	b := openTest(t, dbURL, WithKeyFile(key)) // the same mounted secret
	before := b.UserHash("telegram", "1")
	if _, err := a.RotateKey(ctx); err != nil {
		t.Fatal(err)
	}
	if got := b.UserHash("telegram", "1"); got == before || got != a.UserHash("telegram", "1") {
		t.Errorf("the other replica did not pick up the new key")
	}
	// A replica starting after the rotation with the new file is accepted.
	openTest(t, dbURL, WithKeyFile(key))
}

// A purge or rotation failing half-way changes nothing.
func TestPurgesRollBackOnFailure(t *testing.T) {
	ctx := context.Background()
	c := &questionlogtest.Clock{}
	c.Set(questionlogtest.Day0)
	l := openTest(t, questionlogtest.PostgresSchema(t), WithClock(c.Now))
	old := questionlogtest.Day0.AddDate(0, 0, -100)
	if err := l.Record(ctx, bot.Asked{ID: "o1", Time: old, Platform: "telegram", User: "u1", Question: "old question", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 0.9}); err != nil {
		t.Fatal(err)
	}
	if err := l.Feedback(ctx, bot.Feedback{AnswerID: "o1", Platform: "telegram", User: "u1", Time: old}); err != nil {
		t.Fatal(err)
	}
	keyBefore, err := os.ReadFile(l.ukey.Load().Path())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		`CREATE FUNCTION planted_failure() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'planted failure'; END $$`,
		`CREATE TRIGGER fail_feedback BEFORE UPDATE OR DELETE ON feedback FOR EACH ROW EXECUTE FUNCTION planted_failure()`,
	} {
		if _, err := l.db.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.Purge(ctx, c.Now().Add(-DefaultRetention)); err == nil || !strings.Contains(err.Error(), "planted failure") {
		t.Errorf("Purge with a failing statement = %v", err)
	}
	if _, err := l.PurgeUser(ctx, "telegram", "u1"); err == nil || !strings.Contains(err.Error(), "planted failure") {
		t.Errorf("PurgeUser with a failing statement = %v", err)
	}
	if _, err := l.RotateKey(ctx); err == nil || !strings.Contains(err.Error(), "planted failure") {
		t.Errorf("RotateKey with a failing statement = %v", err)
	}
	var text *string
	var uh string
	if err := l.db.QueryRow(ctx, `SELECT question, user_hash FROM questions WHERE id = 'o1'`).Scan(&text, &uh); err != nil {
		t.Fatalf("the question is gone after failed purges: %v", err)
	}
	if text == nil || *text != "old question" || uh != l.UserHash("telegram", "u1") {
		t.Errorf("after failed purges the question is %v by %q: half a purge was committed", text, uh)
	}
	if keyAfter, _ := os.ReadFile(l.ukey.Load().Path()); string(keyAfter) != string(keyBefore) {
		t.Errorf("a failed rotation changed the key file")
	}
}

func TestRunRetention(t *testing.T) {
	c := &questionlogtest.Clock{}
	c.Set(questionlogtest.Day0)
	l := openTest(t, questionlogtest.PostgresSchema(t), WithClock(c.Now))
	ctx, cancel := context.WithCancel(context.Background())
	if err := l.Record(ctx, bot.Asked{ID: "o1", Time: questionlogtest.Day0.AddDate(0, 0, -10), Platform: "telegram", User: "u1", Question: "old", Kind: bot.KindNoMatch}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { l.RunRetention(ctx, time.Hour, 7*24*time.Hour); close(done) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var text *string
		if err := l.db.QueryRow(context.Background(), `SELECT question FROM questions WHERE id = 'o1'`).Scan(&text); err != nil {
			t.Fatal(err)
		}
		if text == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("retention did not delete the old question text")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
}

func TestPingAndBadURL(t *testing.T) {
	l := openTest(t, questionlogtest.PostgresSchema(t))
	if err := l.Ping(context.Background()); err != nil {
		t.Errorf("ping = %v", err)
	}
	_, err := Open(context.Background(), "postgres://smpbot:s3cret@[::1", WithKeyFile(filepath.Join(t.TempDir(), "k")))
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("open of a bad URL = %v; want an error that does not quote the password", err)
	}
}

// A database that an older smpbot (schema 1) wrote is upgraded in place: its questions
// stay counted (as not urgent), and purges and the urgent flag work from then on.
func TestUpgradeFromVersion1(t *testing.T) {
	ctx := context.Background()
	dbURL := questionlogtest.PostgresSchema(t)
	key := filepath.Join(t.TempDir(), "questions.key")
	old := openTest(t, dbURL, WithKeyFile(key), func(l *Log) { l.target = 1 })
	if v, err := old.SchemaVersion(ctx); err != nil || v != 1 {
		t.Fatalf("old schema at version %d, %v", v, err)
	}
	now := time.Now()
	for i, q := range []string{"my scalp burns after laser", "how much does it cost"} {
		if _, err := old.db.Exec(ctx, `INSERT INTO questions (id, time, platform, user_hash, question, qkey, kind, entry_id, confidence)
			VALUES ($1, $2, 'telegram', $3, $4, $4, 'answer', 'cost', 0.9)`, fmt.Sprint("old", i), now.Add(-time.Hour), old.UserHash("telegram", "1"), q); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()
	l := openTest(t, dbURL, WithKeyFile(key))
	if v, err := l.SchemaVersion(ctx); err != nil || v != len(schema.Migrations) {
		t.Fatalf("upgraded to version %d, %v; want %d", v, err, len(schema.Migrations))
	}
	if err := l.Record(ctx, bot.Asked{ID: "new", Platform: "telegram", User: "1", Question: "my scalp is red and hot",
		Kind: bot.KindAnswer, EntryID: "complications-urgent", Confidence: 1, Urgent: true}); err != nil {
		t.Fatal(err)
	}
	// Two days, not one: the old rows are an hour old, which is yesterday in the
	// first hour after midnight UTC.
	st, err := l.Stats(ctx, 2)
	if err != nil || st.Asked != 3 || st.Urgent != 1 {
		t.Errorf("stats after the upgrade %+v, %v; want 3 asked, 1 urgent (the new one)", st, err)
	}
	if n, err := l.PurgeUser(ctx, "telegram", "1"); err != nil || n != 3 {
		t.Errorf("purge after the upgrade = %d, %v; want 3", n, err)
	}
}
