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
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
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
	terms    map[string]termSet  // entry id -> analysed terms of its fields
	df       map[string]int      // analysed term -> number of entries holding it
	syn      map[string][]string // analysed term -> analysed synonyms it also finds
	spell    *speller
	self     sync.Map // entry id -> float64: the score the entry's own question gets
}

// termSet maps a term to how strongly an entry holds it: 1 in how the entry is asked
// (question, alternates, tags), answerOnly when it appears only in the answer.
type termSet map[string]float64

// answerOnly is the credit for a term found only in an entry's answer: answers
// mention many things they are not about.
const answerOnly = 0.5

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
		// Ids are descriptive ("fading-naturally"), so their words count as tags.
		tags := append(strings.Split(e.ID, "-"), e.Tags...)
		doc := map[string]any{
			"question":   prepare(e.Question),
			"alternates": prepareAll(e.Alternates),
			"tags":       tags,
			"answer":     prepare(e.Answer),
		}
		if err := b.Index(e.ID, doc); err != nil {
			idx.Close()
			return nil, fmt.Errorf("indexing %q: %w", e.ID, err)
		}
		asked := e.Question + " " + strings.Join(e.Alternates, " ") + " " + strings.Join(tags, " ")
		ts := termSet{}
		for _, t := range s.analyze(prepare(e.Answer)) {
			ts[t] = answerOnly
		}
		for _, t := range s.analyze(prepare(asked)) {
			ts[t] = 1
		}
		for t := range ts {
			s.df[t]++
		}
		s.terms[e.ID] = ts
		words = append(words, asked, e.Answer)
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

// prepare readies text for the analyzer: accents folded, multi-word names rewritten.
func prepare(text string) string { return rewrite(string(fold.Filter([]byte(text)))) }

func prepareAll(texts []string) []string {
	out := make([]string, len(texts))
	for i, t := range texts {
		out[i] = prepare(t)
	}
	return out
}

// fold removes accents before spelling correction, as the analyzer does before
// indexing, so "pigméntation" is one letter from a known word, not two bytes.
var fold = asciifolding.New()

// yardstickPhrasings bounds the searches that compute an entry's yardstick on its
// first appearance as a candidate.
const yardstickPhrasings = 8

// candidates is how many of bleve's best hits are re-ranked.
const candidates = 8

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
	text = prepare(s.spell.correct(string(fold.Filter([]byte(text)))))
	terms := s.analyze(text)
	if len(terms) == 0 || n <= 0 {
		return nil, nil
	}
	hits, err := s.query(ctx, text, max(n+2, candidates), "")
	if err != nil {
		return nil, err
	}
	anchored := s.anchored(terms)
	out := make([]Match, 0, len(hits))
	keys := make(map[string]float64, len(hits))
	for _, h := range hits {
		e := s.entries[h.id]
		self, err := s.selfScore(ctx, e)
		if err != nil {
			return nil, err
		}
		f := s.features(terms, h.id, h.score, self)
		keys[h.id] = f.rank()
		out = append(out, Match{ID: h.id, Question: e.Question, Score: h.score, Confidence: f.confidence(anchored)})
	}
	sort.SliceStable(out, func(i, j int) bool { return keys[out[i].ID] > keys[out[j].ID] })
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

// selfScore is the typical score an entry gets when asked the way it expects: the
// median over its question and first alternates. It is the yardstick its other scores are
// measured against (one phrasing alone is fragile: a question made mostly of common
// words scores low even against itself). Computed on first use, since most entries of
// a large FAQ are never a top hit.
func (s *snapshot) selfScore(ctx context.Context, e knowledge.Entry) (float64, error) {
	if v, ok := s.self.Load(e.ID); ok {
		return v.(float64), nil
	}
	var scores []float64
	phrasings := append([]string{e.Question}, e.Alternates...)
	if len(phrasings) > yardstickPhrasings {
		phrasings = phrasings[:yardstickPhrasings]
	}
	for _, p := range phrasings {
		hits, err := s.query(ctx, prepare(p), 1, e.ID)
		if err != nil {
			return 0, err
		}
		if len(hits) == 1 && hits[0].score > 0 {
			scores = append(scores, hits[0].score)
		}
	}
	score := 1.0
	if len(scores) > 0 {
		sort.Float64s(scores)
		score = scores[len(scores)/2]
	}
	s.self.Store(e.ID, score)
	return score, nil
}

// features describe how well an entry matches a text. Term weights are inverse
// document frequencies, in units of the weight of a term no entry holds.
type features struct {
	ratio   float64 // score / the entry's yardstick score
	cover   float64 // share of the text's term weight the entry holds
	matched float64 // term weight the entry holds
	unknown float64 // weight of the text's terms that no entry holds
	total   float64 // weight of all the text's terms
}

func (s *snapshot) features(terms []string, id string, score, self float64) features {
	have := s.terms[id]
	n := float64(len(s.order))
	unit := math.Log1p(n)
	var f features
	for _, t := range terms {
		w := math.Log1p(n/float64(s.df[t]+1)) / unit
		f.total += w
		if s.df[t] == 0 {
			f.unknown += w
		}
		f.matched += w * s.holds(have, t)
	}
	f.ratio = score / self
	if f.total > 0 {
		f.cover = f.matched / f.total
	}
	return f
}

// holds reports how strongly an entry holds t or a synonym t finds.
func (s *snapshot) holds(have termSet, t string) float64 {
	best := have[t]
	for _, alt := range s.syn[t] {
		best = max(best, have[alt])
	}
	return best
}

// rank orders candidate entries: the score relative to the entry's yardstick, sharpened
// by how much of the text the entry accounts for, so that an entry matching one word
// of a long story very well does not beat one that matches most of it.
func (f features) rank() float64 { return math.Sqrt(f.ratio) * f.cover * f.cover }

// Calibration of confidence, fitted on the question sets in bot/testdata and the shared
// dev set (see README, "Retrieval"): what decides whether an entry answers a text is
// how much of the text it explains, and how much evidence that is.
const (
	// unknownWeight multiplies the weight of words no entry holds: a text about
	// "botox" or "minoxidil" is about something the FAQ does not cover, however well
	// the rest of it matches.
	unknownWeight = 3
	// enoughEvidence is the matched weight (about two distinctive terms) above which
	// the amount of evidence no longer limits confidence.
	enoughEvidence = 2
	// fullCoverEvidence is the evidence credited to a text an entry explains fully.
	fullCoverEvidence = 0.5
	// anchorDF is the share of entries a term must appear in to mark a text as being
	// about the FAQ's subject at all (smp, laser, removal, pigment, ...).
	anchorDF = 0.25
	// offTopicPenalty scales confidence for a text with unknown words and no anchor.
	offTopicPenalty = 0.4
	// spread maps the raw product so that 0.5 falls where on-topic and off-topic
	// texts part in the question sets.
	spread = 0.568
)

// confidence maps features to 0..1.
func (f features) confidence(anchored bool) float64 {
	total := f.total + (unknownWeight-1)*f.unknown
	if total <= 0 {
		return 0
	}
	cover := f.matched / total
	// A text the entry explains completely needs less evidence: "can smp be removed"
	// is all common words, and all of them on topic.
	evidence := math.Max(math.Min(1, f.matched/enoughEvidence), fullCoverEvidence*math.Pow(cover, 4))
	c := math.Sqrt(cover) * evidence
	if f.unknown > 0 && !anchored {
		c *= offTopicPenalty
	}
	return math.Pow(c, spread)
}

// anchored reports whether any of terms is common across the FAQ.
func (s *snapshot) anchored(terms []string) bool {
	min := anchorDF * float64(len(s.order))
	for _, t := range terms {
		if float64(s.df[t]) >= min {
			return true
		}
	}
	return false
}
