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
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/smpbot/smpbot/knowledge"
)

// ErrClosed is returned by searches and rebuilds after Close.
var ErrClosed = errors.New("index: closed")

// Match is one entry found for a text.
type Match struct {
	ID       string
	Question string
	// Score is bleve's raw BM25 score: comparable only within one search, and 0 for
	// an entry only the model found.
	Score float64
	// Confidence estimates how likely the entry answers the text, from 0 to 1: the
	// BM25 evidence, how much of the text the entry accounts for and the model
	// learned from the FAQ's phrasings, combined with weights fitted by
	// cross-validation (MODEL.md), so a fixed threshold means the same thing for a
	// two-word fragment and a long story.
	Confidence float64
}

// Index is a searchable FAQ. It is safe for concurrent use; Rebuild swaps in a new
// index atomically while searches go on against the old one.
type Index struct {
	mu       sync.Mutex // serialises Rebuild and Close
	cur      atomic.Pointer[snapshot]
	closed   atomic.Bool
	walkSeed uint64
}

// Option configures an Index.
type Option func(*Index)

// WithWalkSeed sets the order in which the model's training walks the FAQ's phrasings
// (0, the default, is the shipped order). A single run of the question sets moves by
// several answers with it, so changes are judged over a few seeds (smpbot eval
// --walk-seeds).
func WithWalkSeed(seed uint64) Option { return func(x *Index) { x.walkSeed = seed } }

// snapshot is everything one search needs, swapped as a whole so that the calibration
// data always belongs to the index it is used with.
type snapshot struct {
	idx      bleve.Index
	dir      string // the index's files, removed after it is closed ("" if none)
	analyzer analysis.Analyzer
	entries  map[string]knowledge.Entry
	order    []string            // entry ids in load order
	terms    map[string]termSet  // entry id -> analysed terms of its fields
	vocab    map[string]int32    // analysed term -> its number in df and term sets
	df       []int32             // by term number: entries holding the term
	syn      map[string][]string // analysed term -> analysed synonyms it also finds
	spell    *speller
	model    *model           // learned from the phrasings at build
	classOf  map[string]int32 // entry id -> its class in model
	self     sync.Map         // entry id -> float64: the score the entry's own question gets
	// narr is how much each analysed term of the narrative pool is narrative rather
	// than question (narrativeness); terms not in the pool are absent (0).
	narr map[string]float64
	// inout tells messages to decline from messages to answer (scope.go).
	inout *scopeClassifier

	refs      atomic.Int64 // searches using the snapshot now
	retired   atomic.Bool  // swapped out: close when refs reaches zero
	closeOnce sync.Once
}

// termSet holds an entry's terms as sorted term numbers (compact: a FAQ of 10,000
// entries holds about a million): asked are in how the entry is asked (question,
// alternates, tags), answer only in its answer.
type termSet struct{ asked, answer []int32 }

// weight is how strongly the set holds term number id: 1 if it is in how the entry is
// asked, answerOnly if only in the answer, else 0.
func (ts termSet) weight(id int32) float64 {
	if _, ok := slices.BinarySearch(ts.asked, id); ok {
		return 1
	}
	if _, ok := slices.BinarySearch(ts.answer, id); ok {
		return answerOnly
	}
	return 0
}

// answerOnly is the credit for a term found only in an entry's answer: answers
// mention many things they are not about.
const answerOnly = 0.5

// New builds an index over entries.
//
// The out-of-scope questions of knowledge.OutOfScope teach it what to decline.
func New(entries []knowledge.Entry, opts ...Option) (*Index, error) {
	x := &Index{}
	for _, o := range opts {
		o(x)
	}
	if err := x.Rebuild(entries); err != nil {
		return nil, err
	}
	return x, nil
}

// Rebuild indexes entries afresh and swaps the result in. Searches in flight finish on
// the old index, which is closed afterwards.
func (x *Index) Rebuild(entries []knowledge.Entry) error {
	s, err := build(entries, knowledge.OutOfScope(), narrativeLines(), x.walkSeed)
	if err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed.Load() {
		s.close()
		return ErrClosed
	}
	if old := x.cur.Swap(s); old != nil {
		old.retire() // closed once the searches still using it are done
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
		s.retire()
	}
	return nil
}

// acquire returns the current snapshot, held open until release: a Rebuild may swap
// it out meanwhile, but it is closed only after its last search.
func (x *Index) acquire() (*snapshot, error) {
	for {
		if x.closed.Load() {
			return nil, ErrClosed
		}
		s := x.cur.Load()
		if s == nil {
			return nil, ErrClosed
		}
		s.refs.Add(1)
		if x.cur.Load() == s {
			return s, nil
		}
		s.release() // swapped out between the load and the hold: take the new one
	}
}

// release ends a search's hold on the snapshot.
func (s *snapshot) release() {
	if s.refs.Add(-1) == 0 && s.retired.Load() {
		s.close()
	}
}

// retire marks a swapped-out snapshot to be closed when no search holds it.
func (s *snapshot) retire() {
	s.retired.Store(true)
	if s.refs.Load() == 0 {
		s.close()
	}
}

func (s *snapshot) close() {
	s.closeOnce.Do(func() {
		s.idx.Close()
		if s.dir != "" {
			os.RemoveAll(s.dir)
		}
	})
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

// build indexes entries and trains the model on their phrasings, with outOfScope as
// the class of questions to decline and narrative as the context sentences that
// the ranking discounts (narrativeness), the model walking its examples in the
// order walkSeed picks.
func build(entries []knowledge.Entry, outOfScope, narrative []string, walkSeed uint64) (*snapshot, error) {
	ps := pools{narrative: narrative, getting: gettingLines(), stories: storyLines(), walkSeed: walkSeed}
	return buildIn(entries, outOfScope, ps, newStore)
}

// pools are what a build learns from besides the FAQ: the sentence pools, narrative
// context (narrativeness) and sentences about getting a treatment and real-shaped
// stories (the in/out classifier), and the seed of the model's walk (WithWalkSeed).
type pools struct {
	narrative, getting []string
	stories            []story
	walkSeed           uint64
}

// buildIn is build with the pools given and the store that newStore gives for the
// FAQ's size.
func buildIn(entries []knowledge.Entry, outOfScope []string, ps pools, newStore func(*mapping.IndexMappingImpl, int) (store, error)) (*snapshot, error) {
	narrative := ps.narrative
	m, err := newMapping()
	if err != nil {
		return nil, fmt.Errorf("index mapping: %w", err)
	}
	st, err := newStore(m, len(entries))
	if err != nil {
		return nil, err
	}
	s := &snapshot{
		analyzer: m.AnalyzerNamed(analyzerName),
		entries:  make(map[string]knowledge.Entry, len(entries)),
		terms:    make(map[string]termSet, len(entries)),
		vocab:    make(map[string]int32),
		syn:      make(map[string][]string),
		classOf:  make(map[string]int32, len(entries)),
	}
	if s.analyzer == nil {
		st.abort()
		return nil, fmt.Errorf("index: analyzer %q missing", analyzerName)
	}
	// Each entry's phrasings (question, then alternates), prepared once for bleve and
	// the model.
	phrasings := make([][]string, len(entries), len(entries)+1)
	for i, e := range entries {
		phrasings[i] = prepareAll(append([]string{e.Question}, e.Alternates...))
	}
	// The model learns while bleve indexes: they only read the same phrasings.
	trained := make(chan *model, 1)
	go func() {
		trained <- trainModelOnce(append(phrasings, prepareAll(outOfScope)), ps.walkSeed)
	}()
	for i, g := range synonyms {
		def := &bleve.SynonymDefinition{Input: lowerAll(g.input), Synonyms: lowerAll(g.words)}
		if err := st.synonym(fmt.Sprintf("syn-%d", i), def); err != nil {
			st.abort()
			return nil, fmt.Errorf("synonyms: %w", err)
		}
		s.addSynonyms(g.input, g.words)
	}
	// Every text is analysed once, here, with the analysis of each word remembered:
	// bleve gets the documents' fields analysed already.
	memo := newTermMemo(s.analyzer)
	var words []string
	for i, e := range entries {
		if _, dup := s.entries[e.ID]; dup {
			st.abort()
			return nil, fmt.Errorf("index: %w: %q", knowledge.ErrDuplicateID, e.ID)
		}
		s.entries[e.ID] = e
		s.classOf[e.ID] = int32(len(s.order))
		s.order = append(s.order, e.ID)
		// Ids are descriptive ("fading-naturally"), so their words count as tags.
		tags := append(strings.Split(e.ID, "-"), e.Tags...)
		// How the entry is asked (question, alternates, tags) is one field, so a search
		// walks one set of postings for it instead of three; the question alone is a
		// second field, as the most carefully worded phrasing.
		question, answer := phrasings[i][0], prepare(e.Answer)
		doc := map[string]any{
			"question": question,
			"asked":    append(append(slices.Clip(phrasings[i][1:]), question), tags...),
			"answer":   answer,
		}
		d := document.NewDocument(e.ID)
		if err := m.MapDocument(d, doc); err != nil {
			st.abort()
			return nil, fmt.Errorf("indexing %q: %w", e.ID, err)
		}
		var answerTerms analysis.TokenStream
		preanalyse(d, memo, func(field string, ts analysis.TokenStream) {
			if field == "answer" {
				answerTerms = ts
			}
		})
		if err := st.add(d); err != nil {
			st.abort()
			return nil, fmt.Errorf("indexing %q: %w", e.ID, err)
		}
		asked := e.Question + " " + strings.Join(e.Alternates, " ") + " " + strings.Join(tags, " ")
		ts := termSet{asked: s.termIDs(memo.Analyze([]byte(prepare(asked))))}
		for _, id := range s.termIDs(answerTerms) {
			if _, ok := slices.BinarySearch(ts.asked, id); !ok {
				ts.answer = append(ts.answer, id)
			}
		}
		for _, id := range ts.asked {
			s.df[id]++
		}
		for _, id := range ts.answer {
			s.df[id]++
		}
		s.terms[e.ID] = ts
		words = append(words, asked, e.Answer)
	}
	if s.idx, s.dir, err = st.open(); err != nil {
		return nil, fmt.Errorf("indexing: %w", err)
	}
	for _, g := range synonyms {
		words = append(words, strings.Join(g.input, " "), strings.Join(g.words, " "))
	}
	s.spell = newSpeller(words, func(w string) bool { return len(s.analyze(w)) == 0 })
	s.narr = narrativeness(memo, phrasings, narrative)
	s.inout = trainScope(memo, phrasings, ps)
	s.model = <-trained
	return s, nil
}

// termIDs numbers the distinct terms of toks, adding new ones to the vocabulary, and
// returns the numbers sorted.
func (s *snapshot) termIDs(toks analysis.TokenStream) []int32 {
	ids := make([]int32, len(toks))
	for i, t := range toks {
		id, ok := s.vocab[string(t.Term)]
		if !ok {
			id = int32(len(s.df))
			s.vocab[string(t.Term)] = id
			s.df = append(s.df, 0)
		}
		ids[i] = id
	}
	slices.Sort(ids)
	return slices.Clone(slices.Compact(ids)) // exact size: the term sets stay
}

// docFreq returns the number of entries holding term t.
func (s *snapshot) docFreq(t string) int {
	if id, ok := s.vocab[t]; ok {
		return int(s.df[id])
	}
	return 0
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

// analyzed is a text's distinct terms, in order.
type analyzed struct{ terms []string }

// analyzeQuery returns the terms text is searched as. Queries carry the terms, not
// the words: bleve gets them with termsAnalyzer, which only splits them.
func (s *snapshot) analyzeQuery(text string) analyzed { return analyzed{terms: s.analyze(text)} }

// prepare readies text for the analyzer: accents folded, multi-word names rewritten.
func prepare(text string) string { return rewrite(foldASCII(text)) }

func prepareAll(texts []string) []string {
	out := make([]string, len(texts))
	for i, t := range texts {
		out[i] = prepare(t)
	}
	return out
}

// foldASCII removes accents ("pigméntation" becomes "pigmentation"), so that spelling
// correction and the analyzer see plain letters. Most text is ASCII already and is
// returned as it is, without the filter's allocation.
func foldASCII(text string) string {
	for i := 0; i < len(text); i++ {
		if text[i] >= utf8.RuneSelf {
			return string(fold.Filter([]byte(text)))
		}
	}
	return text
}

var fold = asciifolding.New()

// yardstickPhrasings bounds the searches that compute an entry's yardstick on its
// first appearance as a candidate.
const yardstickPhrasings = 8

// candidates is how many of bleve's best hits, and of the model's, are re-ranked.
const candidates = 8

// In a FAQ of shortlistFAQ entries or more, bleve scores only the model's best
// shortlist entries.
const (
	shortlistFAQ = 2000
	shortlist    = 32
)

// MaxQueryLen bounds the text searched; a longer text is cut at a word boundary.
const MaxQueryLen = 1000

// Search returns up to n entries matching text, best first.
func (x *Index) Search(ctx context.Context, text string, n int) ([]Match, error) {
	return x.SearchExcluding(ctx, text, n)
}

// SearchExcluding is Search as if the entries with the ids in exclude were not
// candidates: the others' confidences are calibrated among themselves. The bot uses it
// when it has ruled an entry out by a rule of its own (the complications entry for a
// message that describes no complication), so that the next entry is judged on its
// own evidence rather than as the runner-up to one that was never going to answer.
func (x *Index) SearchExcluding(ctx context.Context, text string, n int, exclude ...string) ([]Match, error) {
	s, err := x.acquire()
	if err != nil {
		return nil, err
	}
	defer s.release()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(text) > MaxQueryLen {
		text = text[:MaxQueryLen]
		if i := strings.LastIndexAny(text, " \n\t"); i > 0 {
			text = text[:i]
		}
	}
	if n <= 0 {
		return nil, nil
	}
	cands, err := s.candidates(ctx, text, n, exclude...)
	if err != nil {
		return nil, err
	}
	out := make([]Match, 0, min(n, len(cands)))
	for _, c := range cands {
		if len(out) == n {
			break
		}
		out = append(out, Match{ID: c.id, Question: s.entries[c.id].Question, Score: c.score, Confidence: c.confidence})
	}
	return out, nil
}

// candidate is an entry considered for a text, with the evidence for it.
type candidate struct {
	id    string
	score float64 // bleve's BM25 score, 0 if bleve did not find it
	ev    evidence
	// fused is the combined evidence (a log-odds); confidence its calibrated
	// probability.
	fused, confidence float64
}

// candidates returns the entries bleve or the model finds for text, best first.
func (s *snapshot) candidates(ctx context.Context, text string, n int, exclude ...string) ([]candidate, error) {
	text = rewrite(s.spell.correct(foldASCII(text)))
	a := s.analyzeQuery(text)
	terms := a.terms
	if len(terms) == 0 {
		return nil, nil
	}
	pred := s.model.predict(text)
	defer pred.done()
	var only []string
	if len(s.order) >= shortlistFAQ {
		// In a large FAQ bleve scores only the model's shortlist: walking every
		// posting of the question's terms is what an answer spends its time on.
		for _, c := range pred.top[:min(len(pred.top), shortlist)] {
			only = append(only, s.order[c])
		}
	}
	// With no shortlist (a small FAQ, or a text the model knows no piece of),
	// bleve searches every entry.
	hits, err := s.query(ctx, a, max(n, candidates), only...)
	if err != nil {
		return nil, err
	}
	anchored := s.anchored(terms)
	none := pred.none()
	offTopic := s.inout.offTopic(terms)
	cands := make([]candidate, 0, len(hits)+candidates)
	seen := make(map[string]bool, len(hits)+candidates)
	add := func(id string, score float64) error {
		if seen[id] || slices.Contains(exclude, id) {
			return nil
		}
		seen[id] = true
		self := 1.0
		if score > 0 {
			var err error
			if self, err = s.selfScore(ctx, s.entries[id]); err != nil {
				return err
			}
		}
		f := s.features(terms, id, score, self)
		c := candidate{id: id, score: score, ev: evidence{
			model:    pred.prob(s.classOf[id]),
			none:     none,
			conf:     f.confidence(anchored),
			rank:     f.rank(),
			cover:    f.cover,
			unknown:  f.unknown / math.Max(f.total, 1e-9),
			offTopic: offTopic,
		}}
		cands = append(cands, c)
		return nil
	}
	for _, h := range hits {
		if err := add(h.id, h.score); err != nil {
			return nil, err
		}
	}
	for i, c := range pred.top {
		if i == candidates {
			break
		}
		if err := add(s.order[c], 0); err != nil {
			return nil, err
		}
	}
	// Which candidate leads by each ranking is itself evidence.
	bestRank, bestModel, bestConf := -1, -1, 0.0
	for i, c := range cands {
		if bestRank < 0 || c.ev.rank > cands[bestRank].ev.rank {
			bestRank = i
		}
		if bestModel < 0 || c.ev.model > cands[bestModel].ev.model {
			bestModel = i
		}
		bestConf = max(bestConf, c.ev.conf)
	}
	for i := range cands {
		c := &cands[i]
		c.ev.rankTop = i == bestRank
		c.ev.modelTop = i == bestModel
		c.ev.modelRel = c.ev.model / cands[bestModel].ev.model
		c.ev.rankRel = c.ev.rank / math.Max(cands[bestRank].ev.rank, 1e-9)
		c.ev.confRel = c.ev.conf - bestConf
		c.fused = c.ev.fuse()
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].fused > cands[j].fused })
	calibrate(cands)
	// An entry holding none of the text's terms that bleve did not find either
	// shares only word pieces with it ("zzqx" and "zap"): no evidence to offer.
	kept := cands[:0]
	for _, c := range cands {
		if c.score > 0 || c.ev.conf > 0 {
			kept = append(kept, c)
		}
	}
	return kept, nil
}

type hit struct {
	id    string
	score float64
}

// query runs a's most informative terms against the weighted fields; with only set,
// it scores those entries. Only terms the analyzer made reach bleve, in match
// queries that only split them (termsAnalyzer): nothing a person typed is ever
// parsed as query syntax, and no term is stemmed twice.
func (s *snapshot) query(ctx context.Context, a analyzed, n int, only ...string) ([]hit, error) {
	a = s.informative(a)
	if len(a.terms) == 0 {
		return nil, nil
	}
	text := strings.Join(a.terms, " ")
	var fields []query.Query
	for _, f := range searchFields {
		if f.name == "answer" && len(s.order) >= largeFAQ {
			// In a large FAQ the answers' postings are the longest to walk and weigh
			// least; coverage still counts answer terms.
			continue
		}
		// A match query, not term queries: bleve expands a match query's terms with
		// the synonyms, and loses them for a plain term query.
		mq := query.NewMatchQuery(text)
		mq.Analyzer = termsAnalyzer
		mq.SetField(f.name)
		mq.SetBoost(f.boost)
		fields = append(fields, mq)
	}
	var q query.Query = query.NewDisjunctionQuery(fields)
	if len(only) > 0 {
		// A conjunction with the ids, which then lead: the term postings are skipped
		// to them instead of walked (a filter would walk them all). The ids add
		// nothing to the score.
		ids := query.NewDocIDQuery(only)
		ids.SetBoost(0)
		q = query.NewConjunctionQuery([]query.Query{ids, q})
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

// Limits on the terms sent to bleve. Every term costs a walk of its postings, and
// the walk is longest for the terms that tell the least: a long story's rarest terms
// carry its meaning, and in a large FAQ a term found in most entries has almost no
// weight (BM25's IDF) but the longest postings. Coverage is still computed over all
// the terms.
const (
	maxQueryTerms = 8
	// commonDF: in a FAQ of at least largeFAQ entries, terms found in more than this
	// share of them are not searched (unless nothing else is left). A small FAQ keeps
	// them: there "laser" still tells entries apart, and searching it is cheap.
	commonDF = 0.5
	largeFAQ = 200
)

// informative returns the terms worth searching.
func (s *snapshot) informative(a analyzed) analyzed {
	keep := make([]int, 0, len(a.terms))
	if n := len(s.order); n >= largeFAQ {
		for i, t := range a.terms {
			if float64(s.docFreq(t)) <= commonDF*float64(n) {
				keep = append(keep, i)
			}
		}
	}
	if len(keep) == 0 {
		keep = keep[:0]
		for i := range a.terms {
			keep = append(keep, i)
		}
	}
	// The terms that are mostly narrative (narrativeness at least narrDrop: "ago",
	// "wife", "honest") are not searched while others are left: a long story's
	// rarest terms would otherwise be its asides.
	asked := keep[:0:0]
	for _, k := range keep {
		if s.narr[a.terms[k]] < narrDrop {
			asked = append(asked, k)
		}
	}
	if len(asked) > 0 {
		keep = asked
	}
	if len(keep) > maxQueryTerms {
		sort.SliceStable(keep, func(i, j int) bool { return s.docFreq(a.terms[keep[i]]) < s.docFreq(a.terms[keep[j]]) })
		keep = keep[:maxQueryTerms]
	}
	out := analyzed{terms: make([]string, len(keep))}
	for i, k := range keep {
		out.terms[i] = a.terms[k]
	}
	return out
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
		hits, err := s.query(ctx, s.analyzeQuery(prepare(p)), 1, e.ID)
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
	// The share of the text the entry explains (cover, in the ranking) discounts each
	// term by its narrativeness, so that a story's asides neither pull it towards the
	// entries asked in stories nor dilute the entry that answers its question; the
	// confidence keeps the full weights (MODEL.md, fourth round: discounted there too,
	// it declined more right answers).
	var nm, nt float64
	for _, t := range terms {
		df := s.docFreq(t)
		w := math.Log1p(n/float64(df+1)) / unit
		wn := w * (1 - s.narr[t])
		f.total += w
		nt += wn
		if df == 0 {
			f.unknown += w
		}
		h := s.holds(have, t)
		f.matched += w * h
		nm += wn * h
	}
	f.ratio = score / self
	if nt > 0 {
		f.cover = nm / nt
	}
	return f
}

// holds reports how strongly an entry holds t or a synonym t finds.
func (s *snapshot) holds(have termSet, t string) float64 {
	var best float64
	if id, ok := s.vocab[t]; ok {
		best = have.weight(id)
	}
	for _, alt := range s.syn[t] {
		if id, ok := s.vocab[alt]; ok {
			best = max(best, have.weight(id))
		}
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
	// maxUnknownWeight multiplies the weight of words no entry holds in a short
	// question: one about "botox" or "minoxidil" is about something the FAQ does not
	// cover, however well the rest of it matches. storyWeight is the total term weight
	// beyond which the multiplier shrinks towards 1.
	maxUnknownWeight = 3
	storyWeight      = 3
	// enoughEvidence is the matched weight (about two distinctive terms) above which
	// the amount of evidence no longer limits confidence.
	enoughEvidence = 2
	// fullCoverEvidence is the evidence credited to a text an entry explains fully.
	fullCoverEvidence = 0.5
	// anchorDF is the share of entries a term must appear in to mark a text as being
	// about the FAQ's subject at all (smp, laser, removal, pigment, ...).
	anchorDF = 0.25
	// offTopicPenalty scales confidence for a text with unknown words and no anchor;
	// unanchoredPenalty for one without an anchor whose words are all known (generic
	// words such as "buy cheap now" can all appear somewhere in a FAQ).
	offTopicPenalty   = 0.6
	unanchoredPenalty = 0.7
	// spread maps the raw product so that 0.5 falls where on-topic and off-topic
	// texts part in the question sets.
	spread = 0.75
)

// confidence maps features to 0..1.
func (f features) confidence(anchored bool) float64 {
	// Unknown words weigh more in a short question than in a long story, where some
	// words the FAQ has never seen (names, places, asides) are to be expected.
	unknownWeight := 1 + (maxUnknownWeight-1)*math.Min(1, storyWeight/math.Max(f.total, 1e-9))
	total := f.total + (unknownWeight-1)*f.unknown
	if total <= 0 {
		return 0
	}
	cover := f.matched / total
	// A text the entry explains completely needs less evidence: "can smp be removed"
	// is all common words, and all of them on topic.
	evidence := math.Max(math.Min(1, f.matched/enoughEvidence), fullCoverEvidence*math.Pow(cover, 4))
	c := math.Sqrt(cover) * evidence
	switch {
	case anchored:
	case f.unknown > 0:
		c *= offTopicPenalty
	default:
		c *= unanchoredPenalty
	}
	return math.Pow(c, spread)
}

// anchored reports whether any of terms is common across the FAQ.
func (s *snapshot) anchored(terms []string) bool {
	min := anchorDF * float64(len(s.order))
	for _, t := range terms {
		if float64(s.docFreq(t)) >= min {
			return true
		}
	}
	return false
}
