package bot_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/knowledge"
)

// evalQuestions returns every question of the evaluation sets, normalised.
func evalQuestions(t *testing.T) map[string]string {
	t.Helper()
	files, _ := filepath.Glob("testdata/*.jsonl")
	shared := "../../shared/eval/dev.jsonl"
	if _, err := os.Stat(shared); err == nil {
		files = append(files, shared)
	} else if os.Getenv("SMPBOT_REQUIRE_SHARED") == "1" {
		t.Fatalf("shared dev set: %v", err)
	} else {
		t.Logf("%s absent: checking the repository's sets only", shared)
	}
	qs := map[string]string{}
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		cases, err := bot.ReadEvalCases(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, c := range cases {
			qs[normalise(c.Q)] = file
		}
	}
	if len(qs) < 300 {
		t.Fatalf("read only %d evaluation questions from %v", len(qs), files)
	}
	return qs
}

// normalise compares questions as the FAQ validation compares phrasings: case,
// punctuation and spacing ignored.
func normalise(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

// The evaluation sets measure what a new user sees only if nothing the bot learns
// from repeats them: neither the FAQ's phrasings nor the out-of-scope questions.
func TestNothingLearnedRepeatsAnEvaluationQuestion(t *testing.T) {
	evals := evalQuestions(t)
	entries, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		// Alternates only: the shared dev set was written from the topics' own
		// questions, which the entries keep.
		for _, p := range e.Alternates {
			if file, ok := evals[normalise(p)]; ok {
				t.Errorf("%s: phrasing %q repeats a question of %s", e.ID, p, file)
			}
		}
	}
	for _, q := range knowledge.OutOfScope() {
		if file, ok := evals[normalise(q)]; ok {
			t.Errorf("out-of-scope %q repeats a question of %s", q, file)
		}
	}
}

func TestOutOfScopeParses(t *testing.T) {
	qs := knowledge.OutOfScope()
	if len(qs) < 150 {
		t.Errorf("%d out-of-scope questions, want at least 150", len(qs))
	}
	seen := map[string]bool{}
	for _, q := range qs {
		if strings.HasPrefix(q, "#") || strings.TrimSpace(q) != q || q == "" {
			t.Errorf("line %q not cleaned", q)
		}
		if seen[normalise(q)] {
			t.Errorf("%q twice", q)
		}
		seen[normalise(q)] = true
	}
	if _, err := knowledge.ParseOutOfScope("ok\n" + strings.Repeat("x", knowledge.MaxQuestionLen+1)); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("ParseOutOfScope of a too-long line = %v, want an error at line 2", err)
	}
}

// The index learns from the out-of-scope questions, so asking them back must be
// declined nearly always; the held-out rate is in index.Check (about 97%).
func TestOutOfScopeIsDeclined(t *testing.T) {
	h := handler(t)
	qs := knowledge.OutOfScope()
	asked, declined := 0, 0
	for _, q := range qs {
		r := ask(t, h, q)
		if r.Urgent {
			// Symptom words decide urgency before any search; not this test's subject.
			t.Logf("flagged urgent: %q", q)
			continue
		}
		asked++
		if r.Kind != bot.KindAnswer {
			declined++
		} else {
			t.Logf("answered %q with %s (%.2f)", q, r.Entry.ID, r.Confidence)
		}
	}
	if rate := float64(declined) / float64(asked); asked < 150 || rate < 0.96 {
		t.Errorf("declined %d of %d out-of-scope questions (%.3f), want at least 0.96 of at least 150", declined, asked, rate)
	}
}
