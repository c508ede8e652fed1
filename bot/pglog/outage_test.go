package pglog

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/questionlogtest"
	"github.com/smpbot/smpbot/knowledge/pgtest"
)

// fastRetry keeps the tests' outages short.
var fastRetry = WithRetry(10*time.Millisecond, 100*time.Millisecond)

// direct connects to the test's schema without the proxy, to look at what is stored.
func direct(t *testing.T, dbURL string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// stored returns the ids of the questions stored, in the order they were written (the
// transaction ids of the rows).
func stored(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT id FROM questions ORDER BY xmin::text::bigint, id`)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func caughtUp(l *Log) func() bool {
	return func() bool { st := l.Status(); return st.Ready && !st.Down && st.Queued == 0 }
}

// While the database is away, records queue up to the limit, in order, and the excess
// is counted as dropped; once it is back the queue is written in order, the feedback
// after the question it judges, and the drops reach the reports.
func TestQueueWhileTheDatabaseIsAway(t *testing.T) {
	ctx := context.Background()
	dbURL := questionlogtest.PostgresSchema(t)
	proxy, viaProxy := pgtest.NewProxy(t, dbURL)
	l := openTest(t, viaProxy, WithQueueLimit(5), fastRetry)
	conn := direct(t, dbURL)
	ask := func(id string) {
		t.Helper()
		if err := l.Record(ctx, bot.Asked{ID: id, Platform: "telegram", User: "1", Question: "question " + id, Kind: bot.KindNoMatch}); err != nil {
			t.Fatalf("record %s while the database is away: %v", id, err)
		}
	}
	ask("r0")
	proxy.Cut()
	for i := 1; i <= 4; i++ {
		ask(fmt.Sprint("r", i))
	}
	if err := l.Feedback(ctx, bot.Feedback{AnswerID: "r1", Platform: "telegram", User: "1", Helpful: true}); err != nil {
		t.Fatalf("feedback while the database is away: %v", err)
	}
	ask("r5") // over the limit of 5
	ask("r6")
	st := l.Status()
	if !st.Down || st.Queued != 5 || st.Dropped != 2 || st.DownSince.IsZero() {
		t.Errorf("status while away %+v; want down, 5 queued, 2 dropped", st)
	}
	_, err := l.ResolveSuggestion(ctx, 1, true)
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("resolving a suggestion while the database is away = %v, want ErrUnavailable", err)
	}
	if msg := bot.DescribeError(err); !strings.Contains(msg, "does not answer") || strings.Contains(msg, "127.0.0.1") {
		t.Errorf("a moderator is told %q", msg)
	}
	if got := stored(t, conn); !slices.Equal(got, []string{"r0"}) {
		t.Errorf("stored while away %v, want only r0", got)
	}
	proxy.Restore(t)
	questionlogtest.Eventually(t, "the queue to be written", caughtUp(l))
	if got, want := stored(t, conn), []string{"r0", "r1", "r2", "r3", "r4"}; !slices.Equal(got, want) {
		t.Errorf("stored %v, want %v in that order", got, want)
	}
	stats, err := l.Stats(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Lost != 2 {
		t.Errorf("stats after the outage: lost %d, want exactly the 2 over the limit", stats.Lost)
	}
	var presses int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM feedback WHERE answer_id = 'r1'`).Scan(&presses); err != nil || presses != 1 {
		t.Errorf("feedback queued behind its question: %d stored, %v", presses, err)
	}
	if l.Status().Dropped != 2 {
		t.Errorf("dropped %d after catching up, want 2", l.Status().Dropped)
	}
}

// Connections killed by the server (a restart, a failover) lose nothing: the records
// written on them are retried on new ones.
func TestTerminatedConnectionsLoseNothing(t *testing.T) {
	ctx := context.Background()
	dbURL := questionlogtest.PostgresSchema(t)
	l := openTest(t, dbURL+"&application_name=smpbot-terminate-test", fastRetry)
	conn := direct(t, dbURL)
	var want []string
	for round := range 3 {
		// Make sure there are connections to kill (a ping on one killed before fails).
		if l.Ping(ctx) != nil && l.Ping(ctx) != nil {
			t.Fatal("the database does not answer")
		}
		var killed int
		if err := conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE application_name = 'smpbot-terminate-test' AND datname = current_database()`).Scan(&killed); err != nil {
			t.Fatal(err)
		}
		if killed == 0 {
			t.Fatalf("round %d: no connection to kill", round)
		}
		for i := range 3 {
			id := fmt.Sprintf("r%d-%d", round, i)
			want = append(want, id)
			if err := l.Record(ctx, bot.Asked{ID: id, Platform: "telegram", User: "1", Question: "q", Kind: bot.KindNoMatch}); err != nil {
				t.Fatalf("record after the connections were killed: %v", err)
			}
		}
	}
	questionlogtest.Eventually(t, "the queue to be written", caughtUp(l))
	if got := stored(t, conn); !slices.Equal(got, want) {
		t.Errorf("stored %v, want %v", got, want)
	}
	if d := l.Status().Dropped; d != 0 {
		t.Errorf("%d dropped", d)
	}
}

// A replica started while the database is away answers at once, queues, and migrates
// and writes the queue when the database comes up.
func TestStartWithTheDatabaseDown(t *testing.T) {
	ctx := context.Background()
	dbURL := questionlogtest.PostgresSchema(t)
	proxy, viaProxy := pgtest.NewProxy(t, dbURL)
	proxy.Cut()
	key := filepath.Join(t.TempDir(), "questions.key")
	started := time.Now()
	l, err := Start(viaProxy, WithKeyFile(key), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if took := time.Since(started); took > 5*time.Second {
		t.Errorf("Start waited %v for a database that is down", took)
	}
	for i := range 3 {
		if err := l.Record(ctx, bot.Asked{ID: fmt.Sprint("r", i), Platform: "telegram", User: "1", Question: "q", Kind: bot.KindNoMatch}); err != nil {
			t.Fatal(err)
		}
	}
	questionlogtest.Eventually(t, "a first attempt to fail", func() bool { return l.Status().Down })
	if st := l.Status(); st.Ready || !st.Down || st.Queued != 3 {
		t.Errorf("status before the database came up: %+v", st)
	}
	if _, err := l.Stats(ctx, 1); !errors.Is(err, ErrUnavailable) {
		t.Errorf("report before the database came up = %v, want ErrUnavailable", err)
	}
	if _, err := l.PurgeUser(ctx, "telegram", "1"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("purge before the database came up = %v, want ErrUnavailable", err)
	}
	proxy.Restore(t)
	questionlogtest.Eventually(t, "the log to be set up and the queue written", caughtUp(l))
	if v, err := l.SchemaVersion(ctx); err != nil || v != len(schema.Migrations) {
		t.Errorf("schema version %d, %v; want %d", v, err, len(schema.Migrations))
	}
	if got := stored(t, direct(t, dbURL)); !slices.Equal(got, []string{"r0", "r1", "r2"}) {
		t.Errorf("stored %v", got)
	}
	if l.UserHash("telegram", "1") == "" {
		t.Errorf("no user hash once the key was made")
	}
	if st, err := l.Stats(ctx, 1); err != nil || st.Asked != 3 {
		t.Errorf("stats %+v, %v", st, err)
	}
}

// A replica started with another key than the database is used with is refused for
// good: it says why, and drops rather than queue.
func TestStartRefusedForAnotherKey(t *testing.T) {
	ctx := context.Background()
	dbURL := questionlogtest.PostgresSchema(t)
	openTest(t, dbURL) // records its key's fingerprint
	l, err := Start(dbURL, WithKeyFile(filepath.Join(t.TempDir(), "other.key")), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	questionlogtest.Eventually(t, "the log to be refused", func() bool { return l.Status().Refused })
	if err := l.Record(ctx, bot.Asked{ID: "r1", Platform: "telegram", User: "1", Kind: bot.KindNoMatch}); err == nil {
		t.Errorf("a refused log took a record")
	}
}

// A purge made while a replica holds queued records is not undone when they are
// written: the purged person's earlier questions stay gone (their later ones are
// kept), and a record older than the retention's cut is stored without text or person.
func TestQueuedRecordsDoNotUndoAPurge(t *testing.T) {
	ctx := context.Background()
	dbURL := questionlogtest.PostgresSchema(t)
	key := filepath.Join(t.TempDir(), "questions.key")
	proxy, viaProxy := pgtest.NewProxy(t, dbURL)
	c := &questionlogtest.Clock{}
	c.Set(questionlogtest.Day0)
	replica := openTest(t, viaProxy, WithKeyFile(key), WithClock(c.Now), fastRetry)
	cli := openTest(t, dbURL, WithKeyFile(key), WithClock(c.Now))
	proxy.Cut()
	before, after := questionlogtest.Day0.Add(-time.Hour), questionlogtest.Day0.Add(time.Hour)
	old := questionlogtest.Day0.AddDate(0, 0, -100)
	for _, a := range []bot.Asked{
		{ID: "purged-before", Time: before, User: "1", Question: "mine, before my purge"},
		{ID: "other", Time: before, User: "2", Question: "someone else's"},
		{ID: "old", Time: old, User: "2", Question: "older than the retention"},
		{ID: "purged-after", Time: after, User: "1", Question: "mine, after my purge"},
	} {
		a.Platform, a.Kind = "telegram", bot.KindNoMatch
		if err := replica.Record(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := replica.Feedback(ctx, bot.Feedback{AnswerID: "other", Platform: "telegram", User: "1", Helpful: false, Time: before}); err != nil {
		t.Fatal(err)
	}
	if st := replica.Status(); st.Queued != 5 {
		t.Fatalf("queued %d, want 5", st.Queued)
	}
	// data purge --user, and the retention, from the command line meanwhile.
	if _, err := cli.PurgeUser(ctx, "telegram", "1"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Purge(ctx, questionlogtest.Day0.AddDate(0, 0, -90)); err != nil {
		t.Fatal(err)
	}
	proxy.Restore(t)
	questionlogtest.Eventually(t, "the queue to be written", caughtUp(replica))
	conn := direct(t, dbURL)
	if got := stored(t, conn); !slices.Equal(got, []string{"other", "old", "purged-after"}) {
		t.Errorf("stored %v; want the purged person's earlier question left out", got)
	}
	var text *string
	var hash string
	if err := conn.QueryRow(ctx, `SELECT question, user_hash FROM questions WHERE id = 'old'`).Scan(&text, &hash); err != nil {
		t.Fatal(err)
	}
	if text != nil || hash != "" {
		t.Errorf("a record older than the retention was stored with text %v, person %q", text, hash)
	}
	var presses int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM feedback`).Scan(&presses); err != nil || presses != 0 {
		t.Errorf("the purged person's press was stored (%d, %v)", presses, err)
	}
	if n, err := cli.PurgeUser(ctx, "telegram", "1"); err != nil || n != 1 {
		t.Errorf("purging the person again = %d, %v; want the question asked after the first purge", n, err)
	}
}

// Close gives up on what the database did not take, counting it.
func TestCloseCountsTheQueue(t *testing.T) {
	ctx := context.Background()
	proxy, viaProxy := pgtest.NewProxy(t, questionlogtest.PostgresSchema(t))
	l, err := Open(ctx, viaProxy, WithKeyFile(filepath.Join(t.TempDir(), "k")), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	proxy.Cut()
	if err := l.Record(ctx, bot.Asked{ID: "r1", Platform: "telegram", User: "1", Kind: bot.KindNoMatch}); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := l.Flush(short); err == nil {
		t.Errorf("flush with the database away returned nil")
	}
	l.Close()
	if st := l.Status(); st.Queued != 0 || st.Dropped != 1 {
		t.Errorf("after close %+v; want the record counted as dropped", st)
	}
}
