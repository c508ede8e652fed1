package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/index"
	"github.com/smpbot/smpbot/knowledge"
)

// faqCheck prints the FAQ's health: each alternate held out in turn and asked as a new
// question, how often it finds its own entry, and which phrasings land on another
// entry, so moderators see where entries overlap and fix the content. With
// --walk-seeds it does so in several training orders and tells the overlaps that
// stay from those one order makes.
func (e *env) faqCheck(ctx context.Context, args []string) error {
	fs := e.flags("faq check")
	folds := fs.Int("folds", 5, "cross-validation folds (each rebuilds the index)")
	seedList := fs.String("walk-seeds", "", "cross-validate with each of these seeds of the model's training walk (0,1,2 or 0-7; 0 is the shipped order): each seed's figures, their mean, and the phrasings and entry pairs that overlap on how many seeds")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("%w: faq check takes at most one directory", errUsage)
	}
	if *folds < 2 {
		return fmt.Errorf("%w: --folds must be at least 2", errUsage)
	}
	seeds, err := walkSeeds(*seedList)
	if err != nil {
		return err
	}
	fsys, name := faqFS(fs.Arg(0))
	entries, err := knowledge.Load(fsys)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if seeds != nil {
		return e.faqCheckSeeds(ctx, entries, name, *folds, seeds)
	}
	rep, err := index.Check(ctx, entries, *folds, bot.DefaultAnswerConfidence)
	if err != nil {
		return err
	}
	w := e.stdout
	fmt.Fprintf(w, "%s: %d entries; %d alternates held out in %d folds and asked as new questions\n", name, len(entries), rep.Phrasings, rep.Folds)
	fmt.Fprintf(w, "  answered with their own entry  %.3f (%d)\n", rep.Accuracy(), rep.Correct)
	fmt.Fprintf(w, "  own entry ranked first         %.3f (%d)\n", rep.TopAccuracy(), rep.Top1)
	fmt.Fprintf(w, "  answered with another entry    %.3f (%d)\n", rep.WrongRate(), rep.Wrong)
	fmt.Fprintf(w, "  declined                       %d\n", rep.Declined)
	fmt.Fprintf(w, "  out-of-scope questions declined %d/%d\n", rep.OutOfScopeDeclined, rep.OutOfScope)
	fmt.Fprintf(w, "  real-shaped stories held out: answered right %d/%d, wrong %d; off-topic declined %d/%d\n", rep.StoriesCorrect, rep.Stories, rep.StoriesWrong, rep.StoriesDeclined, rep.StoriesOutOfScope)
	if len(rep.Confusions) == 0 {
		return nil
	}
	// Answered wrongly first: those are what a person would be told.
	cs := rep.Confusions
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].Answered != cs[j].Answered {
			return cs[i].Answered
		}
		return cs[i].Entry < cs[j].Entry
	})
	fmt.Fprintln(w, "\nPhrasings taken for another entry (make the entries distinct, or move the phrasing):")
	for _, c := range cs {
		how := "ranked first, not answered"
		if c.Answered {
			how = "answered"
		}
		fmt.Fprintf(w, "  %q (%s) is taken for %s: %s, %.2f\n", c.Phrasing, c.Entry, c.TakenFor, how, c.Confidence)
	}
	return nil
}

// faqCheckSeeds cross-validates entries once per walk seed, one seed after another
// (each is folds builds; the FAQ is loaded once), printing each seed's figures as
// it ends, then their mean and sd, the entry pairs that overlap and the phrasings
// that land on another entry, the stable ones first.
func (e *env) faqCheckSeeds(ctx context.Context, entries []knowledge.Entry, name string, folds int, seeds []uint64) error {
	w := e.stdout
	fmt.Fprintf(w, "%s: %d entries; alternates held out in %d folds and asked as new questions, over %d walk seeds\n", name, len(entries), folds, len(seeds))
	reps := make([]index.CheckReport, 0, len(seeds))
	for _, seed := range seeds {
		rep, err := index.Check(ctx, entries, folds, bot.DefaultAnswerConfidence, index.WithWalkSeed(seed))
		if err != nil {
			return fmt.Errorf("walk seed %d: %w", seed, err)
		}
		reps = append(reps, rep)
		if _, err := fmt.Fprintf(w, "seed %d: %s\n", seed, seedLine(rep)); err != nil {
			return err
		}
	}
	writeCheckMeans(w, reps)
	ovs := overlaps(reps)
	some, stable, wrong := overlapCounts(ovs, len(reps))
	fmt.Fprintf(w, "phrasings taken for another entry: %d on some seed, %d by the same entry on every seed; answered wrongly on every seed: %d\n", some, stable, wrong)
	writeEntryPairs(w, entryPairs(ovs, len(reps)))
	return writeOverlaps(w, ovs, len(reps))
}

// checkFigure is one figure of a cross-validation that --walk-seeds gives per seed
// and as a mean.
type checkFigure struct {
	name string
	of   func(index.CheckReport) int
	out  func(index.CheckReport) int // what the figure is out of; nil if nothing
}

var checkFigures = []checkFigure{
	{"own entry first", func(r index.CheckReport) int { return r.Top1 }, func(r index.CheckReport) int { return r.Phrasings }},
	{"right", func(r index.CheckReport) int { return r.Correct }, nil},
	{"wrong", func(r index.CheckReport) int { return r.Wrong }, nil},
	{"declined", func(r index.CheckReport) int { return r.Declined }, nil},
	{"out of scope declined", func(r index.CheckReport) int { return r.OutOfScopeDeclined }, func(r index.CheckReport) int { return r.OutOfScope }},
	{"stories right", func(r index.CheckReport) int { return r.StoriesCorrect }, func(r index.CheckReport) int { return r.Stories }},
	{"stories wrong", func(r index.CheckReport) int { return r.StoriesWrong }, nil},
	{"stories off-topic declined", func(r index.CheckReport) int { return r.StoriesDeclined }, func(r index.CheckReport) int { return r.StoriesOutOfScope }},
}

// seedLine is one seed's figures: "own entry first 1264/1500, right 1158, ...".
func seedLine(r index.CheckReport) string {
	parts := make([]string, len(checkFigures))
	for i, f := range checkFigures {
		parts[i] = fmt.Sprintf("%s %d", f.name, f.of(r))
		if f.out != nil {
			parts[i] += fmt.Sprintf("/%d", f.out(r))
		}
	}
	return strings.Join(parts, ", ")
}

// writeCheckMeans writes each figure's mean over the seeds' reports and its sd.
func writeCheckMeans(w io.Writer, reps []index.CheckReport) {
	if len(reps) == 0 {
		return
	}
	parts := make([]string, len(checkFigures))
	for i, f := range checkFigures {
		xs := make([]float64, len(reps))
		for j, r := range reps {
			xs[j] = float64(f.of(r))
		}
		m, sd := meanSD(xs)
		parts[i] = fmt.Sprintf("%s %.1f (sd %.1f)", f.name, m, sd)
	}
	fmt.Fprintf(w, "mean over %d seeds: %s\n", len(reps), strings.Join(parts, ", "))
}

// overlap is a phrasing of Entry that another entry ranked first for on Seeds of the
// seeds, answered on Answered of them.
type overlap struct {
	Phrasing, Entry string
	Seeds, Answered int
	TakenFor        []takenFor // most seeds first
}

// takenFor is an entry that took a phrasing, and on how many seeds.
type takenFor struct {
	Entry string
	Seeds int
}

// overlaps gathers the confusions of reps, one report per seed, by phrasing: those
// another entry took on the most seeds first, then those answered on the most.
func overlaps(reps []index.CheckReport) []overlap {
	type key struct{ phrasing, entry string }
	byKey := map[key]*overlap{}
	takers := map[key]map[string]int{}
	for _, r := range reps {
		seen := map[key]bool{} // a phrasing counts once per seed
		for _, c := range r.Confusions {
			k := key{c.Phrasing, c.Entry}
			o := byKey[k]
			if o == nil {
				o = &overlap{Phrasing: c.Phrasing, Entry: c.Entry}
				byKey[k], takers[k] = o, map[string]int{}
			}
			if seen[k] {
				continue
			}
			seen[k] = true
			o.Seeds++
			o.Answered += b2i(c.Answered)
			takers[k][c.TakenFor]++
		}
	}
	out := make([]overlap, 0, len(byKey))
	for k, o := range byKey {
		for id, n := range takers[k] {
			o.TakenFor = append(o.TakenFor, takenFor{id, n})
		}
		slices.SortFunc(o.TakenFor, func(a, b takenFor) int {
			return cmp.Or(cmp.Compare(b.Seeds, a.Seeds), cmp.Compare(a.Entry, b.Entry))
		})
		out = append(out, *o)
	}
	slices.SortFunc(out, func(a, b overlap) int {
		return cmp.Or(cmp.Compare(b.Seeds, a.Seeds), cmp.Compare(b.Answered, a.Answered),
			cmp.Compare(a.Entry, b.Entry), cmp.Compare(a.Phrasing, b.Phrasing))
	})
	return out
}

// overlapCounts counts the phrasings of ovs another entry took on some seed, those
// the same entry took on every one of seeds, and those answered wrongly on every
// seed: the stable ones, unlike the seeds' wrong counts, are not the walk's noise.
func overlapCounts(ovs []overlap, seeds int) (some, stable, answered int) {
	for _, o := range ovs {
		some++
		if len(o.TakenFor) > 0 && o.TakenFor[0].Seeds >= seeds {
			stable++
		}
		if o.Answered >= seeds {
			answered++
		}
	}
	return some, stable, answered
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// entryPair is two entries (A before B) whose phrasings land on each other: how many
// phrasings of either the other took on some seed, how many on every seed of seeds
// (Stable), and how many of each side's.
type entryPair struct {
	A, B      string
	Phrasings int
	Stable    int
	OfA, OfB  int
}

// entryPairs sums overlaps by entry pair: the pairs with the most phrasings taken on
// every one of seeds first (those are content to fix, not the training order's
// noise), then the most phrasings.
func entryPairs(ovs []overlap, seeds int) []entryPair {
	type key struct{ a, b string }
	byKey := map[key]*entryPair{}
	for _, o := range ovs {
		for _, t := range o.TakenFor {
			k, ofA := key{o.Entry, t.Entry}, true
			if k.b < k.a {
				k, ofA = key{t.Entry, o.Entry}, false
			}
			p := byKey[k]
			if p == nil {
				p = &entryPair{A: k.a, B: k.b}
				byKey[k] = p
			}
			p.Phrasings++
			if t.Seeds >= seeds {
				p.Stable++
			}
			if ofA {
				p.OfA++
			} else {
				p.OfB++
			}
		}
	}
	out := make([]entryPair, 0, len(byKey))
	for _, p := range byKey {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b entryPair) int {
		return cmp.Or(cmp.Compare(b.Stable, a.Stable), cmp.Compare(b.Phrasings, a.Phrasings),
			cmp.Compare(a.A, b.A), cmp.Compare(a.B, b.B))
	})
	return out
}

// writeEntryPairs writes the pairs, as entryPairs sorts them.
func writeEntryPairs(w io.Writer, ps []entryPair) {
	if len(ps) == 0 {
		return
	}
	fmt.Fprintln(w, "\nEntry pairs whose phrasings land on each other (those stable on all seeds first: make the entries distinct, or move the phrasings):")
	for _, p := range ps {
		fmt.Fprintf(w, "  %s <-> %s: %s (stable on all seeds: %d; %d from %s, %d from %s)\n",
			p.A, p.B, plural(p.Phrasings, "phrasing"), p.Stable, p.OfA, p.A, p.OfB, p.B)
	}
}

// writeOverlaps writes the phrasings another entry took, as overlaps sorts them.
func writeOverlaps(w io.Writer, ovs []overlap, seeds int) error {
	if len(ovs) == 0 {
		return nil
	}
	fmt.Fprintln(w, "\nPhrasings taken for another entry, on how many seeds (the stable ones are content to fix; one seed's, the training order's noise):")
	for _, o := range ovs {
		took := make([]string, len(o.TakenFor))
		for i, t := range o.TakenFor {
			took[i] = fmt.Sprintf("%s (%d of %d seeds)", t.Entry, t.Seeds, seeds)
		}
		how := "ranked first, never answered"
		if o.Answered > 0 {
			how = fmt.Sprintf("answered wrongly on %d of %d", o.Answered, seeds)
		}
		if _, err := fmt.Fprintf(w, "  %q (%s) is taken for %s; %s\n", o.Phrasing, o.Entry, strings.Join(took, ", "), how); err != nil {
			return err
		}
	}
	return nil
}
