package pgstore_test

import (
	"context"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/smpbot/smpbot/knowledge/pgstore"
	"github.com/smpbot/smpbot/knowledge/pgtest"
	"github.com/smpbot/smpbot/knowledge/storetest"
)

// execSQL runs sql on a connection of its own: what psql, a restore or another tool
// does, with no NOTIFY.
func execSQL(t testing.TB, dbURL, sql string, args ...any) {
	t.Helper()
	if err := withConn(dbURL, func(c *pgx.Conn) error { _, err := c.Exec(context.Background(), sql, args...); return err }); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// withConn calls f with a connection of its own to dbURL.
func withConn(dbURL string, f func(*pgx.Conn) error) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return f(conn)
}

// pgxQueryRow scans the one row of sql, read on a connection of its own.
func pgxQueryRow(dbURL, sql string, dest ...any) error {
	return withConn(dbURL, func(c *pgx.Conn) error { return c.QueryRow(context.Background(), sql).Scan(dest...) })
}

// answerOf returns the answer s serves for id.
func answerOf(t *testing.T, s *pgstore.Store, id string) string {
	t.Helper()
	e, _, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return e.Answer
}

// The database restored from an older backup, behind the replicas' back (no
// notification, and the last change's number gone back): a running replica serves
// the restored FAQ within its resync period, says so in its log, and edits go on from
// the restored state. It used to keep answering from the newer FAQ it had loaded, as
// its catch-up only ever looked for a higher change number.
func TestResyncAfterRestoreFromAnOlderBackup(t *testing.T) {
	const period = 300 * time.Millisecond
	dbURL := pgtest.Schema(t)
	a := open(t, dbURL)
	hook, answers := changed("cost")
	logs := newLogRecorder()
	b := open(t, dbURL, hook, pgstore.ResyncEvery(period), pgstore.WithLogger(slog.New(logs)))
	waitEvent(t, watch(t, b), "listening", 10*time.Second)

	edit(t, a, "cost", "Answer in the backup.")
	edit(t, a, "aftercare", "Aftercare in the backup.")
	waitAnswer(t, answers, "Answer in the backup.", 10*time.Second)
	// The backup: the store's three tables as they are now.
	var bk string
	if err := pgxQueryRow(dbURL, `SELECT current_schema() || '_backup'`, &bk); err != nil {
		t.Fatal(err)
	}
	execSQL(t, dbURL, `CREATE SCHEMA `+bk+`;
		CREATE TABLE `+bk+`.faq_entries AS SELECT * FROM faq_entries;
		CREATE TABLE `+bk+`.faq_changes AS SELECT * FROM faq_changes;
		CREATE TABLE `+bk+`.faq_state AS SELECT * FROM faq_state`)
	t.Cleanup(func() { execSQL(t, dbURL, `DROP SCHEMA `+bk+` CASCADE`) })

	for _, answer := range []string{"Answer after the backup.", "Answer after the backup, edited again."} {
		edit(t, a, "cost", answer)
		waitAnswer(t, answers, answer, 10*time.Second)
	}
	edit(t, a, "aftercare", "Aftercare after the backup.")

	// The restore, in one transaction, as pg_restore --clean --single-transaction
	// would: the tables' rows put back as they were, no NOTIFY.
	restored := time.Now()
	execSQL(t, dbURL, `BEGIN;
		DELETE FROM faq_entries; INSERT INTO faq_entries SELECT * FROM `+bk+`.faq_entries;
		DELETE FROM faq_changes; INSERT INTO faq_changes SELECT * FROM `+bk+`.faq_changes;
		UPDATE faq_state SET seq = (SELECT seq FROM `+bk+`.faq_state);
		COMMIT`)
	waitAnswer(t, answers, "Answer in the backup.", 30*time.Second+100*period)
	t.Logf("the restored FAQ served %v after the restore (resync period %v)", time.Since(restored).Round(time.Millisecond), period)
	if got := answerOf(t, b, "aftercare"); got != "Aftercare in the backup." {
		t.Errorf("aftercare after the restore: %q, want the backup's", got)
	}
	awaitLogged(t, logs, "went back to an older change")

	// Edits go on from the restored FAQ, through either store.
	e, base, _ := b.Get("cost")
	e.Answer = "Edited after the restore."
	if _, err := b.Put(context.Background(), e, base, storetest.Moderator); err != nil {
		t.Fatalf("edit after the restore: %v", err)
	}
	if got := answerOf(t, b, "cost"); got != e.Answer {
		t.Errorf("after its own edit B serves %q, want %q", got, e.Answer)
	}
}

// An entry's row edited by hand (psql), with neither a recorded change nor a
// notification: a running replica serves it within its resync period. It used to
// serve its old copy until the next recorded change.
func TestResyncAfterAnEditByHand(t *testing.T) {
	const period = 300 * time.Millisecond
	dbURL := pgtest.Schema(t)
	a := open(t, dbURL)
	edit(t, a, "cost", "Answer before the edit by hand.")
	hook, answers := changed("cost")
	logs := newLogRecorder()
	b := open(t, dbURL, hook, pgstore.ResyncEvery(period), pgstore.WithLogger(slog.New(logs)))
	waitEvent(t, watch(t, b), "listening", 10*time.Second)
	if got := answerOf(t, b, "cost"); got != "Answer before the edit by hand." {
		t.Fatalf("B serves %q before the edit", got)
	}
	edited := time.Now()
	execSQL(t, dbURL, `UPDATE faq_entries SET body = replace(body, 'Answer before the edit by hand.', 'Answer edited by hand.') WHERE id = 'cost'`)
	waitAnswer(t, answers, "Answer edited by hand.", 30*time.Second+100*period)
	t.Logf("the edit by hand served %v after it (resync period %v)", time.Since(edited).Round(time.Millisecond), period)
	awaitLogged(t, logs, "without a recorded change")
}

// Watch's connection killed (pg_terminate_backend) while an edit lands that no
// recorded change tells of (by hand, or a restore): once listening again the replica
// serves it, without waiting for a resync (an hour here). It used to catch up only
// when the last change's number had grown, which covers edits through a store
// (TestWatchCatchesUpAfterLostConnection) but not this one.
func TestWatchReloadsAfterReconnect(t *testing.T) {
	dbURL := pgtest.Schema(t)
	b := open(t, dbURL, pgstore.ResyncEvery(time.Hour))
	w := watchHeld(t, b)
	waitEvent(t, w.events, "listening", 10*time.Second)
	before := answerOf(t, b, "aftercare")
	killListener(t, dbURL)
	waitEvent(t, w.events, "lost", 10*time.Second)
	execSQL(t, dbURL, `UPDATE faq_entries SET body = replace(body, $1, 'Edited by hand while B was not listening.') WHERE id = 'aftercare'`, before)
	w.open()
	waitEvent(t, w.events, "listening", 30*time.Second)
	if got, want := answerOf(t, b, "aftercare"), "Edited by hand while B was not listening."; got != want {
		t.Errorf("aftercare once B listens again: %q, want %q", got, want)
	}
}

// awaitLogged waits for a line containing s to be logged.
func awaitLogged(t *testing.T, l *logRecorder, s string) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		lines, _ := l.records()
		for _, line := range lines {
			if strings.Contains(line, s) {
				return
			}
		}
		select {
		case <-l.logged:
		case <-deadline:
			t.Fatalf("no line with %q logged within 30 s: %q", s, lines)
		}
	}
}

// The same with PostgreSQL's own tools, as an operator would: pg_dump of the schema,
// edits, then the schema dropped and the dump restored with psql in one transaction
// while the replica runs. It serves the dump's FAQ within its resync period.
func TestResyncAfterPgDumpRestore(t *testing.T) {
	pgDump, psql := pgTool(t, "pg_dump"), pgTool(t, "psql")
	const period = 300 * time.Millisecond
	dbURL := pgtest.Schema(t)
	toolURL, schema := forTools(t, dbURL)
	a := open(t, dbURL)
	hook, answers := changed("cost")
	b := open(t, dbURL, hook, pgstore.ResyncEvery(period))
	waitEvent(t, watch(t, b), "listening", 10*time.Second)
	edit(t, a, "cost", "Answer in the dump.")
	waitAnswer(t, answers, "Answer in the dump.", 10*time.Second)
	dump := filepath.Join(t.TempDir(), "faq.sql")
	run(t, pgDump, "--schema="+schema, "--no-owner", "--file="+dump, toolURL)

	edit(t, a, "cost", "Answer after the dump.")
	waitAnswer(t, answers, "Answer after the dump.", 10*time.Second)
	restored := time.Now()
	run(t, psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction",
		"--command=DROP SCHEMA "+schema+" CASCADE", "--file="+dump, toolURL)
	waitAnswer(t, answers, "Answer in the dump.", 30*time.Second+100*period)
	t.Logf("the dump's FAQ served %v after psql began the restore (resync period %v)", time.Since(restored).Round(time.Millisecond), period)
}

// pgTool finds a PostgreSQL client program: on the PATH, or in Debian's versioned
// directories. Without it the test is skipped, or fails when SMPBOT_REQUIRE_POSTGRES=1.
func pgTool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if ps, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name); len(ps) > 0 {
		slices.Sort(ps)
		return ps[len(ps)-1]
	}
	if os.Getenv("SMPBOT_REQUIRE_POSTGRES") == "1" {
		t.Fatalf("%s not found and SMPBOT_REQUIRE_POSTGRES=1", name)
	}
	t.Skipf("%s not found (Debian: apt-get install postgresql-client)", name)
	return ""
}

// forTools returns dbURL without its search_path (libpq's tools do not take it) and
// the schema it named.
func forTools(t *testing.T, dbURL string) (string, string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	schema := q.Get("search_path")
	if schema == "" {
		t.Fatalf("this test needs SMPBOT_TEST_DATABASE_URL as a postgres:// URL")
	}
	q.Del("search_path")
	u.RawQuery = q.Encode()
	return u.String(), schema
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", filepath.Base(name), err, out)
	}
}
