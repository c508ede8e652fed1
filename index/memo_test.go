package index

import "testing"

// The build's remembered analysis must give bleve and the term sets exactly what the
// analyzer gives: the same terms at the same positions and offsets.
func TestTermMemoAnalysesAsTheAnalyzer(t *testing.T) {
	x := newIndex(t, shipped(t))
	s := x.cur.Load()
	memo := newTermMemo(s.analyzer)
	if memo.plain != nil {
		t.Fatal("the index's analyzer is not remembered token by token")
	}
	texts := append(benchQuestions(t), "", "   ", "Don't it's the clinic's fault!!", "ÉPILATION café 2.5mm 10,000 #smp @you", "hair's hair’s HAIR'S")
	for _, e := range shipped(t) {
		texts = append(texts, e.Question, e.Answer)
		texts = append(texts, e.Alternates...)
	}
	for round := 0; round < 2; round++ { // the second round answers from memory
		for _, text := range texts {
			text = prepare(text)
			want := s.analyzer.Analyze([]byte(text))
			got := memo.Analyze([]byte(text))
			if len(got) != len(want) {
				t.Fatalf("%q: %d tokens, want %d", text, len(got), len(want))
			}
			for i := range want {
				g, w := got[i], want[i]
				if string(g.Term) != string(w.Term) || g.Start != w.Start || g.End != w.End || g.Position != w.Position || g.Type != w.Type {
					t.Fatalf("%q: token %d is %+v, want %+v", text, i, g, w)
				}
			}
		}
	}
}

// A pre-analysed field asked twice (bleve asks once) answers the same the second time.
func TestAnalysedAskedAgain(t *testing.T) {
	x := newIndex(t, shipped(t))
	memo := newTermMemo(x.cur.Load().analyzer)
	text := []byte(prepare("How many laser sessions will my SMP take to remove?"))
	a := &analysed{ts: memo.Analyze(text), again: memo.analyzer}
	first, second := a.Analyze(text), a.Analyze(text)
	if len(first) == 0 || len(first) != len(second) {
		t.Fatalf("asked twice: %d tokens, then %d", len(first), len(second))
	}
	for i := range first {
		if string(first[i].Term) != string(second[i].Term) {
			t.Errorf("token %d: %q, then %q", i, first[i].Term, second[i].Term)
		}
	}
}
