package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/pglog"
	"github.com/smpbot/smpbot/bot/questionlogtest"
	"github.com/smpbot/smpbot/bot/sqlitelog"
	"github.com/smpbot/smpbot/bot/telegram/telegramtest"
	"github.com/smpbot/smpbot/knowledge/pgtest"
)

// TestDatabaseSharesTheQuestionLog: with database.url, two replicas (each with its own
// data directory, one shared key file) record into one log; `report stats` and `data
// purge` see and reach both.
func TestDatabaseSharesTheQuestionLog(t *testing.T) {
	ctx := context.Background()
	dbURL := questionlogtest.PostgresSchema(t)
	key := filepath.Join(t.TempDir(), "questions.key")
	getenv := func(k string) string {
		return map[string]string{"SMPBOT_DATABASE_URL": dbURL, "SMPBOT_USER_KEY_FILE": key}[k]
	}
	e := &env{log: slog.New(slog.DiscardHandler)}
	var replicas []questionLog
	for i := range 2 {
		l, err := e.openQuestionLogIn(ctx, getenv, t.TempDir(), logOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		if _, ok := l.(*pglog.Log); !ok {
			t.Fatalf("replica %d opened %T, want the PostgreSQL log", i, l)
		}
		replicas = append(replicas, l)
	}
	now := time.Now()
	for i, a := range []bot.Asked{
		{Platform: "telegram", User: "1", Question: "asked through the first"},
		{Platform: "telegram", User: "1", Question: "asked through the second"},
		{Platform: "telegram", User: "2", Question: "someone else"},
	} {
		a.ID, a.Kind, a.Time = fmt.Sprint("q", i), bot.KindNoMatch, now
		if err := replicas[i%2].Record(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("SMPBOT_DATABASE_URL", dbURL)
	t.Setenv("SMPBOT_USER_KEY_FILE", key)
	data := t.TempDir() // no questions.db in it: the database is used
	code, out, errs := runCLI(t, "", "report", "stats", "--json", "--data", data)
	if code != 0 || !strings.Contains(out, `"asked": 3,`) {
		t.Errorf("report stats: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI(t, "", "data", "purge", "--user", "telegram:1", "--data", data)
	if code != 0 || !strings.HasPrefix(out, "Deleted 2 questions of telegram:1") {
		t.Errorf("data purge: exit %d\n%s%s", code, out, errs)
	}
	if st, err := replicas[1].Stats(ctx, 1); err != nil || st.Asked != 1 {
		t.Errorf("after the purge a replica sees %+v, %v; want only the other person's question", st, err)
	}
	if why := databaseReadiness(replicas[0]); why != "" {
		t.Errorf("readiness with the database up: %q", why)
	}
	replicas[0].Close()
	if why := databaseReadiness(replicas[0]); !strings.Contains(why, "question log database unreachable since") {
		t.Errorf("readiness with the database gone: %q", why)
	}
}

// The database URL may hold a password: config check and errors never show it.
func TestDatabaseURLIsSecret(t *testing.T) {
	t.Setenv("SMPBOT_DATABASE_URL", "postgres://smpbot:pw-s3cret-9@db.internal:5432/smpbot")
	code, out, errs := runCLI(t, "", "config", "check")
	if code != 0 || strings.Contains(out+errs, "pw-s3cret-9") || !strings.Contains(out, "<redacted>") {
		t.Errorf("config check: exit %d\n%s%s", code, out, errs)
	}
	cfg, err := loadConfig("", func(k string) string {
		return map[string]string{"SMPBOT_DATABASE_URL": "postgres://smpbot:pw-s3cret-9@db.internal:5432/smpbot"}[k]
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range cfg.secrets() {
		found = found || s == "pw-s3cret-9"
	}
	if !found {
		t.Errorf("the password alone is not among the secrets logs are scrubbed of: %q", cfg.secrets())
	}
	t.Setenv("SMPBOT_DATABASE_URL", "mysql://smpbot:pw-s3cret-9@db/x")
	code, out, errs = runCLI(t, "", "config", "check")
	if code == 0 || strings.Contains(out+errs, "pw-s3cret-9") || !strings.Contains(errs, "database.url") {
		t.Errorf("config check of a bad URL: exit %d\n%s%s", code, out, errs)
	}
}

// TestRunRecordsIntoTheDatabase: `smpbot run` with database.url records into
// PostgreSQL, not into the data directory, and a report from elsewhere reads it.
func TestRunRecordsIntoTheDatabase(t *testing.T) {
	dbURL := questionlogtest.PostgresSchema(t)
	fake := telegramtest.NewServer(opsToken)
	defer fake.Close()
	data := t.TempDir()
	p := startBotEnv(t, fake, data, []string{"SMPBOT_DATABASE_URL=" + dbURL})
	p.waitReady(t)
	if code, body := p.get("/readyz"); code != 200 || strings.Contains(body, "database") {
		t.Errorf("/readyz with the database up: %d %q", code, body)
	}
	u := tgUser(3)
	fake.Send(fake.PrivateChat(u), u, "how much does laser smp removal cost", 0)
	if !fake.Wait(60*time.Second, func() bool { return len(fake.Messages()) > 0 }) {
		t.Fatal("no answer")
	}
	p.stop(t)
	if _, err := os.Stat(filepath.Join(data, sqlitelog.FileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("questions.db made in the data directory although the log is in the database: %v", err)
	}
	cmd := exec.Command(buildSmpbot(t), "report", "stats", "--json", "--data", t.TempDir())
	cmd.Env = append(os.Environ(), "SMPBOT_DATABASE_URL="+dbURL, "SMPBOT_USER_KEY_FILE="+filepath.Join(data, sqlitelog.KeyFile))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"asked": 1,`) {
		t.Errorf("report stats from another directory: %v\n%s", err, out)
	}
}

// TestRunQueuesWhileTheDatabaseIsAway: a running `smpbot run` whose database goes away
// keeps answering; /readyz and /metrics show the records it queues; when the database
// comes back the queue is written, without a restart.
func TestRunQueuesWhileTheDatabaseIsAway(t *testing.T) {
	dbURL := questionlogtest.PostgresSchema(t)
	proxy, viaProxy := pgtest.NewProxy(t, dbURL)
	fake := telegramtest.NewServer(opsToken)
	defer fake.Close()
	data := t.TempDir()
	p := startBotEnv(t, fake, data, []string{"SMPBOT_DATABASE_URL=" + viaProxy})
	p.waitReady(t)
	proxy.Cut()
	u := tgUser(4)
	fake.Send(fake.PrivateChat(u), u, "how much does laser smp removal cost", 0)
	if !fake.Wait(30*time.Second, func() bool { return len(fake.Messages()) > 0 }) {
		t.Fatal("no answer while the database is away")
	}
	questionlogtest.Eventually(t, "the record to be queued", func() bool { return p.metric(t, "smpbot_questionlog_queued") == 1 })
	var code int
	var body string
	questionlogtest.Eventually(t, "/readyz to note the question log's database", func() bool {
		code, body = p.get("/readyz")
		return code != 200 || strings.Contains(body, "question log database unreachable")
	})
	if code != 200 || !strings.Contains(body, "question log database unreachable since") || !strings.Contains(body, "1 record queued, 0 dropped") {
		t.Errorf("/readyz with the database away: %d %q", code, body)
	}
	if up := p.metric(t, "smpbot_questionlog_database_up"); up != 0 {
		t.Errorf("smpbot_questionlog_database_up = %v with the database away", up)
	}
	proxy.Restore(t)
	back := time.Now()
	questionlogtest.Eventually(t, "the queue to be written", func() bool {
		return p.metric(t, "smpbot_questionlog_queued") == 0 && p.metric(t, "smpbot_questionlog_database_up") == 1
	})
	t.Logf("queue written %v after the database came back (default backoff: up to 5 s)", time.Since(back).Round(10*time.Millisecond))
	if code, body := p.get("/readyz"); code != 200 || strings.Contains(body, "question log") {
		t.Errorf("/readyz with the database back: %d %q", code, body)
	}
	p.stop(t)
	l, err := pglog.Open(context.Background(), dbURL, pglog.WithKeyFile(filepath.Join(data, sqlitelog.KeyFile)))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if st, err := l.Stats(context.Background(), 1); err != nil || st.Asked != 1 {
		t.Errorf("stats after the database came back: %+v, %v; want the question asked while it was away", st, err)
	}
}
