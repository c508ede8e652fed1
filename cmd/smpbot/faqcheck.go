package main

import (
	"context"
	"fmt"
	"sort"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/index"
	"github.com/smpbot/smpbot/knowledge"
)

// faqCheck prints the FAQ's health: each alternate held out in turn and asked as a new
// question, how often it finds its own entry, and which phrasings land on another
// entry, so moderators see where entries overlap and fix the content.
func (e *env) faqCheck(ctx context.Context, args []string) error {
	fs := e.flags("faq check")
	folds := fs.Int("folds", 5, "cross-validation folds (each rebuilds the index)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("%w: faq check takes at most one directory", errUsage)
	}
	if *folds < 2 {
		return fmt.Errorf("%w: --folds must be at least 2", errUsage)
	}
	fsys, name := faqFS(fs.Arg(0))
	entries, err := knowledge.Load(fsys)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
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
