package sqlitelog

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot"
)

// benchWords make questions that overlap, as real unanswered questions do.
var benchWords = []string{"laser", "saline", "dye", "hair", "after", "cost", "pain", "scar", "session", "hairline", "fade", "blue", "tattoo", "cover", "removal", "swim"}

func benchQuestion(i int) string {
	return fmt.Sprintf("can i %s my %s %s %s", benchWords[i%16], benchWords[(i/16)%16], benchWords[(i/7)%16], benchWords[(i/3)%16])
}

func benchLog(b *testing.B) *Log {
	l, err := Open(context.Background(), filepath.Join(b.TempDir(), FileName))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	return l
}

// BenchmarkRecord is the cost of one question in the background writer.
func BenchmarkRecord(b *testing.B) {
	l := benchLog(b)
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		err := l.Record(ctx, bot.Asked{ID: fmt.Sprint("q", i), Platform: "telegram", User: fmt.Sprint(i % 100), Question: benchQuestion(i),
			Kind: bot.KindNoMatch, Suggestions: []string{"aftercare", "cost"}, Latency: time.Millisecond})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnanswered reports on a busy week: 5,000 unanswered questions.
func BenchmarkUnanswered(b *testing.B) {
	l := benchLog(b)
	ctx := context.Background()
	for i := range 5000 {
		if err := l.Record(ctx, bot.Asked{ID: fmt.Sprint("q", i), Platform: "discord", User: "u", Question: benchQuestion(i), Kind: bot.KindNoMatch}); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		gs, err := l.Unanswered(ctx, 7)
		if err != nil || len(gs) == 0 {
			b.Fatal(len(gs), err)
		}
	}
}
