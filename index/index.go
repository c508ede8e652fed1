// Package index answers "which FAQ entries match this text, and how confidently".
//
// It owns the bleve mapping (an English analyzer with Unicode folding and stemming,
// domain synonyms and phrase rewrites), typo tolerance, and the calibration of a
// confidence between 0 and 1. It knows nothing of chat platforms.
package index

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/smpbot/smpbot/knowledge"
)

// ErrClosed is returned by searches and rebuilds after Close.
var ErrClosed = errors.New("index: closed")

// Match is one entry found for a text.
type Match struct {
	ID       string
	Question string
	// Score is bleve's raw BM25 score: comparable only within one search.
	Score float64
	// Confidence estimates how likely the entry answers the text, from 0 to 1. It is
	// calibrated against the score the entry's own question gets and against how much
	// of the text the entry accounts for, so a fixed threshold means the same thing for
	// a two-word fragment and a long story.
	Confidence float64
}

// Index is a searchable FAQ. It is safe for concurrent use; Rebuild swaps in a new
// index atomically while searches go on against the old one.
type Index struct {
	mu     sync.Mutex // serialises Rebuild and Close
	cur    atomic.Pointer[snapshot]
	closed atomic.Bool
}

// snapshot is everything one search needs, swapped as a whole so that the calibration
// data always belongs to the index it is used with.
type snapshot struct {
	idx      bleve.Index
	analyzer analysis.Analyzer
	entries  map[string]knowledge.Entry
	order    []string            // entry ids in load order
	terms    map[string]termSet  // entry id -> analysed terms of all its fields
	df       map[string]int      // analysed term -> number of entries holding it
	syn      map[string][]string // analysed term -> analysed synonyms it also finds
	spell    *speller
	self     sync.Map // entry id -> float64: the score the entry's own question gets
}

type termSet map[string]struct{}

// New builds an index over entries.
func New(entries []knowledge.Entry) (*Index, error) {
	x := &Index{}
	if err := x.Rebuild(entries); err != nil {
		return nil, err
	}
	return x, nil
}

// Rebuild indexes entries afresh and swaps the result in. Searches in flight finish on
// the old index, which is closed afterwards.
func (x *Index) Rebuild(entries []knowledge.Entry) error {
	s, err := build(entries)
	if err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed.Load() {
		s.idx.Close()
		return ErrClosed
	}
	old := x.cur.Swap(s)
	if old != nil {
		// In-memory scorch indexes may be read after Close by a search that loaded the
		// old snapshot just before the swap; closing makes such a search fail, so the
		// old index is left to the garbage collector instead.
		_ = old
	}
	return nil
}

// Close releases the index. Searches after Close return ErrClosed.
func (x *Index) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed.Swap(true) {
		return nil
	}
	if s := x.cur.Load(); s != nil {
		return s.idx.Close()
	}
	return nil
}

// Len reports the number of entries indexed.
func (x *Index) Len() int {
	if s := x.cur.Load(); s != nil {
		return len(s.order)
	}
	return 0
}

// Entry returns the entry with the given id.
func (x *Index) Entry(id string) (knowledge.Entry, bool) {
	s := x.cur.Load()
	if s == nil {
		return knowledge.Entry{}, false
	}
	e, ok := s.entries[id]
	return e, ok
}

// Entries returns every indexed entry in load order.
func (x *Index) Entries() []knowledge.Entry {
	s := x.cur.Load()
	if s == nil {
		return nil
	}
	out := make([]knowledge.Entry, len(s.order))
	for i, id := range s.order {
		out[i] = s.entries[id]
	}
	return out
}

func build(entries []knowledge.Entry) (*snapshot, error) {
	m, err := newMapping()
	if err != nil {
		return nil, fmt.Errorf("index mapping: %w", err)
	}
	// An in-memory scorch index: bleve.NewMemOnly would use the older upsidedown
	// format, which silently ignores BM25 and synonyms.
	idx, err := bleve.NewUsing("", m, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("creating index: %w", err)
	}
	s := &snapshot{
		idx:      idx,
		analyzer: m.AnalyzerNamed(analyzerName),
		entries:  make(map[string]knowledge.Entry, len(entries)),
		terms:    make(map[string]termSet, len(entries)),
		df:       make(map[string]int),
		syn:      make(map[string][]string),
	}
	if s.analyzer == nil {
		idx.Close()
		return nil, fmt.Errorf("index: analyzer %q missing", analyzerName)
	}
	// One batch: thousands of single Index calls would leave thousands of segments.
	b := idx.NewBatch()
	for i, g := range synonyms {
		def := &bleve.SynonymDefinition{Input: lowerAll(g.input), Synonyms: lowerAll(g.words)}
		if err := b.IndexSynonym(fmt.Sprintf("syn-%d", i), synonymColl, def); err != nil {
			idx.Close()
			return nil, fmt.Errorf("synonyms: %w", err)
		}
		s.addSynonyms(g.input, g.words)
	}
	var words []string
	for _, e := range entries {
		if _, dup := s.entries[e.ID]; dup {
			idx.Close()
			return nil, fmt.Errorf("index: %w: %q", knowledge.ErrDuplicateID, e.ID)
		}
		s.entries[e.ID] = e
		s.order = append(s.order, e.ID)
		doc := map[string]any{
			"question":   e.Question,
			"alternates": e.Alternates,
			"tags":       e.Tags,
			"answer":     e.Answer,
		}
		if err := b.Index(e.ID, doc); err != nil {
			idx.Close()
			return nil, fmt.Errorf("indexing %q: %w", e.ID, err)
		}
		text := e.Question + " " + strings.Join(e.Alternates, " ") + " " + strings.Join(e.Tags, " ") + " " + e.Answer
		ts := termSet{}
		for _, t := range s.analyze(text) {
			ts[t] = struct{}{}
		}
		for t := range ts {
			s.df[t]++
		}
		s.terms[e.ID] = ts
		words = append(words, text)
	}
	if err := idx.Batch(b); err != nil {
		idx.Close()
		return nil, fmt.Errorf("indexing: %w", err)
	}
	for _, g := range synonyms {
		words = append(words, strings.Join(g.input, " "), strings.Join(g.words, " "))
	}
	s.spell = newSpeller(words, func(w string) bool { return len(s.analyze(w)) == 0 })
	return s, nil
}

func (s *snapshot) addSynonyms(input, words []string) {
	var in []string
	for _, w := range input {
		in = append(in, s.analyze(w)...)
	}
	var ws []string
	for _, w := range words {
		ws = append(ws, s.analyze(w)...)
	}
	if len(in) == 0 {
		for _, a := range ws {
			s.syn[a] = append(s.syn[a], ws...)
		}
		return
	}
	for _, a := range in {
		s.syn[a] = append(s.syn[a], ws...)
	}
}

// analyze returns the distinct terms text is indexed or searched as.
func (s *snapshot) analyze(text string) []string {
	toks := s.analyzer.Analyze([]byte(text))
	out := make([]string, 0, len(toks))
	seen := make(map[string]bool, len(toks))
	for _, t := range toks {
		term := string(t.Term)
		if !seen[term] {
			seen[term] = true
			out = append(out, term)
		}
	}
	return out
}

// MaxQueryLen bounds the text searched; a longer text is cut at a word boundary.
const MaxQueryLen = 1000

// Search returns up to n entries matching text, best first.
func (x *Index) Search(ctx context.Context, text string, n int) ([]Match, error) {
	if x.closed.Load() {
		return nil, ErrClosed
	}
	s := x.cur.Load()
	if s == nil {
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(text) > MaxQueryLen {
		text = text[:MaxQueryLen]
		if i := strings.LastIndexAny(text, " \n\t"); i > 0 {
			text = text[:i]
		}
	}
	text = s.spell.correct(text)
	terms := s.analyze(text)
	if len(terms) == 0 || n <= 0 {
		return nil, nil
	}
	hits, err := s.query(ctx, text, n+2, "")
	if err != nil {
		return nil, err
	}
	out := make([]Match, 0, len(hits))
	for _, h := range hits {
		e := s.entries[h.id]
		self, err := s.selfScore(ctx, e)
		if err != nil {
			return nil, err
		}
		out = append(out, Match{ID: h.id, Question: e.Question, Score: h.score,
			Confidence: s.confidence(terms, h.id, h.score, self)})
	}
	// Confidence, not raw score, decides the order: it accounts for how much of the
	// text an entry explains, which the raw score of a long answer field blurs.
	sort.SliceStable(out, func(i, j int) bool { return out[i].Confidence > out[j].Confidence })
	if len(out) > n {
		out = out[:n]
	}
	return out, nil
}

type hit struct {
	id    string
	score float64
}

// query runs text against the weighted fields; with only set, it scores that one entry.
func (s *snapshot) query(ctx context.Context, text string, n int, only string) ([]hit, error) {
	var fields []query.Query
	for _, f := range searchFields {
		// A match query: the text is analysed, never parsed as query syntax.
		mq := query.NewMatchQuery(text)
		mq.SetField(f.name)
		mq.SetBoost(f.boost)
		fields = append(fields, mq)
	}
	var q query.Query = query.NewDisjunctionQuery(fields)
	if only != "" {
		bq := query.NewBooleanQuery([]query.Query{q}, nil, nil)
		bq.AddFilter(query.NewDocIDQuery([]string{only}))
		q = bq
	}
	req := bleve.NewSearchRequestOptions(q, n, 0, false)
	res, err := s.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("searching: %w", err)
	}
	hits := make([]hit, len(res.Hits))
	for i, h := range res.Hits {
		hits[i] = hit{h.ID, h.Score}
	}
	return hits, nil
}

// selfScore is the score an entry gets for its own question: the yardstick its other
// scores are measured against. Computed on first use, since most entries of a large FAQ
// are never a top hit.
func (s *snapshot) selfScore(ctx context.Context, e knowledge.Entry) (float64, error) {
	if v, ok := s.self.Load(e.ID); ok {
		return v.(float64), nil
	}
	hits, err := s.query(ctx, e.Question, 1, e.ID)
	if err != nil {
		return 0, err
	}
	score := 1.0
	if len(hits) == 1 && hits[0].score > 0 {
		score = hits[0].score
	}
	s.self.Store(e.ID, score)
	return score, nil
}

// confidence combines how the score compares to the entry's own question's score with
// how much of the searched text the entry accounts for, weighting each term by how
// rare it is in the FAQ.
func (s *snapshot) confidence(terms []string, id string, score, self float64) float64 {
	ratio := math.Min(1, score/self)
	have := s.terms[id]
	n := float64(len(s.order))
	var total, matched float64
	for _, t := range terms {
		w := math.Log1p(n / float64(s.df[t]+1))
		total += w
		if _, ok := have[t]; ok {
			matched += w
			continue
		}
		for _, alt := range s.syn[t] {
			if _, ok := have[alt]; ok {
				matched += w
				break
			}
		}
	}
	cover := 0.0
	if total > 0 {
		cover = matched / total
	}
	return math.Sqrt(ratio) * cover
}
