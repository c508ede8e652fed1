package sqlitelog

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot/questionlogtest"
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
