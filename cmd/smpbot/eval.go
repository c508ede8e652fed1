package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/index"
)

// evalSet is one question set, by the name its summary line shows.
type evalSet struct {
	name  string
	cases []bot.EvalCase
}

func (e *env) eval(ctx context.Context, args []string) error {
	fs := e.flags("eval")
	data := dataFlag(fs)
	seedList := fs.String("walk-seeds", "", "rebuild the index with each of these seeds of the model's training walk (0,1,2 or 0-7; 0 is the shipped order) and print each seed's totals and their mean")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: eval needs a question file", errUsage)
	}
	seeds, err := walkSeeds(*seedList)
	if err != nil {
		return err
	}
	// Every set is read before the first build, which takes a while.
	sets := make([]evalSet, fs.NArg())
	for i, name := range fs.Args() {
		cases, err := readEvalFile(name)
		if err != nil {
			return err
		}
		sets[i] = evalSet{strings.TrimSuffix(filepath.Base(name), ".jsonl"), cases}
	}
	conf, err := envConfidence(os.Getenv)
	if err != nil {
		return err
	}
	// evaluate builds the index with the walk seed given and asks it every set.
	evaluate := func(seed uint64) ([]bot.EvalReport, error) {
		fb, err := e.openFAQ(ctx, os.Getenv, *data, []index.Option{index.WithWalkSeed(seed)}, conf...)
		if err != nil {
			return nil, err
		}
		defer fb.Close()
		reps := make([]bot.EvalReport, len(sets))
		for i, s := range sets {
			if reps[i], err = bot.Evaluate(ctx, fb.h, s.cases); err != nil {
				return nil, fmt.Errorf("%s: %w", s.name, err)
			}
		}
		return reps, nil
	}
	if seeds == nil {
		reps, err := evaluate(0)
		if err != nil {
			return err
		}
		if len(sets) == 1 {
			return reps[0].Write(e.stdout)
		}
		return writeEvalSummary(e.stdout, sets, reps)
	}
	var right, wrong []float64
	for _, seed := range seeds {
		reps, err := evaluate(seed)
		if err != nil {
			return fmt.Errorf("walk seed %d: %w", seed, err)
		}
		r, w := evalTotals(reps)
		right, wrong = append(right, float64(r)), append(wrong, float64(w))
		if _, err := fmt.Fprintf(e.stdout, "seed %d: total right %d wrong %d\n", seed, r, w); err != nil {
			return err
		}
	}
	mr, sr := meanSD(right)
	mw, sw := meanSD(wrong)
	_, err = fmt.Fprintf(e.stdout, "mean over %d seeds: right %.1f wrong %.1f (sd %.1f, %.1f)\n", len(seeds), mr, mw, sr, sw)
	return err
}

// readEvalFile reads the question set in the file name.
func readEvalFile(name string) ([]bot.EvalCase, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cases, err := bot.ReadEvalCases(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return cases, nil
}

// writeEvalSummary writes one line per set and the sets' total.
func writeEvalSummary(w io.Writer, sets []evalSet, reps []bot.EvalReport) error {
	for i, r := range reps {
		fmt.Fprintf(w, "%-22s answerable %3d right %3d p@1 %.3f wrong %2d declined %d/%d urgent recall %d/%d false urgent %d\n",
			sets[i].name, r.Answerable, r.Correct, r.PrecisionAt1(), r.Wrong, r.Decline, r.Declinable, r.Flagged, r.Urgent, r.FalseUrgent)
	}
	right, wrong := evalTotals(reps)
	_, err := fmt.Fprintf(w, "total right %d wrong %d\n", right, wrong)
	return err
}

// evalTotals sums the right and the wrong answers over the sets.
func evalTotals(reps []bot.EvalReport) (right, wrong int) {
	for _, r := range reps {
		right += r.Correct
		wrong += r.Wrong
	}
	return right, wrong
}

// meanSD returns the mean of xs and their sample standard deviation (0 for one).
func meanSD(xs []float64) (mean, sd float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}

// walkSeeds reads a --walk-seeds list (parseSeeds); "" is none (nil), and a bad list
// is a usage error.
func walkSeeds(list string) ([]uint64, error) {
	if list == "" {
		return nil, nil
	}
	seeds, err := parseSeeds(list)
	if err != nil {
		return nil, fmt.Errorf("%w: --walk-seeds: %v", errUsage, err)
	}
	return seeds, nil
}

// maxSeeds bounds a --walk-seeds list: each seed is a full rebuild.
const maxSeeds = 100

// parseSeeds reads a list of walk seeds: numbers and ranges, comma-separated
// ("0,1,2", "0-7", "0-3,9").
func parseSeeds(s string) ([]uint64, error) {
	var seeds []uint64
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		from, err := strconv.ParseUint(lo, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a seed or a range of seeds", part)
		}
		to := from
		if isRange {
			if to, err = strconv.ParseUint(hi, 10, 64); err != nil || to < from {
				return nil, fmt.Errorf("%q is not a range of seeds", part)
			}
		}
		if to-from >= maxSeeds || len(seeds)+int(to-from) >= maxSeeds {
			return nil, fmt.Errorf("more than %d seeds", maxSeeds)
		}
		for i := range to - from + 1 {
			seeds = append(seeds, from+i)
		}
	}
	return seeds, nil
}
