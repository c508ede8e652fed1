package pgstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/smpbot/smpbot/knowledge/pgstore"
	"github.com/smpbot/smpbot/knowledge/pgtest"
)

// What Watch's periodic check costs when nothing changed: one read-only transaction
// hashing every row on the server. For the built-in FAQ, and for one of about a
// thousand rows (the built-in entries' texts copied under other ids; the store
// leaves them out as not valid, but the check hashes them all the same).
func BenchmarkResyncCheck(b *testing.B) {
	for _, copies := range []int{0, 24} {
		b.Run(fmt.Sprintf("copies=%d", copies), func(b *testing.B) {
			ctx := context.Background()
			dbURL := pgtest.Schema(b)
			s, err := pgstore.Open(ctx, dbURL)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if copies > 0 {
				execSQL(b, dbURL, fmt.Sprintf(`INSERT INTO faq_entries SELECT id || '-copy-' || g, body FROM faq_entries, generate_series(1, %d) g`, copies))
			}
			if err := pgstore.Resync(ctx, s); err != nil { // loads the copies
				b.Fatal(err)
			}
			var rows, size int64
			if err := pgxQueryRow(dbURL, `SELECT count(*), sum(octet_length(body)) FROM faq_entries`, &rows, &size); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := pgstore.Resync(ctx, s); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows), "rows")
			b.ReportMetric(float64(size)/1024, "KiB")
		})
	}
}
