package pglog

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/questionlogtest"
)

func benchLog(b *testing.B) *Log {
	l, err := Open(context.Background(), questionlogtest.PostgresSchema(b), WithKeyFile(filepath.Join(b.TempDir(), "questions.key")))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	return l
}

// BenchmarkRecord is the cost of one question in the background writer: one
// transaction on the server.
func BenchmarkRecord(b *testing.B) {
	l := benchLog(b)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		err := l.Record(ctx, bot.Asked{ID: fmt.Sprint("q", i), Platform: "telegram", User: fmt.Sprint(i % 100),
			Question: fmt.Sprintf("can i dye my hair %d days after", i%50), Kind: bot.KindNoMatch,
			Suggestions: []string{"aftercare", "cost"}, Latency: time.Millisecond})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStats reports on a week of 5,000 questions.
func BenchmarkStats(b *testing.B) {
	l := benchLog(b)
	ctx := context.Background()
	now := time.Now()
	for i := range 5000 {
		kind, entry := bot.KindAnswer, fmt.Sprint("entry-", i%40)
		if i%4 == 0 {
			kind, entry = bot.KindNoMatch, ""
		}
		if err := l.Record(ctx, bot.Asked{ID: fmt.Sprint("q", i), Time: now.Add(-time.Duration(i) * time.Minute), Platform: "telegram",
			User: fmt.Sprint(i % 300), Question: fmt.Sprint("question ", i%700), Kind: kind, EntryID: entry, Confidence: 0.8}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Stats(ctx, 7); err != nil {
			b.Fatal(err)
		}
	}
}
