package index

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"

	"github.com/smpbot/smpbot/knowledge"
)

// CheckReport is how well a FAQ answers its own phrasings when each is held out: the
// index is rebuilt without a fold of the alternates (and of the out-of-scope
// questions), which are then asked as new questions.
type CheckReport struct {
	Folds int
	// Phrasings held out and asked; answered with their own entry; answered with
	// another; declined.
	Phrasings, Correct, Wrong, Declined int
	// Top1 counts the phrasings whose own entry ranked first, answered or not.
	Top1 int
	// OutOfScope questions held out and asked; declined.
	OutOfScope, OutOfScopeDeclined int
	// Confusions are the phrasings answered with, or ranked first for, another entry.
	Confusions []Confusion
	// The real-shaped stories of index/stories.txt, held out by fold like the
	// phrasings: those an entry of this FAQ answers, answered with it or another;
	// those to decline, declined.
	Stories, StoriesCorrect, StoriesWrong int
	StoriesOutOfScope, StoriesDeclined    int
}

// Confusion is a phrasing of Entry that the index takes for TakenFor.
type Confusion struct {
	Phrasing, Entry, TakenFor string
	Confidence                float64
	Answered                  bool // with confidence of at least the answer threshold
}

// Accuracy is the share of held-out phrasings answered with their own entry.
func (r CheckReport) Accuracy() float64 { return ratio(r.Correct, r.Phrasings) }

// TopAccuracy is the share of held-out phrasings whose own entry ranked first.
func (r CheckReport) TopAccuracy() float64 { return ratio(r.Top1, r.Phrasings) }

// WrongRate is the share of held-out phrasings answered with another entry.
func (r CheckReport) WrongRate() float64 { return ratio(r.Wrong, r.Phrasings) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Check cross-validates entries over folds folds (at least 2): every alternate is
// held out once, and answered when its best match reaches answerAt. Of opts, the
// walk's seed (WithWalkSeed) is what a fold's build takes: one order moves the
// figures by several phrasings, so overlaps are told from noise over seeds.
func Check(ctx context.Context, entries []knowledge.Entry, folds int, answerAt float64, opts ...Option) (CheckReport, error) {
	var x Index
	for _, o := range opts {
		o(&x)
	}
	rep := CheckReport{Folds: folds}
	ids := make(map[string]bool, len(entries))
	for _, e := range entries {
		ids[e.ID] = true
	}
	// The stories whose entry this FAQ holds, and those to decline.
	stories := func(_ []heldOut, _ []knowledge.Entry, held pools) []heldOut {
		return slices.DeleteFunc(poolStories(held.stories), func(h heldOut) bool { return h.want != "" && !ids[h.want] })
	}
	err := crossValidateSeed(ctx, entries, knowledge.OutOfScope(), folds, x.walkSeed, stories, func(q heldOut, cands []candidate) {
		want, text := q.want, q.text
		var top candidate
		if len(cands) > 0 {
			top = cands[0]
		}
		answered := top.id != "" && top.confidence >= answerAt
		if q.story {
			switch {
			case want == "":
				rep.StoriesOutOfScope++
				rep.StoriesDeclined += int(b2f(!answered))
			case answered && top.id == want:
				rep.Stories++
				rep.StoriesCorrect++
			case answered:
				rep.Stories++
				rep.StoriesWrong++
			default:
				rep.Stories++
			}
			return
		}
		if want == "" {
			rep.OutOfScope++
			if !answered {
				rep.OutOfScopeDeclined++
			}
			return
		}
		rep.Phrasings++
		if top.id == want {
			rep.Top1++
		}
		switch {
		case answered && top.id == want:
			rep.Correct++
		case answered:
			rep.Wrong++
		default:
			rep.Declined++
		}
		if top.id != "" && top.id != want {
			rep.Confusions = append(rep.Confusions, Confusion{Phrasing: text, Entry: want, TakenFor: top.id, Confidence: top.confidence, Answered: answered})
		}
	})
	return rep, err
}

// crossValidate holds out each fold of the alternates and of outOfScope in turn,
// rebuilds the index without it, and calls visit with each held-out text, the entry
// it belongs to ("" for out of scope) and the candidates found for it. With stories
// (not nil), the texts it makes of each fold's held-out ones (storiesOf: phrasings
// inside stories) are asked too.
func crossValidate(ctx context.Context, entries []knowledge.Entry, outOfScope []string, folds int, stories storyMaker, visit func(q heldOut, cands []candidate)) error {
	return crossValidateSeed(ctx, entries, outOfScope, folds, 0, stories, visit)
}

// crossValidateSeed is crossValidate with every fold's model trained in the walk
// order of seed walkSeed (0 is the shipped order).
func crossValidateSeed(ctx context.Context, entries []knowledge.Entry, outOfScope []string, folds int, walkSeed uint64, stories storyMaker, visit func(q heldOut, cands []candidate)) error {
	if folds < 2 {
		return fmt.Errorf("index: cross-validation needs at least 2 folds, not %d", folds)
	}
	for k := 0; k < folds; k++ {
		train := make([]knowledge.Entry, len(entries))
		var test []heldOut
		for i, e := range entries {
			h := fnv.New32a()
			h.Write([]byte(e.ID))
			off := int(h.Sum32() % uint32(folds))
			e.Alternates = nil
			for j, alt := range entries[i].Alternates {
				if (j+off)%folds == k {
					test = append(test, heldOut{want: e.ID, text: alt})
				} else {
					e.Alternates = append(e.Alternates, alt)
				}
			}
			train[i] = e
		}
		oos, heldOOS := splitFold(outOfScope, folds, k)
		for _, q := range heldOOS {
			test = append(test, heldOut{text: q})
		}
		// The pools are split into folds too: the stories' context sentences are not
		// among those the fold's narrativeness is measured on, and the getting
		// sentences and stories asked are not among those the in/out classifier
		// learns from.
		narr, heldNarr := splitFold(narrativeLines(), folds, k)
		get, heldGet := splitFold(gettingLines(), folds, k)
		sts, heldSts := splitFold(storyLines(), folds, k)
		if stories != nil {
			test = append(test, stories(test, train, pools{narrative: heldNarr, getting: heldGet, stories: heldSts})...)
		}
		s, err := buildIn(train, oos, pools{narrative: narr, getting: get, stories: sts, walkSeed: walkSeed}, newStore)
		if err != nil {
			return err
		}
		for _, t := range test {
			t.fold = k
			cands, err := s.candidates(ctx, t.text, 4)
			if err != nil {
				s.close()
				return err
			}
			visit(t, cands)
		}
		s.close()
	}
	return nil
}

// splitFold splits xs into those kept for training and those held out in fold k of
// folds (every folds-th, from the k-th).
func splitFold[T any](xs []T, folds, k int) (train, held []T) {
	for j, x := range xs {
		if j%folds == k {
			held = append(held, x)
		} else {
			train = append(train, x)
		}
	}
	return train, held
}

// heldOut is a text asked in cross-validation: a held-out phrasing of entry want, or
// a held-out out-of-scope question (want ""); story marks a phrasing asked inside a
// story (storiesOf), kind which story.
type heldOut struct {
	want, text string
	story      bool
	kind       string
	fold       int // the fold it was held out in
}

// storyMaker makes more texts to ask from a fold's held-out texts, the entries the
// fold's index is built from and the fold's held-out sentences of the pools.
type storyMaker func(test []heldOut, train []knowledge.Entry, held pools) []heldOut

// storiesOf makes stories of the held-out phrasings in test: real questions come
// with context, so each phrasing is also asked after a held-out out-of-scope question
// ("<out-of-scope question>, and <phrasing>"), as an aside in a story would be, and
// with held-out narrative sentences before or after it ("<narrative>. <phrasing>?"),
// as real questions tell how they came to ask; a held-out out-of-scope question after
// a narrative sentence is to be declined all the same. The held-out real-shaped
// stories of the pool ("story-in", "story-oos": poolStories) and sentences about
// getting a treatment alone, to decline, and before a held-out phrasing, to answer
// (gettingStories), teach the scope model what the in/out classifier's evidence is
// worth.
func storiesOf(test []heldOut, _ []knowledge.Entry, held pools) []heldOut {
	narrative := held.narrative
	off := outOfScopeTexts(test)
	if len(off) == 0 {
		return nil
	}
	var out []heldOut
	for i, t := range test {
		if t.want == "" {
			continue
		}
		out = append(out, heldOut{want: t.want, text: off[i%len(off)] + ", and " + t.text, story: true, kind: "aside"})
		if len(narrative) > 0 {
			n := narrative[(i*11+4)%len(narrative)]
			text := n + ". " + t.text + "?"
			if i%2 == 1 {
				text = t.text + "? " + n + "."
			}
			out = append(out, heldOut{want: t.want, text: text, story: true, kind: "narrative"})
		}
	}
	if len(narrative) > 0 {
		for i, q := range off {
			out = append(out, heldOut{text: narrative[(i*7+2)%len(narrative)] + ". " + q + "?", story: true, kind: "narrative-oos"})
		}
	}
	out = append(out, poolStories(held.stories)...)
	out = append(out, gettingStories(test, held.getting)...)
	return out
}

// poolStories asks the held-out stories of the pool: "story-in" to answer with
// their entry, "story-oos" to decline.
func poolStories(held []story) []heldOut {
	var out []heldOut
	for _, st := range held {
		kind := "story-in"
		if st.want == "" {
			kind = "story-oos"
		}
		out = append(out, heldOut{want: st.want, text: st.text, story: true, kind: kind})
	}
	return out
}

// outOfScopeTexts returns the texts of the held-out out-of-scope questions in test.
func outOfScopeTexts(test []heldOut) []string {
	var off []string
	for _, t := range test {
		if t.want == "" {
			off = append(off, t.text)
		}
	}
	return off
}
