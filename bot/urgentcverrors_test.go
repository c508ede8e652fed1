package bot

import (
	"testing"
)

// TestUrgentCVErrors lists the training pairs the shipped design gets wrong under
// 5-fold cross-validation, with the model's readings and what the rules found: the
// classes of error a round of examples or rules should aim at (URGENT.md, sixth
// round). Complications missed, then ordinary messages flagged.
//
//	go test ./bot -run UrgentCVErrors -urgentcv -v
func TestUrgentCVErrors(t *testing.T) {
	if !*urgentCV {
		t.Skip("a listing for choosing what to write, not a test: run with -urgentcv")
	}
	exs, err := urgentExamples()
	if err != nil {
		t.Fatal(err)
	}
	probs, parts, flags := cvFlags(exs, shippedUrgentParams, 5)
	t.Log(tally(exs, flags))
	for _, want := range []bool{true, false} {
		for i, e := range exs {
			if e.source != "pairs" || e.urgent != want || (flags[i] || signsAfterTreatment(e.text)) == want {
				continue
			}
			rs := readRules(sentenceTokens(e.text))
			t.Logf("urgent %v, line %d, model %.3f (part %.3f), rules %+v: %q", want, e.line, probs[i], parts[i], rs, e.text)
		}
	}
}
