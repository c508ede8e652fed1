package pglog

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/questionlogtest"
	"github.com/smpbot/smpbot/bot/web/sessions"
	"github.com/smpbot/smpbot/bot/web/sessions/sessiontest"
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
