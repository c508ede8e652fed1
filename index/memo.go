package index

import (
	"bytes"
	"slices"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
)

// termMemo analyses texts as the index's analyzer does, remembering what its token
// filters make of each token. The filters (possessive, lower case, stop words,
// stemming) each look at one token at a time, so a word gives the same term wherever
// it stands; a large FAQ repeats its words many times over, and stemming them again
// was most of what analysis cost at build. Not safe for concurrent use: one build
// owns one.
type termMemo struct {
	tokenizer analysis.Tokenizer
	filters   []analysis.TokenFilter
	terms     map[string]memoTerm // a token as the tokenizer gives it -> as indexed
	plain     analysis.Analyzer   // when the analyzer is not made of a tokenizer and filters
	analyzer  analysis.Analyzer   // the analyzer remembered
}

type memoTerm struct {
	term []byte
	keep bool // false: a filter dropped the token (a stop word)
}

func newTermMemo(a analysis.Analyzer) *termMemo {
	if d, ok := a.(*analysis.DefaultAnalyzer); ok && len(d.CharFilters) == 0 {
		return &termMemo{tokenizer: d.Tokenizer, filters: d.TokenFilters, terms: make(map[string]memoTerm), analyzer: a}
	}
	return &termMemo{plain: a, analyzer: a}
}

// Analyze returns the token stream of text, as the analyzer would.
func (m *termMemo) Analyze(text []byte) analysis.TokenStream {
	if m.plain != nil {
		return m.plain.Analyze(text)
	}
	toks := m.tokenizer.Tokenize(text)
	out := toks[:0]
	for _, t := range toks {
		mt, ok := m.terms[string(t.Term)]
		if !ok {
			var fits bool
			if mt, fits = m.filter(t); !fits {
				// A filter that splits or merges tokens cannot be remembered token by
				// token.
				return m.analyzeSlowly(text)
			}
			m.terms[string(t.Term)] = mt
		}
		if mt.keep {
			t.Term = mt.term
			out = append(out, t)
		}
	}
	return out
}

// filter runs the filters on a copy of t alone.
func (m *termMemo) filter(t *analysis.Token) (memoTerm, bool) {
	one := *t
	one.Term = bytes.Clone(t.Term) // the lower-case filter writes over its input
	ts := analysis.TokenStream{&one}
	for _, f := range m.filters {
		ts = f.Filter(ts)
	}
	switch len(ts) {
	case 0:
		return memoTerm{}, true
	case 1:
		return memoTerm{term: ts[0].Term, keep: true}, true
	}
	return memoTerm{}, false
}

func (m *termMemo) analyzeSlowly(text []byte) analysis.TokenStream {
	ts := m.tokenizer.Tokenize(text)
	for _, f := range m.filters {
		ts = f.Filter(ts)
	}
	return ts
}

// analysed is an analyzer that returns a token stream computed beforehand: bleve gets
// each field already analysed by the build's termMemo. It lets go of the stream once
// bleve has it, so that the tokens of a batch need not outlive its analysis; asked
// again, it analyses the text with the index's analyzer.
type analysed struct {
	ts    analysis.TokenStream
	again analysis.Analyzer
}

func (a *analysed) Analyze(text []byte) analysis.TokenStream {
	ts := a.ts
	if ts == nil {
		return a.again.Analyze(text)
	}
	a.ts = nil
	return ts
}

// preanalyse replaces doc's text fields by the same fields analysed with m, and shows
// visit each field's tokens. The fields of one name (the elements of "asked") become
// one field holding all their tokens: bleve sums their lengths and merges their
// frequencies into one field of the document anyway, and a field each cost a large
// FAQ's build more memory than its terms.
func preanalyse(doc *document.Document, m *termMemo, visit func(field string, ts analysis.TokenStream)) {
	type merged struct {
		first *document.TextField
		ts    analysis.TokenStream
		value []byte
	}
	var byName []merged // few fields: a slice beats a map
	fields := doc.Fields[:0]
	for _, f := range doc.Fields {
		tf, ok := f.(*document.TextField)
		if !ok {
			fields = append(fields, f)
			continue
		}
		ts := m.Analyze(tf.Value())
		i := slices.IndexFunc(byName, func(g merged) bool { return g.first.Name() == tf.Name() })
		if i < 0 {
			byName = append(byName, merged{first: tf, ts: ts, value: tf.Value()})
			continue
		}
		g := &byName[i]
		g.ts = append(slices.Clip(g.ts), ts...)
		g.value = append(append(slices.Clip(g.value), ' '), tf.Value()...)
	}
	for _, g := range byName {
		visit(g.first.Name(), g.ts)
		fields = append(fields, document.NewTextFieldCustom(g.first.Name(), nil, g.value, g.first.Options(), &analysed{ts: g.ts, again: m.analyzer}))
	}
	doc.Fields = fields
}
