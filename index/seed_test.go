package index

import (
	"context"
	"reflect"
	"testing"

	"github.com/smpbot/smpbot/knowledge"
)

// TestWalkSeed: the walk's seed reaches the model. Seed 0 is the default build's
// model, so every shipped figure stands; other seeds walk the phrasings in other
// orders, to other weights, and are not served the default's remembered model.
func TestWalkSeed(t *testing.T) {
	entries := []knowledge.Entry{
		{ID: "laser-cost", Question: "How much does laser SMP removal cost?", Answer: "It depends on the clinic.",
			Alternates: []string{"price of laser removal", "is removing smp expensive", "what will removal set me back"}},
		{ID: "laser-pain", Question: "Does laser removal hurt?", Answer: "It stings.",
			Alternates: []string{"is the laser painful", "how much pain is removal", "does removing smp sting"}},
		{ID: "fading", Question: "Will my SMP fade on its own?", Answer: "Slowly, and unevenly.",
			Alternates: []string{"does smp go away by itself", "will the dots lighten over time", "how fast does it fade"}},
	}
	model := func(opts ...Option) *model {
		t.Helper()
		x, err := New(entries, opts...)
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		return x.cur.Load().model
	}
	def := model()
	for _, tc := range []struct {
		seed      uint64
		sameAsDef bool
	}{
		{0, true},
		{1, false},
		{5, false},
		{0, true}, // after other seeds: retrained or remembered, the same weights
	} {
		got := model(WithWalkSeed(tc.seed))
		if same := reflect.DeepEqual(got, def); same != tc.sameAsDef {
			t.Errorf("seed %d: model equal to the default build's = %v, want %v", tc.seed, same, tc.sameAsDef)
		}
	}
	if a, b := model(WithWalkSeed(1)), model(WithWalkSeed(5)); reflect.DeepEqual(a, b) {
		t.Error("seeds 1 and 5 trained the same weights")
	}
}

// TestCheckWalkSeed: Check's folds are built with the walk's seed it is given, so
// smpbot faq check --walk-seeds measures over orders: seed 0 (or none) is the shipped
// order, and another seed gives the held-out phrasings other confidences.
func TestCheckWalkSeed(t *testing.T) {
	if testing.Short() {
		t.Skip("rebuilds the index ten times")
	}
	entries := shipped(t)[:6]
	// confidences are the top confidence found for every held-out text, in order.
	confidences := func(seed uint64) []float64 {
		t.Helper()
		var got []float64
		err := crossValidateSeed(context.Background(), entries, knowledge.OutOfScope()[:40], 2, seed, nil, func(_ heldOut, cands []candidate) {
			c := 0.0
			if len(cands) > 0 {
				c = cands[0].confidence
			}
			got = append(got, c)
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	def := confidences(0)
	if got := confidences(0); !reflect.DeepEqual(got, def) {
		t.Error("seed 0 twice: different confidences")
	}
	if got := confidences(3); reflect.DeepEqual(got, def) {
		t.Error("seed 3 gave seed 0's confidences: the seed does not reach the folds' builds")
	}
	// Check passes WithWalkSeed on: its report moves with the seed as its folds do.
	a, err := Check(context.Background(), entries, 2, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Check(context.Background(), entries, 2, 0.5, WithWalkSeed(0))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("Check with seed 0 differs from Check without one:\n%+v\n%+v", a, b)
	}
}
