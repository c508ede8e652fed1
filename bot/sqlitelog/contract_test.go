package sqlitelog

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot/questionlogtest"
	"github.com/smpbot/smpbot/bot/web/sessions"
	"github.com/smpbot/smpbot/bot/web/sessions/sessiontest"
)

func TestContract(t *testing.T) {
	questionlogtest.Run(t, func(t *testing.T, now func() time.Time) questionlogtest.Log {
		l, err := Open(context.Background(), filepath.Join(t.TempDir(), FileName), WithClock(now))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l
	})
}

func TestSessionsContract(t *testing.T) {
	sessiontest.Run(t, func(t *testing.T) (a, b sessions.Store) {
		path := filepath.Join(t.TempDir(), FileName)
		var logs [2]*Log
		for i := range logs {
			l, err := Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
			logs[i] = l
		}
		return logs[0].Sessions(), logs[1].Sessions()
	})
}
