package index

import (
	"context"
	"sort"
	"testing"
	"time"
)

func TestZZProbe(t *testing.T) {
	x := newIndex(t, generate(t, 10000))
	qs := benchQuestions(t)
	ctx := context.Background()
	type r struct {
		d time.Duration
		q string
	}
	for round := 0; round < 3; round++ {
		var rs []r
		for _, q := range qs {
			st := time.Now()
			x.Search(ctx, q, 4)
			rs = append(rs, r{time.Since(st), q})
		}
		sort.Slice(rs, func(i, j int) bool { return rs[i].d > rs[j].d })
		var tot time.Duration
		for _, x := range rs {
			tot += x.d
		}
		t.Logf("round %d mean %v p50 %v p99 %v", round, tot/time.Duration(len(rs)), rs[len(rs)/2].d, rs[len(rs)/100].d)
		for _, x := range rs[:8] {
			t.Logf("  %v %d %.80q", x.d, len(x.q), x.q)
		}
	}
}
