package pglog

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/questionlogtest"
	"github.com/smpbot/smpbot/bot/web/sessions"
	"github.com/smpbot/smpbot/bot/web/sessions/sessiontest"
	"github.com/smpbot/smpbot/knowledge/pgtest"
)

// Two Logs over one schema are two replicas: what one stores, ends or takes, the other
// sees.
func TestSessionsContract(t *testing.T) {
	sessiontest.Run(t, func(t *testing.T) (a, b sessions.Store) {
		dbURL := questionlogtest.PostgresSchema(t)
		key := WithKeyFile(filepath.Join(t.TempDir(), "questions.key"))
		return openTest(t, dbURL, key).Sessions(), openTest(t, dbURL, key).Sessions()
	})
}

// A database at the schema before the sessions gets them by migration, and keeps its
// questions.
func TestUpgradeAddsSessions(t *testing.T) {
	ctx := context.Background()
	dbURL := questionlogtest.PostgresSchema(t)
	key := WithKeyFile(filepath.Join(t.TempDir(), "questions.key"))
	old := openTest(t, dbURL, key, func(l *Log) { l.target = 3 })
	if err := old.Record(ctx, bot.Asked{ID: "q1", Platform: "telegram", User: "1", Question: "how much does it cost", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 0.9}); err != nil {
		t.Fatal(err)
	}
	s := sessions.Session{ID: sessions.ID("x"), Who: bot.Identity{Platform: "cli", User: "u", Name: "Ana"}, CSRF: "c",
		Created: time.Now(), Seen: time.Now(), Expires: time.Now().Add(time.Hour)}
	if err := old.Sessions().Create(ctx, s); err == nil {
		t.Fatal("schema 3 already keeps sessions; the upgrade test tests nothing")
	}
	old.Close()
	l := openTest(t, dbURL, key)
	if v, err := l.SchemaVersion(ctx); err != nil || v != len(schema.Migrations) {
		t.Fatalf("upgraded to version %d, %v; want %d", v, err, len(schema.Migrations))
	}
	if err := l.Sessions().Create(ctx, s); err != nil {
		t.Fatalf("a session after the upgrade: %v", err)
	}
	if got, err := l.Sessions().Get(ctx, s.ID); err != nil || got.Who.Name != "Ana" {
		t.Errorf("Get after the upgrade = %+v, %v", got, err)
	}
	if st, err := l.Stats(ctx, 1); err != nil || st.Asked != 1 {
		t.Errorf("stats after the upgrade %+v, %v; want the question kept", st, err)
	}
}

// A log started before its database answers (a replica's console is served at once):
// a session asked for while the schema is being set up waits for it; while the
// database is away, it fails with ErrUnavailable within schemaWait rather than hang;
// once the database is back, sessions work.
func TestSessionsOfALogStartedInTheBackground(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	newSession := func() sessions.Session {
		_, id, _ := sessions.NewToken()
		return sessions.Session{ID: id, Who: bot.Identity{Platform: "cli", User: "u", Name: "Ana"}, CSRF: "c",
			Created: now, Seen: now, Expires: now.Add(time.Hour)}
	}
	l, err := Start(questionlogtest.PostgresSchema(t), WithKeyFile(filepath.Join(t.TempDir(), "questions.key")))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Sessions().Create(ctx, newSession()); err != nil {
		t.Errorf("a session at once after Start: %v, want it stored once the schema is set up", err)
	}

	dbURL := questionlogtest.PostgresSchema(t)
	proxy, viaProxy := pgtest.NewProxy(t, dbURL)
	proxy.Cut()
	away, err := Start(viaProxy, WithKeyFile(filepath.Join(t.TempDir(), "questions.key")), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	defer away.Close()
	s := newSession()
	asked := time.Now()
	if _, err := away.Sessions().Get(ctx, s.ID); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Get with the database away = %v, want ErrUnavailable", err)
	}
	if took := time.Since(asked); took > schemaWait+5*time.Second {
		t.Errorf("Get with the database away took %v", took)
	}
	proxy.Restore(t)
	questionlogtest.Eventually(t, "sessions once the database is back", func() bool {
		return away.Sessions().Create(ctx, s) == nil
	})
	if got, err := away.Sessions().Get(ctx, s.ID); err != nil || got.Who.Name != "Ana" {
		t.Errorf("Get once the database is back = %+v, %v", got, err)
	}
}
