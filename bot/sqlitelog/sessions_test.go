package sqlitelog

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/web/sessions"
)

// A file at the schema before the sessions gets them by migration, and keeps its
// questions.
func TestUpgradeAddsSessions(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	old, err := Open(ctx, path, upTo(3))
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Record(ctx, bot.Asked{ID: "q1", Platform: "telegram", User: "1", Question: "how much does it cost", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 0.9}); err != nil {
		t.Fatal(err)
	}
	s := sessions.Session{ID: sessions.ID("x"), Who: bot.Identity{Platform: "cli", User: "u", Name: "Ana"}, CSRF: "c",
		Created: time.Now(), Seen: time.Now(), Expires: time.Now().Add(time.Hour)}
	if err := old.Sessions().Create(ctx, s); err == nil {
		t.Fatal("schema 3 already keeps sessions; the upgrade test tests nothing")
	}
	old.Close()
	l, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if v, _ := l.SchemaVersion(ctx); v != len(migrations) {
		t.Fatalf("upgraded to version %d, want %d", v, len(migrations))
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
