package index

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smpbot/smpbot/knowledge"
)

// generate makes n distinct entries from the shipped FAQ's vocabulary, so a large FAQ
// has realistic word frequencies without anyone writing it.
func generate(tb testing.TB, n int) []knowledge.Entry {
	tb.Helper()
	base := shipped(tb)
	var vocab []string
	for _, e := range base {
		vocab = append(vocab, words(e.Question+" "+e.Answer)...)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	phrase := func(k int) string {
		ws := make([]string, k)
		for i := range ws {
			ws[i] = vocab[rng.IntN(len(vocab))]
		}
		return strings.Join(ws, " ")
	}
	out := make([]knowledge.Entry, n)
	for i := range out {
		b := base[i%len(base)]
		e := b
		e.ID = fmt.Sprintf("%s-%d", b.ID, i)
		e.Question = phrase(8) + "?"
		e.Alternates = []string{phrase(5), phrase(6), phrase(4), phrase(7)}
		e.Answer = phrase(90)
		e.Related = nil
		out[i] = e
	}
	return out
}

// benchQuestions is the query mix of the search benchmarks: every question of the
// project's question sets (short fragments, long stories, off-topic chat, typos), so
// that a percentile is over questions as people ask them, not over a handful.
func benchQuestions(tb testing.TB) []string {
	tb.Helper()
	var qs []string
	for _, name := range []string{"questions.jsonl", "fresh.jsonl", "real.jsonl", "urgent_pairs.jsonl"} {
		f, err := os.Open(filepath.Join("..", "bot", "testdata", name))
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var q struct{ Q string }
			if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
				tb.Fatalf("%s: %v", name, err)
			}
			if q.Q != "" {
				qs = append(qs, q.Q)
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			tb.Fatal(err)
		}
	}
	if len(qs) < 100 {
		tb.Fatalf("%d benchmark questions, want the question sets' hundreds", len(qs))
	}
	// A fixed shuffle: consecutive questions of one set are often about one entry.
	rng := rand.New(rand.NewPCG(3, 4))
	rng.Shuffle(len(qs), func(i, j int) { qs[i], qs[j] = qs[j], qs[i] })
	return qs
}

// benchmarkSearch answers the question mix over entries, one question an operation,
// and reports the 50th and 99th percentiles of the answers' wall times, the mean CPU
// time of an answer (the process's, garbage collection included) and the 99th
// percentile of each answer's own CPU time, in the first pass over the questions
// after the build and afterwards: on a loaded machine, wall time says as much about
// the neighbours as about the search.
func benchmarkSearch(b *testing.B, entries []knowledge.Entry) {
	x := newIndex(b, entries)
	qs := benchQuestions(b)
	ctx := context.Background()
	// A search runs on the calling goroutine: locked to its thread, the thread's CPU
	// time is the search's own.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// The first pass after a build computes the yardsticks of the entries it meets
	// (selfScore): what the first questions after a moderator's edit cost.
	first := make([]time.Duration, 0, len(qs))
	for _, q := range qs {
		start := threadCPUTime()
		if _, err := x.Search(ctx, q, 4); err != nil {
			b.Fatal(err)
		}
		first = append(first, threadCPUTime()-start)
	}
	lat := make([]time.Duration, 0, b.N)
	own := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		start, startCPU := time.Now(), threadCPUTime()
		if _, err := x.Search(ctx, qs[i%len(qs)], 4); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		own = append(own, threadCPUTime()-startCPU)
	}
	b.StopTimer()
	if cpu := cpuTime() - cpu; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
	b.ReportMetric(percentile(lat, 50), "p50-ns/op")
	b.ReportMetric(percentile(lat, 99), "p99-ns/op")
	if own[len(own)-1] > 0 {
		b.ReportMetric(percentile(own, 99), "p99-cpu-ns/op")
		b.ReportMetric(percentile(first, 99), "first-pass-p99-cpu-ns")
	}
}

// percentile returns the p-th percentile of ds, in nanoseconds; it sorts ds.
func percentile(ds []time.Duration, p int) float64 {
	slices.Sort(ds)
	return float64(ds[len(ds)*p/100].Nanoseconds())
}

// BenchmarkSearchShipped answers questions over the curated FAQ.
func BenchmarkSearchShipped(b *testing.B) { benchmarkSearch(b, shipped(b)) }

// BenchmarkSearch1000 answers questions over a generated 1,000-entry FAQ; target: p99
// under 1 ms.
func BenchmarkSearch1000(b *testing.B) { benchmarkSearch(b, generate(b, 1000)) }

// BenchmarkSearch10000 answers questions over a generated 10,000-entry FAQ; target: p99
// under 1 ms.
func BenchmarkSearch10000(b *testing.B) { benchmarkSearch(b, generate(b, 10000)) }

// BenchmarkIndex10000 indexes a generated 10,000-entry FAQ and trains its model;
// target: under 5 s and 150 MB. It reports the heap's peak during the build (sampled
// every millisecond), what stays live after it, and the CPU time used (both cores:
// bleve and the model's training run side by side).
func BenchmarkIndex10000(b *testing.B) {
	entries := generate(b, 10000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		forgetModel()
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		done := make(chan struct{})
		peak := make(chan uint64)
		go func() {
			var max uint64
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				max = maxOf(max, ms.HeapAlloc)
				select {
				case <-done:
					peak <- max
					return
				case <-time.After(time.Millisecond):
				}
			}
		}()
		cpu := cpuTime()
		b.StartTimer()
		x, err := New(entries)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		b.ReportMetric(float64(cpuTime()-cpu)/1e9, "cpu-s")
		close(done)
		p := <-peak
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(p-base.HeapAlloc)/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(after.HeapAlloc-base.HeapAlloc)/(1<<20), "live-MB")
		x.Close()
		b.StartTimer()
	}
}

// forgetModel makes the next build train: a moderator's edit always changes the
// phrasings.
func forgetModel() {
	lastModel.Lock()
	lastModel.m = nil
	lastModel.Unlock()
}

// BenchmarkRebuildShipped rebuilds the index over the curated FAQ, training its model:
// what a moderator's edit costs before the bot answers with it.
func BenchmarkRebuildShipped(b *testing.B) {
	entries := shipped(b)
	x := newIndex(b, entries)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		forgetModel()
		if err := x.Rebuild(entries); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if cpu := cpuTime() - cpu; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

func maxOf(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}
