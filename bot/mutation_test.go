package bot

import (
	"context"
	"math"
	"strings"
	"testing"

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
	}
	h := HandlerFunc(func(_ context.Context, q Question) (Reply, error) { return replies[q.Text], nil })
	rep, err := Evaluate(context.Background(), h, []EvalCase{
		{Q: "first", Accept: []string{"a"}},
		{Q: "second", Accept: []string{"b"}},
		{Q: "third", Accept: []string{"c"}},
		{Q: "none"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := (1 + 1.0/2 + 1.0/3) / 3; math.Abs(rep.MRR-want) > 1e-9 {
		t.Errorf("MRR = %v, want %v", rep.MRR, want)
	}
	if rep.Answerable != 3 || rep.Correct != 1 || rep.Declinable != 1 || rep.Decline != 1 {
		t.Errorf("got %+v, want 3 answerable, 1 correct, 1 declinable declined", rep)
	}
}
