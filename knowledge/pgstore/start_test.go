package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/smpbot/smpbot/knowledge"
	"github.com/smpbot/smpbot/knowledge/pgstore"
	"github.com/smpbot/smpbot/knowledge/pgtest"
	"github.com/smpbot/smpbot/knowledge/storetest"
)

// logRecorder is a slog.Handler keeping every record as text, and telling of each on
// logged.
type logRecorder struct {
	mu     sync.Mutex
	lines  []string
	attrs  []map[string]slog.Value
	logged chan struct{}
}

func newLogRecorder() *logRecorder { return &logRecorder{logged: make(chan struct{}, 1000)} }

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRecorder) WithGroup(string) slog.Handler            { return l }

func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	line := r.Message
	attrs := map[string]slog.Value{}
	r.Attrs(func(a slog.Attr) bool {
		line += fmt.Sprintf(" %s=%v", a.Key, a.Value)
		attrs[a.Key] = a.Value
		return true
	})
	l.mu.Lock()
	l.lines = append(l.lines, line)
	l.attrs = append(l.attrs, attrs)
	l.mu.Unlock()
	select {
	case l.logged <- struct{}{}:
	default:
	}
	return nil
}

func (l *logRecorder) records() ([]string, []map[string]slog.Value) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...), append([]map[string]slog.Value(nil), l.attrs...)
}

// attempts returns the records of failed attempts at start (those with an attempt
// number), as text and as attributes.
func (l *logRecorder) attempts() ([]string, []map[string]slog.Value) {
	lines, attrs := l.records()
	var outLines []string
	var outAttrs []map[string]slog.Value
	for i, a := range attrs {
		if _, ok := a["attempt"]; ok {
			outLines, outAttrs = append(outLines, lines[i]), append(outAttrs, a)
		}
	}
	return outLines, outAttrs
}

type openResult struct {
	s   *pgstore.Store
	err error
}

// openInBackground runs Open on a goroutine of its own and returns what it returns.
func openInBackground(dbURL string, opts ...pgstore.Option) <-chan openResult {
	done := make(chan openResult, 1)
	go func() {
		s, err := pgstore.Open(context.Background(), dbURL, opts...)
		done <- openResult{s, err}
	}()
	return done
}

// awaitFailedAttempts waits until n failed attempts are logged, failing the test if
// Open returns first.
func awaitFailedAttempts(t *testing.T, logs *logRecorder, n int, done <-chan openResult) {
	t.Helper()
	for {
		if lines, _ := logs.attempts(); len(lines) >= n {
			return
		}
		select {
		case <-logs.logged:
		case r := <-done:
			t.Fatalf("Open returned while the database was away: %v", r.err)
		case <-time.After(60 * time.Second):
			t.Fatalf("%d failed attempts not logged within 60 s", n)
		}
	}
}

// awaitOpened waits for Open to return, the database being back, and returns the
// store, closed when the test ends.
func awaitOpened(t *testing.T, done <-chan openResult) *pgstore.Store {
	t.Helper()
	var r openResult
	select {
	case r = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("Open did not return within 60 s of the database coming back")
	}
	if r.err != nil {
		t.Fatalf("Open once the database was back: %v", r.err)
	}
	t.Cleanup(func() { r.s.Close() })
	return r.s
}

// noSecretLogged fails the test if any line logged shows the password or the URL.
func noSecretLogged(t *testing.T, logs *logRecorder, password, dbURL string) {
	t.Helper()
	lines, _ := logs.records()
	for _, l := range lines {
		if strings.Contains(l, password) || strings.Contains(l, dbURL) {
			t.Errorf("a log line shows the password or the URL: %s", l)
		}
	}
}

// withPassword returns dbURL with a password in it, which no log may show.
func withPassword(t *testing.T, dbURL, password string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	user := q.Get("user")
	if u.User != nil {
		user = u.User.Username()
	}
	q.Del("user")
	u.User, u.RawQuery = url.UserPassword(user, password), q.Encode()
	return u.String()
}

// A replica started while its database is away keeps trying, each failed attempt
// logged once, the wait doubling to its cap, and opens the store once the database
// answers. Neither the password nor the URL reaches the log.
func TestOpenWaitsForTheDatabase(t *testing.T) {
	proxy, proxied := pgtest.NewProxy(t, pgtest.Schema(t))
	proxy.Cut()
	const password = "pw-must-not-appear-7d1c"
	dbURL := withPassword(t, proxied, password)
	logs := newLogRecorder()
	const first, most = 5 * time.Millisecond, 40 * time.Millisecond
	done := openInBackground(dbURL, pgstore.WithLogger(slog.New(logs)), pgstore.WaitForDatabase(first, most))
	awaitFailedAttempts(t, logs, 6, done)
	proxy.Restore(t)
	s := awaitOpened(t, done)
	if len(s.Entries()) == 0 {
		t.Errorf("the store opened with no entries, want the seeded FAQ")
	}
	lines, attempts := logs.attempts()
	if len(attempts) < 6 {
		t.Fatalf("%d attempts logged, want one per failed attempt, at least 6: %q", len(attempts), lines)
	}
	for i, a := range attempts {
		if got := a["attempt"].Int64(); got != int64(i+1) {
			t.Errorf("line %d is of attempt %d, want %d (one line per attempt): %v", i, got, i+1, a)
		}
		if got, want := a["retry_in"].Duration(), min(first<<i, most); got != want {
			t.Errorf("attempt %d waits %v, want %v (from %v, doubling to %v)", i+1, got, want, first, most)
		}
		if a["err"].String() == "" {
			t.Errorf("attempt %d logged no error", i+1)
		}
	}
	t.Logf("a failed attempt: %s", lines[0])
	noSecretLogged(t, logs, password, dbURL)
}

// The wait ends with its context, promptly, whatever the backoff stands at.
func TestOpenWaitingEndsWithContext(t *testing.T) {
	proxy, proxied := pgtest.NewProxy(t, pgtest.Schema(t))
	proxy.Cut()
	logs := newLogRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := pgstore.Open(ctx, proxied, pgstore.WithLogger(slog.New(logs)), pgstore.WaitForDatabase(time.Hour, time.Hour))
		done <- err
	}()
	select {
	case <-logs.logged:
	case err := <-done:
		t.Fatalf("Open returned while the database was away: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("no failed attempt logged within 60 s")
	}
	// Open now waits an hour before its next attempt.
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Open after its context was cancelled: %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Open still waiting 30 s after its context was cancelled")
	}
}

// What waiting cannot mend fails at once: a database that does not exist.
func TestOpenDoesNotWaitForWhatWillNotChange(t *testing.T) {
	u, err := url.Parse(pgtest.Schema(t))
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/smpbot_no_such_database"
	logs := newLogRecorder()
	_, err = pgstore.Open(context.Background(), u.String(), pgstore.WithLogger(slog.New(logs)), pgstore.WaitForDatabase(time.Hour, time.Hour))
	if err == nil || strings.Contains(err.Error(), "cannot be reached") {
		t.Errorf("Open of a database that does not exist: %v, want it refused at once as such", err)
	}
	if lines, _ := logs.records(); len(lines) != 0 {
		t.Errorf("logged %q, want no retry", lines)
	}
}

// A database lost after it first answered (a PostgreSQL restarting during a deploy)
// at any later step of the start-up: Open starts again from the beginning, logging
// each failed attempt with the step it failed at, and opens the store once the
// database is back, seeded once. It used to retry only the first connection.
func TestOpenStartsAgainWhenTheDatabaseIsLostDuringStart(t *testing.T) {
	want, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []string{"migrating the schema", "seeding the FAQ", "loading the FAQ"} {
		t.Run(step, func(t *testing.T) {
			proxy, proxied := pgtest.NewProxy(t, pgtest.Schema(t))
			const password = "pw-must-not-appear-3b9e"
			dbURL := withPassword(t, proxied, password)
			logs := newLogRecorder()
			var once sync.Once
			cutAt := pgstore.OnStart(func(s string) {
				if s == step {
					once.Do(proxy.Cut) // the database goes away just before the step
				}
			})
			done := openInBackground(dbURL, pgstore.WithLogger(slog.New(logs)),
				pgstore.WaitForDatabase(5*time.Millisecond, 40*time.Millisecond), cutAt)
			// Two failed attempts: at the step itself, then one from the start.
			awaitFailedAttempts(t, logs, 2, done)
			proxy.Restore(t)
			s := awaitOpened(t, done)
			if got := len(s.Entries()); got != len(want) {
				t.Errorf("the store opened with %d entries, want the %d of the embedded FAQ", got, len(want))
			}
			attemptLines, attempts := logs.attempts()
			if got := attempts[0]["during"].String(); got != step {
				t.Errorf("the first failed attempt failed while %q, want %q: %q", got, step, attemptLines)
			}
			for i, a := range attempts {
				if got := a["attempt"].Int64(); got != int64(i+1) {
					t.Errorf("line %d is of attempt %d, want %d (one line per attempt): %v", i, got, i+1, a)
				}
			}
			t.Logf("the failed attempt at the step: %s", attemptLines[0])
			noSecretLogged(t, logs, password, dbURL)
		})
	}
}

// Without WaitForDatabase (the CLI commands), a database lost during start fails Open
// at once, as one that cannot be reached.
func TestOpenWithoutWaitingFailsWhenTheDatabaseIsLost(t *testing.T) {
	proxy, proxied := pgtest.NewProxy(t, pgtest.Schema(t))
	cutAt := pgstore.OnStart(func(s string) {
		if s == "migrating the schema" {
			proxy.Cut()
		}
	})
	_, err := pgstore.Open(context.Background(), proxied, cutAt)
	if !errors.Is(err, knowledge.ErrUnavailable) {
		t.Errorf("Open with the database lost while migrating: %v, want ErrUnavailable", err)
	}
}

// Errors that waiting cannot mend fail at once, with WaitForDatabase too, and say
// what is wrong: a permission denied, a schema that is not the store's, a schema
// newer than this smpbot.
func TestOpenFailsAtOnceOnTheDatabasesAnswer(t *testing.T) {
	exec := func(t *testing.T, dbURL, sql string) {
		t.Helper()
		conn, err := pgx.Connect(context.Background(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), sql); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dbURL string) string // returns the URL to open
		want  string
	}{
		{"permission denied", func(t *testing.T, dbURL string) string {
			// A built-in role that may read but not create: no role made on the
			// shared server.
			u, err := url.Parse(dbURL)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			q.Set("role", "pg_read_all_data")
			u.RawQuery = q.Encode()
			return u.String()
		}, "permission denied"},
		{"a table of the store's name that is not the store's", func(t *testing.T, dbURL string) string {
			exec(t, dbURL, `CREATE TABLE faq_entries (x int)`)
			return dbURL
		}, `"faq_entries" already exists`},
		{"a schema newer than this smpbot", func(t *testing.T, dbURL string) string {
			exec(t, dbURL, `CREATE TABLE faq_schema_version (version integer PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL);
				INSERT INTO faq_schema_version VALUES (99, 'from the future', now())`)
			return dbURL
		}, "newer than this smpbot"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dbURL := tc.setup(t, pgtest.Schema(t))
			logs := newLogRecorder()
			// A retry would wait an hour: the context ends the test sooner.
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			_, err := pgstore.Open(ctx, dbURL, pgstore.WithLogger(slog.New(logs)), pgstore.WaitForDatabase(time.Hour, time.Hour))
			if err == nil || !strings.Contains(err.Error(), tc.want) || errors.Is(err, knowledge.ErrUnavailable) || ctx.Err() != nil {
				t.Errorf("Open: %v, want it refused at once with %q", err, tc.want)
			}
			t.Logf("Open: %v", err)
			if lines, _ := logs.records(); len(lines) != 0 {
				t.Errorf("logged %q, want no retry", lines)
			}
		})
	}
}

// isTooManyConnections says whether err is the server's 53300.
func isTooManyConnections(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "53300"
}

// Replicas starting together against a server with few connection slots: one that
// finds none free (53300 too many connections) waits and tries again as for a
// database that is away, and comes up once slots are freed. It used to fail at once.
func TestOpenWaitsForAFreeConnection(t *testing.T) {
	dbURL, _ := pgtest.LimitedRole(t, pgtest.Schema(t), 2)
	release := pgtest.HoldConnections(t, dbURL, 2) // the other replicas
	if c, err := pgx.Connect(context.Background(), dbURL); !isTooManyConnections(err) {
		if c != nil {
			c.Close(context.Background())
		}
		t.Fatalf("a third connection: %v, want 53300 too many connections", err)
	}
	logs := newLogRecorder()
	done := openInBackground(dbURL, pgstore.WithLogger(slog.New(logs)), pgstore.WaitForDatabase(5*time.Millisecond, 40*time.Millisecond))
	awaitFailedAttempts(t, logs, 3, done)
	release()
	s := awaitOpened(t, done)
	if got, want := len(s.Entries()), len(mustEmbedded(t)); got != want {
		t.Errorf("the store opened with %d entries, want the %d of the embedded FAQ", got, want)
	}
	lines, attempts := logs.attempts()
	for i, a := range attempts {
		if got := a["during"].String(); got != "connecting" || !strings.Contains(a["err"].String(), "too many connections") {
			t.Errorf("failed attempt %d: during %q, err %q; want connecting, too many connections", i+1, got, a["err"])
		}
	}
	t.Logf("a failed attempt: %s", lines[0])
}

// Without WaitForDatabase (the CLI commands), a server with no slot free fails Open
// at once, as a database that cannot be reached now, saying why.
func TestOpenWithoutWaitingWhenNoConnectionIsFree(t *testing.T) {
	dbURL, _ := pgtest.LimitedRole(t, pgtest.Schema(t), 1)
	pgtest.HoldConnections(t, dbURL, 1)
	_, err := pgstore.Open(context.Background(), dbURL)
	if !errors.Is(err, knowledge.ErrUnavailable) || !strings.Contains(err.Error(), "too many connections") {
		t.Errorf("Open with no connection slot free: %v, want ErrUnavailable naming too many connections", err)
	}
}

// A running replica whose connections are lost while the server has no slot free: an
// edit is refused as unavailable (try again later), not as the database's answer, and
// the listener waits for a slot; once one is free, edits are made and heard again.
func TestNoFreeConnectionWhileRunning(t *testing.T) {
	ctx := context.Background()
	admin := pgtest.Schema(t)
	dbURL, role := pgtest.LimitedRole(t, admin, 2)
	hook, answers := changed("cost")
	s := open(t, dbURL, hook, pgstore.WithTimeout(5*time.Second))
	w := watchHeld(t, s) // the slots are taken before the listener connects again
	waitEvent(t, w.events, "listening", 10*time.Second)

	// Both of the replica's connections (the pool's and the listener's) end, and
	// others take the slots before it can connect again.
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var killed int
	if err := conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = $1`, role).Scan(&killed); err != nil || killed != 2 {
		t.Fatalf("ending the replica's connections: %d ended, %v; want 2", killed, err)
	}
	waitEvent(t, w.events, "lost", 10*time.Second)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		// The slots are free once the server has ended the backends.
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE usename = $1`, role).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica's ended connections still counted after 30 s")
		}
	}
	release := pgtest.HoldConnections(t, dbURL, 2)
	w.pass <- struct{}{} // the listener tries again, and finds no slot
	waitEvent(t, w.events, "lost", 10*time.Second)
	e, base, _ := s.Get("cost")
	e.Answer = "Edited while the server had no slot free."
	_, err = s.Put(ctx, e, base, storetest.Moderator)
	if !errors.Is(err, knowledge.ErrUnavailable) || !strings.Contains(err.Error(), "too many connections") {
		t.Errorf("edit with no connection slot free: %v, want ErrUnavailable naming too many connections", err)
	}
	release()
	w.open()
	waitEvent(t, w.events, "listening", 30*time.Second)
	if _, err := s.Put(ctx, e, base, storetest.Moderator); err != nil {
		t.Fatalf("edit once slots are free: %v", err)
	}
	waitAnswer(t, answers, e.Answer, 10*time.Second)
}

func mustEmbedded(t *testing.T) []knowledge.Entry {
	t.Helper()
	want, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	return want
}
