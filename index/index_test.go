package index

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/smpbot/smpbot/knowledge"
)

func shipped(t testing.TB) []knowledge.Entry {
	t.Helper()
	entries, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func newIndex(t testing.TB, entries []knowledge.Entry) *Index {
	t.Helper()
	x, err := New(entries)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

func top(t *testing.T, x *Index, text string) Match {
	t.Helper()
	ms, err := x.Search(context.Background(), text, 3)
	if err != nil {
		t.Fatalf("Search(%q): %v", text, err)
	}
	if len(ms) == 0 {
		return Match{}
	}
	return ms[0]
}

// Every entry must be found, confidently, by its own question: otherwise moderators
// have written an entry nobody can reach.
func TestEveryEntryFindsItself(t *testing.T) {
	x := newIndex(t, shipped(t))
	for _, e := range x.Entries() {
		m := top(t, x, e.Question)
		if m.ID != e.ID || m.Confidence < 0.5 {
			t.Errorf("Search(%q) = %s (%.2f), want %s with confidence >= 0.5", e.Question, m.ID, m.Confidence, e.ID)
		}
	}
}

func TestSearchUnderstandsTheDomain(t *testing.T) {
	x := newIndex(t, shipped(t))
	tests := []struct{ name, text, want string }{
		{"synonym scalp tattoo", "what does it cost to get a scalp tattoo lasered off", "cost"},
		{"synonym price", "smp laser price", "cost"},
		{"synonym pico", "is a pico-second laser better for scalp micro pigmentation", "laser-types"},
		{"synonym q-switched", "Q-Switched Nd:YAG for smp?", "laser-types"},
		{"stemming", "lightening my smp before a correction", "lighten-before-correction"},
		{"unicode folding", "scalp micropigméntation fädes naturally?", "fading-naturally"},
		{"typo", "how many sesions of lazer", "laser-sessions-count"},
		{"typo long word", "micropigmantation removal cost", "cost"},
		{"keeps 'again'", "can I get smp again after removing it", "redo-after-removal"},
		{"keeps 'between'", "how many weeks between laser treatments", "laser-session-interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := top(t, x, tt.text); got.ID != tt.want {
				t.Errorf("Search(%q) = %s (%.2f), want %s", tt.text, got.ID, got.Confidence, tt.want)
			}
		})
	}
}

// Nothing a person types is query syntax: operators, fields and wildcards are just
// characters, so the text finds what its words find.
func TestQuerySyntaxIsText(t *testing.T) {
	x := newIndex(t, shipped(t))
	tests := []struct{ syntax, words string }{
		{`+laser -pain "sessions" ~2 *`, "laser pain sessions 2"},
		{`(cost OR pain) AND NOT laser`, "cost or pain and not laser"},
		{`/.*/ smp? [a TO z]`, "smp a to z"},
	}
	for _, tt := range tests {
		got, want := top(t, x, tt.syntax), top(t, x, tt.words)
		if got.ID != want.ID || got.Confidence != want.Confidence {
			t.Errorf("Search(%q) = %s (%.2f), want %s (%.2f) as for %q", tt.syntax, got.ID, got.Confidence, want.ID, want.Confidence, tt.words)
		}
	}
}

func TestOffTopicIsNotConfident(t *testing.T) {
	x := newIndex(t, shipped(t))
	for _, text := range []string{
		"what is the capital of France",
		"how do I bake sourdough bread",
		"best laser printer for an office",
		"zzzz qqqq",
		"",
		"?!?",
	} {
		if m := top(t, x, text); m.Confidence >= 0.5 {
			t.Errorf("Search(%q) = %s with confidence %.2f, want < 0.5", text, m.ID, m.Confidence)
		}
	}
}

func TestConfidenceIsAProbabilityScale(t *testing.T) {
	x := newIndex(t, shipped(t))
	for _, text := range []string{"laser", "smp smp smp smp", "how long does healing take after laser removal of my scalp micropigmentation"} {
		ms, err := x.Search(context.Background(), text, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Confidence < 0 || m.Confidence > 1 {
				t.Errorf("Search(%q): %s confidence %v outside [0,1]", text, m.ID, m.Confidence)
			}
		}
	}
}

// Rebuilding must swap atomically: searches running meanwhile see either the old
// FAQ or the new one, never an error or a half-built index.
func TestRebuildWhileSearching(t *testing.T) {
	entries := shipped(t)
	x := newIndex(t, entries)
	edited := append([]knowledge.Entry(nil), entries...)
	for i := range edited {
		if edited[i].ID == "cost" {
			edited[i].Alternates = append(edited[i].Alternates, "wallet damage for zapping")
		}
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				ms, err := x.Search(ctx, "how much does laser removal cost", 3)
				if err != nil || len(ms) == 0 || ms[0].ID != "cost" {
					errs <- fmt.Errorf("search during rebuild: %v %v", ms, err)
					return
				}
			}
		}()
	}
	for i := 0; i < 5; i++ {
		next := entries
		if i%2 == 0 {
			next = edited
		}
		if err := x.Rebuild(next); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := x.Rebuild(edited); err != nil {
		t.Fatal(err)
	}
	if m := top(t, x, "wallet damage for zapping"); m.ID != "cost" {
		t.Errorf("after rebuild, new alternate finds %s, want cost", m.ID)
	}
}

func TestRebuildRefusesDuplicateIDs(t *testing.T) {
	entries := shipped(t)
	x := newIndex(t, entries)
	if err := x.Rebuild(append(entries, entries[0])); !errors.Is(err, knowledge.ErrDuplicateID) {
		t.Errorf("Rebuild with a duplicate = %v, want ErrDuplicateID", err)
	}
	if x.Len() != len(entries) {
		t.Errorf("failed rebuild changed the index: %d entries, want %d", x.Len(), len(entries))
	}
}

func TestClosed(t *testing.T) {
	x := newIndex(t, shipped(t))
	x.Close()
	if _, err := x.Search(context.Background(), "laser", 1); !errors.Is(err, ErrClosed) {
		t.Errorf("Search after Close = %v, want ErrClosed", err)
	}
	if err := x.Rebuild(shipped(t)); !errors.Is(err, ErrClosed) {
		t.Errorf("Rebuild after Close = %v, want ErrClosed", err)
	}
}

func TestSpeller(t *testing.T) {
	sp := newSpeller([]string{"sessions removal laser micropigmentation sessions"}, func(w string) bool { return w == "about" })
	tests := []struct{ in, want string }{
		{"sesions", "sessions"},
		{"remval", "removal"},
		{"micropigmantation", "micropigmentation"},
		{"laser", "laser"},
		{"about", "about"},       // stop words are left alone
		{"song", "song"},         // short words are too easy to "correct" wrongly
		{"pessions", "pessions"}, // the first letter must match
	}
	for _, tt := range tests {
		if got := sp.fix(tt.in); got != tt.want {
			t.Errorf("fix(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Every rebuild retires the index it replaces; the old one must be closed once no
// search uses it, or each moderator edit would leak an index and its goroutines.
func TestRebuildClosesReplacedIndexes(t *testing.T) {
	entries := shipped(t)
	x := newIndex(t, entries)
	if err := x.Rebuild(entries); err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	for i := 0; i < 20; i++ {
		if err := x.Rebuild(entries); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		t.Errorf("%d goroutines after 20 rebuilds, %d before: replaced indexes are not closed", n, before)
	}
	if _, err := x.Search(context.Background(), "laser cost", 3); err != nil {
		t.Errorf("search after rebuilds: %v", err)
	}
}

// A stem stemmed again can change ("worse" gives "wors", which gives "wor"): a query
// must reach bleve's postings with the terms the index holds, stemmed once.
func TestQueryStemsOnce(t *testing.T) {
	x := newIndex(t, shipped(t))
	s := x.cur.Load()
	for _, w := range []string{"worse", "professional", "practitioner", "expensive", "advise"} {
		a := s.analyzeQuery(w)
		if len(a.terms) != 1 {
			t.Fatalf("analyzeQuery(%q) = %+v", w, a)
		}
		if again := s.analyze(a.terms[0]); len(again) == 1 && again[0] == a.terms[0] {
			t.Errorf("%q: stemming %q again keeps it; pick a word whose stem is not stable", w, a.terms[0])
		}
		if s.docFreq(a.terms[0]) == 0 {
			t.Errorf("%q is not in the FAQ; pick a word that is", w)
			continue
		}
		hits, err := s.query(context.Background(), a, 3)
		if err != nil || len(hits) == 0 {
			t.Errorf("query(%q) = %v, %v; want the entries holding it", w, hits, err)
		}
	}
}

func TestSearchForNoMatches(t *testing.T) {
	x := newIndex(t, shipped(t))
	for _, n := range []int{0, -1} {
		if ms, err := x.Search(context.Background(), "laser sessions", n); err != nil || len(ms) != 0 {
			t.Errorf("Search(n=%d) = %v, %v; want nothing", n, ms, err)
		}
	}
}

// SearchExcluding finds what Search finds without the entries left out, and the
// others' confidences are judged among themselves: the runner-up to an entry left
// out is at least as confident as it was.
func TestSearchExcluding(t *testing.T) {
	x := newIndex(t, shipped(t))
	ctx := context.Background()
	const q = "how many laser sessions to get my smp off"
	all, err := x.Search(ctx, q, 4)
	if err != nil || len(all) < 2 {
		t.Fatalf("Search(%q) = %v, %v; want two matches at least", q, all, err)
	}
	rest, err := x.SearchExcluding(ctx, q, 4, all[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range rest {
		if m.ID == all[0].ID {
			t.Fatalf("SearchExcluding(%s) returned it: %v", all[0].ID, rest)
		}
	}
	if len(rest) == 0 || rest[0].ID != all[1].ID {
		t.Fatalf("SearchExcluding(%s) = %v, want %s first", all[0].ID, rest, all[1].ID)
	}
	if rest[0].Confidence < all[1].Confidence {
		t.Errorf("%s: confidence %.3f without %s, %.3f with it; want at least as much", rest[0].ID, rest[0].Confidence, all[0].ID, all[1].Confidence)
	}
	same, err := x.SearchExcluding(ctx, q, 4)
	if err != nil || !slices.Equal(same, all) {
		t.Errorf("SearchExcluding with nothing left out = %v, %v; want Search's %v", same, err, all)
	}
}
