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

	"github.com/smpbot/smpbot/knowledge/pgstore"
	"github.com/smpbot/smpbot/knowledge/pgtest"
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
	type result struct {
		s   *pgstore.Store
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := pgstore.Open(context.Background(), dbURL, pgstore.WithLogger(slog.New(logs)), pgstore.WaitForDatabase(first, most))
		done <- result{s, err}
	}()
	for range 6 {
		select {
		case <-logs.logged:
		case r := <-done:
			t.Fatalf("Open returned while the database was away: %v", r.err)
		case <-time.After(60 * time.Second):
			t.Fatal("no failed attempt logged within 60 s")
		}
	}
	proxy.Restore(t)
	var r result
	select {
	case r = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("Open did not return within 60 s of the database coming back")
	}
	if r.err != nil {
		t.Fatalf("Open once the database was back: %v", r.err)
	}
	defer r.s.Close()
	if len(r.s.Entries()) == 0 {
		t.Errorf("the store opened with no entries, want the seeded FAQ")
	}
	lines, attrs := logs.records()
	var attempts []map[string]slog.Value
	for _, a := range attrs {
		if _, ok := a["attempt"]; ok {
			attempts = append(attempts, a)
		}
	}
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
	for _, l := range lines {
		if strings.Contains(l, password) || strings.Contains(l, dbURL) {
			t.Errorf("a log line shows the password or the URL: %s", l)
		}
	}
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
