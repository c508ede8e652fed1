package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/sqlitelog"
)

// The lines that name a person at info level (over the rate limit, refused moderator
// commands) carry the keyed hash questions.db stores, not the id.
func TestLogsCarryUserHashesNotIds(t *testing.T) {
	ctx := context.Background()
	ql, err := sqlitelog.Open(ctx, filepath.Join(t.TempDir(), sqlitelog.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer ql.Close()
	var buf bytes.Buffer
	log, set := hashUsers(newLogger(&buf, "info", "json", nil))
	log.Info("before the question log is open", "platform", "telegram", "user", "800150")
	set(ql.UserHash)
	log.With("platform", "telegram").Info("question over the rate limit", "update_id", 7, "user", int64(800150))
	log.Warn("moderator command refused", "platform", "telegram", "user", "800150", "chat", "800150", "action", "edit")
	log.Info("FAQ changed", "platform", "cli", "user", "ops")
	out := buf.String()
	if strings.Contains(out, "800150") {
		t.Errorf("a raw user id reached the log:\n%s", out)
	}
	want := "h:" + ql.UserHash("telegram", "800150")
	if n := strings.Count(out, want); n != 3 {
		t.Errorf("the question log's hash appears %d times, want 3 (user twice, the private chat once):\n%s", n, out)
	}
	if !strings.Contains(out, `"user":"ops"`) {
		t.Errorf("the command line's OS user was hashed:\n%s", out)
	}
}

func TestDataPurgeNormalisesOrRefusesTheUser(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	l, err := sqlitelog.Open(ctx, filepath.Join(data, sqlitelog.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range []bot.Asked{{ID: "q1", User: "800150"}, {ID: "q2", User: "800151"}, {ID: "q3", User: "800152"}} {
		a.Platform, a.Kind, a.Question, a.Time = "telegram", bot.KindNoMatch, "question "+a.ID, time.Now().Add(time.Duration(i)*time.Second)
		if err := l.Record(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	for _, user := range []string{"telegram: 800150", " Telegram :800151 "} {
		code, out, errs := runCLI(t, "", "data", "purge", "--data", data, "--user", user)
		if code != 0 || !strings.HasPrefix(out, "Deleted 1 question of telegram:80015") {
			t.Errorf("purge --user %q: exit %d\n%s%s", user, code, out, errs)
		}
	}
	if code, _, errs := runCLI(t, "", "data", "purge", "--data", data, "--user", "telegram:@someone"); code != 2 || !strings.Contains(errs, "a telegram user id is a number") {
		t.Errorf("purge of a user name: exit %d\n%s", code, errs)
	}
	// After a rotation, nothing is linked to anyone any more.
	code, out, errs := runCLI(t, "", "data", "rotate-key", "--data", data)
	if code != 0 || !strings.Contains(out, "1 row unlinked") {
		t.Errorf("rotate-key: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = runCLI(t, "", "data", "purge", "--data", data, "--user", "telegram:800152")
	if code != 0 || !strings.Contains(out, "Deleted 0 questions") || !strings.Contains(out, "Nothing was linked") {
		t.Errorf("purge after rotation: exit %d\n%s", code, out)
	}
	if fi, err := os.Stat(filepath.Join(data, sqlitelog.KeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file after rotation: %v %v", err, fi)
	}
}
