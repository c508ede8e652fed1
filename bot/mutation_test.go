package bot

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/smpbot/smpbot/index"
	"github.com/smpbot/smpbot/knowledge"
)

// Tests written to kill mutants that gremlins found alive (see README, Testing).

// TestCleanLengthCap: a question of exactly MaxQuestionLen characters is kept whole; a
// longer one is cut at its last space only when that keeps more than half of the cap.
func TestCleanLengthCap(t *testing.T) {
	half := MaxQuestionLen / 2
	tests := []struct {
		name, in, want string
	}{
		{"exactly the cap", strings.Repeat("a", half+1) + " " + strings.Repeat("b", MaxQuestionLen-half-2),
			strings.Repeat("a", half+1) + " " + strings.Repeat("b", MaxQuestionLen-half-2)},
		{"space after the middle", strings.Repeat("a", half+1) + " " + strings.Repeat("b", MaxQuestionLen),
			strings.Repeat("a", half+1)},
		{"space at the middle", strings.Repeat("a", half) + " " + strings.Repeat("b", MaxQuestionLen),
			strings.Repeat("a", half) + " " + strings.Repeat("b", MaxQuestionLen-half-1)},
	}
	for _, tt := range tests {
		if got := Clean(tt.in); got != tt.want {
			t.Errorf("%s: Clean kept %d characters, want %d", tt.name, len(got), len(tt.want))
		}
	}
}

// TestReadEvalCasesErrorLine: an error names the line of the file, blank lines counted.
func TestReadEvalCasesErrorLine(t *testing.T) {
	in := `{"q":"one","accept":["a"]}` + "\n\n" + `{"q":"two","colour":"red"}` + "\n"
	_, err := ReadEvalCases(strings.NewReader(in))
	if err == nil || !strings.HasPrefix(err.Error(), "line 3:") {
		t.Errorf("got %v, want an error on line 3", err)
	}
}

// TestEvalRatios: shares are a/b, and a set with nothing of a kind scores 1 on it rather
// than dividing by zero.
func TestEvalRatios(t *testing.T) {
	r := EvalReport{Answerable: 4, Correct: 1, Declinable: 0, Urgent: 2, Flagged: 2}
	if got := r.PrecisionAt1(); got != 0.25 {
		t.Errorf("precision@1 = %v, want 0.25", got)
	}
	if got := r.DeclineRate(); got != 1 {
		t.Errorf("decline rate with nothing to decline = %v, want 1", got)
	}
	if got := r.UrgentRecall(); got != 1 {
		t.Errorf("urgent recall = %v, want 1", got)
	}
}

// TestEvaluateMRR: the reciprocal rank counts the answer as rank 1 and the suggestions
// after it, and the mean is over answerable questions only.
func TestEvaluateMRR(t *testing.T) {
	replies := map[string]Reply{
		"first":  {Kind: KindAnswer, Entry: &knowledge.Entry{ID: "a"}},
		"second": {Kind: KindAnswer, Entry: &knowledge.Entry{ID: "x"}, Suggestions: []Suggestion{{ID: "b"}}},
		"third":  {Kind: KindNoMatch, Suggestions: []Suggestion{{ID: "x"}, {ID: "y"}, {ID: "c"}}},
		"none":   {Kind: KindNoMatch},
		"calm":   {Kind: KindNoMatch, Urgent: true},
	}
	h := HandlerFunc(func(_ context.Context, q Question) (Reply, error) { return replies[q.Text], nil })
	rep, err := Evaluate(context.Background(), h, []EvalCase{
		{Q: "first", Accept: []string{"a"}},
		{Q: "second", Accept: []string{"b"}},
		{Q: "third", Accept: []string{"c"}},
		{Q: "none"},
		{Q: "calm"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := (1 + 1.0/2 + 1.0/3) / 3; math.Abs(rep.MRR-want) > 1e-9 {
		t.Errorf("MRR = %v, want %v", rep.MRR, want)
	}
	// second is answered wrong; third, not answered, is not.
	if rep.Answerable != 3 || rep.Correct != 1 || rep.Wrong != 1 || rep.Declinable != 2 || rep.Decline != 2 || rep.FalseUrgent != 1 {
		t.Errorf("got %+v, want 3 answerable, 1 correct, 1 wrong, 2 declinable declined, 1 false urgent", rep)
	}
	// second and third are misses; the others, declines included, are not.
	if len(rep.Misses) != 2 || rep.Misses[0].Case.Q != "second" || rep.Misses[1].Case.Q != "third" {
		t.Errorf("misses %+v, want second and third", rep.Misses)
	}

	rep, err = Evaluate(context.Background(), h, []EvalCase{{Q: "none"}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.MRR != 0 {
		t.Errorf("MRR of a set with nothing to answer = %v, want 0", rep.MRR)
	}
}

// fixedSearcher is an in-memory Searcher whose search returns its matches in order, up
// to the number asked for, whatever the text.
type fixedSearcher struct{ matches []index.Match }

func (s fixedSearcher) Search(_ context.Context, _ string, n int) ([]index.Match, error) {
	return s.matches[:min(n, len(s.matches))], nil
}

func (s fixedSearcher) Entry(id string) (knowledge.Entry, bool) {
	for _, m := range s.matches {
		if m.ID == id {
			return knowledge.Entry{ID: m.ID, Question: m.Question, Answer: "About " + m.ID + "."}, true
		}
	}
	return knowledge.Entry{}, false
}

func (s fixedSearcher) Entries() []knowledge.Entry {
	var out []knowledge.Entry
	for _, m := range s.matches {
		e, _ := s.Entry(m.ID)
		out = append(out, e)
	}
	return out
}

// TestAnswerCandidates: besides the answer, up to three other confident matches are
// candidates, the best of them offered first, and every answer is observed once.
func TestAnswerCandidates(t *testing.T) {
	s := fixedSearcher{matches: []index.Match{
		{ID: "laser-cost", Question: "What does laser removal cost?", Confidence: 0.9},
		{ID: "saline-cost", Question: "What does saline removal cost?", Confidence: 0.5},
		{ID: "sessions", Question: "How many sessions?", Confidence: 0.4},
		{ID: "clinic", Question: "How do I choose a clinic?", Confidence: 0.3},
		{ID: "healing", Question: "How long is healing?", Confidence: 0.25},
	}}
	var observed []Reply
	h := NewFAQ(s, WithObserver(ObserverFunc(func(_ Question, r Reply, _ time.Duration) { observed = append(observed, r) })))
	r, err := h.Answer(context.Background(), Question{Text: "how much is laser removal", Platform: "test", User: "u"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != KindAnswer || r.Entry.ID != "laser-cost" {
		t.Fatalf("got %s %v, want the answer laser-cost", r.Kind, r.Entry)
	}
	var got []string
	for _, sg := range r.Candidates {
		got = append(got, sg.ID)
	}
	if strings.Join(got, ",") != "saline-cost,sessions,clinic" {
		t.Errorf("candidates %v, want saline-cost, sessions, clinic", got)
	}
	if len(r.Suggestions) != 1 || r.Suggestions[0].ID != "saline-cost" {
		t.Errorf("suggestions %v, want the best other match, saline-cost", r.Suggestions)
	}
	if len(observed) != 1 || observed[0].Entry == nil || observed[0].Entry.ID != "laser-cost" {
		t.Errorf("observed %d replies (%+v), want the one answer", len(observed), observed)
	}
}

// TestConfidenceThresholdsAreInclusive: a match at exactly DefaultAnswerConfidence is
// answered, one at exactly DefaultSuggestConfidence is offered.
func TestConfidenceThresholdsAreInclusive(t *testing.T) {
	s := fixedSearcher{matches: []index.Match{
		{ID: "a", Question: "A?", Confidence: DefaultAnswerConfidence},
		{ID: "b", Question: "B?", Confidence: DefaultSuggestConfidence},
	}}
	r, err := NewFAQ(s).Answer(context.Background(), Question{Text: "a or b", Platform: "test", User: "u"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != KindAnswer || r.Entry.ID != "a" || len(r.Suggestions) != 1 || r.Suggestions[0].ID != "b" {
		t.Errorf("got %s %v suggesting %v, want the answer a suggesting b", r.Kind, r.Entry, r.Suggestions)
	}
}

// TestDecline: below the answer threshold, up to three confident matches are offered
// with a "not sure" message; with none confident enough, the message says what the bot
// knows about instead.
func TestDecline(t *testing.T) {
	s := fixedSearcher{matches: []index.Match{
		{ID: "a", Question: "A?", Confidence: 0.45},
		{ID: "b", Question: "B?", Confidence: 0.4},
		{ID: "c", Question: "C?", Confidence: 0.3},
		{ID: "d", Question: "D?", Confidence: 0.25},
	}}
	r, err := NewFAQ(s).Answer(context.Background(), Question{Text: "something", Platform: "test", User: "u"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != KindNoMatch || len(r.Suggestions) != 3 || !strings.HasPrefix(r.Message, "I'm not sure") {
		t.Errorf("got %s %q suggesting %v, want no match, not sure, a b c", r.Kind, r.Message, r.Suggestions)
	}
	edge := fixedSearcher{matches: []index.Match{{ID: "a", Question: "A?", Confidence: DefaultSuggestConfidence}}}
	r, err = NewFAQ(edge).Answer(context.Background(), Question{Text: "something near", Platform: "test", User: "u"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Suggestions) != 1 {
		t.Errorf("a match at exactly DefaultSuggestConfidence: got suggestions %v, want it offered", r.Suggestions)
	}
	weak := fixedSearcher{matches: []index.Match{{ID: "a", Question: "A?", Confidence: 0.1}}}
	r, err = NewFAQ(weak).Answer(context.Background(), Question{Text: "something else", Platform: "test", User: "u"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != KindNoMatch || len(r.Suggestions) != 0 || !strings.HasPrefix(r.Message, "Sorry") {
		t.Errorf("got %s %q suggesting %v, want no match, sorry, no suggestions", r.Kind, r.Message, r.Suggestions)
	}
}

// TestPlainText: numbered items count from 1 across suggestions and related entries;
// an entry without caveats or sources shows no empty heading for them.
func TestPlainText(t *testing.T) {
	r := Reply{
		Kind:        KindAnswer,
		Entry:       &knowledge.Entry{ID: "a", Question: "A?", Answer: "Because."},
		Disclaimer:  Disclaimer,
		Suggestions: []Suggestion{{ID: "b", Question: "B?"}},
		Related:     []Suggestion{{ID: "c", Question: "C?"}},
	}
	got := PlainText(r, true)
	for _, want := range []string{"\n1. B?\n", "\n2. C?"} {
		if !strings.Contains(got, want) {
			t.Errorf("PlainText lacks %q:\n%s", want, got)
		}
	}
	for _, notWant := range []string{"Keep in mind", "Sources:"} {
		if strings.Contains(got, notWant) {
			t.Errorf("PlainText of an entry without caveats or sources has %q:\n%s", notWant, got)
		}
	}
}

// TestPhrasingKey: the fold must keep what FAQ validation keeps (a-z, 0-9, non-ASCII
// letters), or a known phrasing would be taken for a new one.
func TestPhrasingKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Laser, A to Z?", "laser a to z"},
		{"0 or 9 sessions", "0 or 9 sessions"},
		{"`{@[/:", ""},
		{"Café  ÉTÉ", "café été"},
	}
	for _, tt := range tests {
		if got := knowledge.PhraseKey(tt.in); got != tt.want {
			t.Errorf("knowledge.PhraseKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
