package bot

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// EvalCase is one line of a question set: the question as a person typed it, the entry
// ids that answer it (none: the bot must decline), and whether it describes symptoms
// that need medical care. Source, when set, is the public page the question was
// modelled on.
type EvalCase struct {
	Q      string   `json:"q"`
	Accept []string `json:"accept"`
	Urgent bool     `json:"urgent,omitempty"`
	Source string   `json:"source,omitempty"`
}

// ReadEvalCases reads a question set in JSON Lines.
func ReadEvalCases(r io.Reader) ([]EvalCase, error) {
	var cases []EvalCase
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var c EvalCase
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		cases = append(cases, c)
	}
	return cases, sc.Err()
}

// EvalReport sums up how a handler did on a question set.
type EvalReport struct {
	Answerable, Correct int     // questions with an accepted entry; answered with one at rank 1
	Wrong               int     // answerable questions answered with an entry not accepted
	MRR                 float64 // mean reciprocal rank of the first accepted entry among the answer and the candidates
	Declinable, Decline int     // questions to decline; declined
	Urgent, Flagged     int     // urgent questions; flagged urgent
	FalseUrgent         int     // questions not marked urgent that were flagged
	Misses              []EvalMiss
}

// EvalMiss is a question the handler got wrong.
type EvalMiss struct {
	Case EvalCase
	Got  Reply
	Why  string
}

// PrecisionAt1 is the share of answerable questions answered with an accepted entry.
func (r EvalReport) PrecisionAt1() float64 { return ratio(r.Correct, r.Answerable) }

// DeclineRate is the share of questions to decline that were declined.
func (r EvalReport) DeclineRate() float64 { return ratio(r.Decline, r.Declinable) }

// UrgentRecall is the share of urgent questions flagged urgent.
func (r EvalReport) UrgentRecall() float64 { return ratio(r.Flagged, r.Urgent) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// Evaluate asks h every question and scores the replies.
func Evaluate(ctx context.Context, h Handler, cases []EvalCase) (EvalReport, error) {
	var rep EvalReport
	var rr float64
	for _, c := range cases {
		r, err := h.Answer(ctx, Question{Text: c.Q, Platform: "eval", User: "eval"})
		if err != nil {
			return rep, fmt.Errorf("%q: %w", c.Q, err)
		}
		var why []string
		if len(c.Accept) == 0 {
			rep.Declinable++
			if r.Kind != KindAnswer {
				rep.Decline++
			} else {
				why = append(why, "should decline")
			}
		} else {
			rep.Answerable++
			var ranked []string
			if r.Entry != nil {
				ranked = append(ranked, r.Entry.ID)
			}
			// The search's ranking, whatever the reply shows: under an answer only a
			// short list of follow-ups is shown.
			for _, s := range append(r.Candidates, r.Suggestions...) {
				if !slices.Contains(ranked, s.ID) {
					ranked = append(ranked, s.ID)
				}
			}
			for i, id := range ranked {
				if slices.Contains(c.Accept, id) {
					rr += 1 / float64(i+1)
					break
				}
			}
			if r.Kind == KindAnswer && slices.Contains(c.Accept, r.Entry.ID) {
				rep.Correct++
			} else {
				if r.Kind == KindAnswer {
					rep.Wrong++
				}
				why = append(why, "wrong or no answer")
			}
		}
		if c.Urgent {
			rep.Urgent++
			if r.Urgent {
				rep.Flagged++
			} else {
				why = append(why, "urgent not flagged")
			}
		} else if r.Urgent {
			rep.FalseUrgent++
		}
		if len(why) > 0 {
			rep.Misses = append(rep.Misses, EvalMiss{Case: c, Got: r, Why: strings.Join(why, ", ")})
		}
	}
	if rep.Answerable > 0 {
		rep.MRR = rr / float64(rep.Answerable)
	}
	return rep, nil
}

// Write prints the misses, then the summary.
func (r EvalReport) Write(w io.Writer) error {
	for _, m := range r.Misses {
		got := string(m.Got.Kind)
		if m.Got.Entry != nil {
			got += " " + m.Got.Entry.ID
		}
		var sugg []string
		for _, s := range m.Got.Candidates {
			sugg = append(sugg, s.ID)
		}
		fmt.Fprintf(w, "MISS %q: %s; want %v, got %s (%.2f) candidates %v\n",
			m.Case.Q, m.Why, m.Case.Accept, got, m.Got.Confidence, sugg)
	}
	_, err := fmt.Fprintf(w, "answerable %d: precision@1 %.3f, MRR %.3f\ndecline %d/%d (%.3f), urgent recall %d/%d (%.3f), false urgent %d\n",
		r.Answerable, r.PrecisionAt1(), r.MRR, r.Decline, r.Declinable, r.DeclineRate(),
		r.Flagged, r.Urgent, r.UrgentRecall(), r.FalseUrgent)
	return err
}
