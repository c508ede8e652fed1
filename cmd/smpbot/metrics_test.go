package main

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/smpbot/smpbot/bot"
)

// refusingLog is a question log whose database refuses every write.
type refusingLog struct{}

func (refusingLog) Record(context.Context, bot.Asked) error      { return errors.New("disk full") }
func (refusingLog) Feedback(context.Context, bot.Feedback) error { return errors.New("disk full") }

func TestMetricsCountLostRecords(t *testing.T) {
	m := newMetrics()
	answer := bot.HandlerFunc(func(ctx context.Context, q bot.Question) (bot.Reply, error) {
		return bot.Reply{Kind: bot.KindNoMatch}, nil
	})
	rec := bot.NewRecorder(answer, refusingLog{})
	defer rec.Close(context.Background())
	m.recorder(rec)
	scrape := func() string {
		w := httptest.NewRecorder()
		adminHandler(m, func() (bool, string) { return true, "" }).ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
		b, _ := io.ReadAll(w.Result().Body)
		return string(b)
	}
	if got := scrape(); !strings.Contains(got, "\nsmpbot_questionlog_lost_total 0\n") {
		t.Fatalf("/metrics before any question lacks smpbot_questionlog_lost_total 0:\n%s", got)
	}
	for _, q := range []string{"first", "second"} {
		if _, err := rec.Answer(context.Background(), bot.Question{Platform: "telegram", User: "1", Text: q}); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := scrape(); !strings.Contains(got, "\nsmpbot_questionlog_lost_total 2\n") {
		t.Errorf("/metrics after two refused records lacks smpbot_questionlog_lost_total 2:\n%s", got)
	}
}
