package index

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/smpbot/smpbot/knowledge"
)

// noFiles fails t if dir holds anything.
func noFiles(t *testing.T, dir, when string) {
	t.Helper()
	left, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range left {
		t.Errorf("%s: %s left in the temporary directory", when, f.Name())
	}
}

// A large FAQ is built in a temporary directory; nothing of it may outlive the
// index, whether the build succeeds, fails or is replaced while searches go on. On
// unix nothing is left even while the index is open, so a killed process leaves
// nothing either.
func TestLargeFAQLeavesNoFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a large FAQ")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // os.TempDir on unix
	entries := generate(t, batchSize+200)
	x, err := New(entries)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		noFiles(t, tmp, "index open")
	}
	if _, err := x.Search(context.Background(), entries[7].Question, 3); err != nil {
		t.Fatalf("search after the index's files were removed: %v", err)
	}

	// Rebuilds while searches go on: each replaced index goes after its last search.
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	stop := make(chan struct{})
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				e := entries[(i*37)%len(entries)]
				if _, err := x.Search(ctx, e.Question, 3); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := 0; i < 2; i++ {
		if err := x.Rebuild(entries); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("search during rebuild: %v", err)
	}

	// A build that fails half way removes what it wrote.
	if err := x.Rebuild(append(entries, entries[0])); !errors.Is(err, knowledge.ErrDuplicateID) {
		t.Errorf("Rebuild with a duplicate = %v, want ErrDuplicateID", err)
	}
	noFiles(t, tmp, "failed rebuild")
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	noFiles(t, tmp, "closed")
}

// The offline builder's single segment must score every entry as the in-memory
// index's batches do: BM25's statistics are the index's, however it is segmented.
func TestOneSegmentScoresAsBatches(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a large FAQ twice")
	}
	entries := generate(t, batchSize+500) // two batches; below the shortlist, so every entry is scored
	inMemory := func(m *mapping.IndexMappingImpl, _ int) (store, error) { return newMemStore(m) }
	batches, err := buildIn(entries, knowledge.OutOfScope(), pools{narrative: narrativeLines(), getting: gettingLines(), stories: storyLines()}, inMemory)
	if err != nil {
		t.Fatal(err)
	}
	defer batches.close()
	one, err := build(entries, knowledge.OutOfScope(), narrativeLines(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer one.close()
	if got, want := segments(t, batches), 2; got != want {
		t.Errorf("in-memory index of %d entries: %d segments, want %d", len(entries), got, want)
	}
	if got := segments(t, one); got != 1 {
		t.Errorf("built index of %d entries: %d segments, want 1", len(entries), got)
	}
	ctx := context.Background()
	qs := benchQuestions(t)
	compared := 0
	for _, q := range qs[:80] {
		a := one.analyzeQuery(prepare(q))
		want, err := batches.query(ctx, a, 10)
		if err != nil {
			t.Fatal(err)
		}
		got, err := one.query(ctx, a, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Errorf("%q: %d hits in one segment, %d in batches", q, len(got), len(want))
			continue
		}
		if len(got) > 0 && !near(got[0].score, want[0].score) {
			t.Errorf("%q: best score %v in one segment, %v in batches", q, got[0].score, want[0].score)
		}
		scores := make(map[string]float64, len(want))
		for _, h := range want {
			scores[h.id] = h.score
		}
		for _, h := range got {
			if w, ok := scores[h.id]; ok {
				compared++
				if !near(h.score, w) {
					t.Errorf("%q: %s scores %v in one segment, %v in batches", q, h.id, h.score, w)
				}
			}
		}
	}
	if compared < 200 {
		t.Errorf("only %d scores compared", compared)
	}
}

// segments returns the number of segments of s's index.
func segments(t *testing.T, s *snapshot) int {
	t.Helper()
	ix, err := s.idx.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	r, err := ix.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	is, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		t.Fatalf("reader is a %T, want a scorch snapshot", r)
	}
	return len(is.Segments())
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(math.Abs(a), math.Abs(b)) }

// Without a temporary directory to write to, a large FAQ is still indexed, in memory.
func TestLargeFAQWithoutATemporaryDirectory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a large FAQ")
	}
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	entries := generate(t, batchSize+200)
	x := newIndex(t, entries)
	if got := segments(t, x.cur.Load()); got < 2 {
		t.Errorf("%d segments, want the in-memory index's batches", got)
	}
	e := entries[len(entries)-1]
	if m := top(t, x, e.Question); m.ID != e.ID {
		t.Errorf("Search(%q) = %s, want %s", e.Question, m.ID, e.ID)
	}
}

// Queries hand bleve analysed terms, which termsAnalyzer must give back unchanged,
// one token each: a term split or changed would search for something else.
func TestTermsAnalyzerKeepsTerms(t *testing.T) {
	s := newIndex(t, generate(t, 300)).cur.Load()
	m, err := newMapping()
	if err != nil {
		t.Fatal(err)
	}
	a := m.AnalyzerNamed(termsAnalyzer)
	if a == nil {
		t.Fatalf("no analyzer %q", termsAnalyzer)
	}
	terms := make([]string, 0, len(s.vocab))
	for term := range s.vocab {
		terms = append(terms, term)
	}
	for _, text := range []string{"don't he's q-switched 3.5mm 1,000 café £200 micropigmentation's", "worse professionals advised"} {
		for _, term := range s.analyze(text) {
			terms = append(terms, term)
		}
	}
	for _, term := range terms {
		toks := a.Analyze([]byte(term))
		if len(toks) != 1 || string(toks[0].Term) != term {
			t.Errorf("termsAnalyzer(%q) = %v, want the term itself", term, toks)
		}
	}
	if len(terms) < 500 {
		t.Errorf("only %d terms checked", len(terms))
	}
}
