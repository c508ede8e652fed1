package bot

import (
	"strings"
	"testing"
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
