package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/smpbot/smpbot/index"
	"github.com/smpbot/smpbot/knowledge"
)

// faq check holds each alternate out and reports those that find another entry: an
// alternate of cost that asks about pain must be reported as taken for laser-pain.
func TestFAQCheck(t *testing.T) {
	dir := t.TempDir()
	err := fs.WalkDir(knowledge.Embedded(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(knowledge.Embedded(), p)
		if err != nil {
			return err
		}
		if p == "cost.md" {
			f, err := knowledge.Parse(p, b)
			if err != nil {
				return err
			}
			f.Entry.Alternates = append(f.Entry.Alternates, "does zapping my scalp hurt badly")
			b = knowledge.Format(f.Entry)
		}
		return os.WriteFile(filepath.Join(dir, p), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "", "faq", "check", "--folds", "2", dir)
	if code != 0 {
		t.Fatalf("faq check: exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"alternates held out in 2 folds", "answered with their own entry", "out-of-scope questions declined",
		`"does zapping my scalp hurt badly" (cost) is taken for laser-pain`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code, _, errs := runCLI(t, "", "faq", "check", "--folds", "1"); code != 2 || !strings.Contains(errs, "folds") {
		t.Errorf("--folds 1: exit %d, %s; want a usage error", code, errs)
	}
	if code, _, errs := runCLI(t, "", "faq", "check", filepath.Join(dir, "missing")); code != 1 || errs == "" {
		t.Errorf("missing directory: exit %d, %q; want an error", code, errs)
	}
}

// smallFAQ writes a few of the embedded FAQ's entries to a directory, with an
// alternate of cost that asks about pain: faq check must find it taken for
// laser-pain.
func smallFAQ(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, id := range []string{"cost", "laser-pain", "aftercare", "healing-time", "laser-sessions-count", "scarring-risk"} {
		b, err := fs.ReadFile(knowledge.Embedded(), id+".md")
		if err != nil {
			t.Fatal(err)
		}
		f, err := knowledge.Parse(id+".md", b)
		if err != nil {
			t.Fatal(err)
		}
		f.Entry.Related = nil // most are not among these
		if id == "cost" {
			f.Entry.Alternates = append(f.Entry.Alternates, "does zapping my scalp hurt badly")
		}
		if err := os.WriteFile(filepath.Join(dir, id+".md"), knowledge.Format(f.Entry), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestFAQCheckWalkSeeds runs faq check --walk-seeds through the command on a small
// FAQ: a line per seed, seed 0's the same figures as the plain check's (the shipped
// order), their mean, the pair and the phrasing with how many seeds they held on.
func TestFAQCheckWalkSeeds(t *testing.T) {
	dir := smallFAQ(t)
	code, plain, errs := runCLI(t, "", "faq", "check", "--folds", "2", dir)
	if code != 0 {
		t.Fatalf("faq check: exit %d\n%s%s", code, plain, errs)
	}
	code, out, errs := runCLI(t, "", "faq", "check", "--folds", "2", "--walk-seeds", "0-1", dir)
	if code != 0 {
		t.Fatalf("faq check --walk-seeds 0-1: exit %d\n%s%s", code, out, errs)
	}
	// The plain check's own-entry-first and right counts, as seed 0 reports them.
	var first, right int
	for _, l := range strings.Split(plain, "\n") {
		if strings.Contains(l, "own entry ranked first") {
			fmt.Sscanf(l[strings.LastIndex(l, "(")+1:], "%d", &first)
		}
		if strings.Contains(l, "answered with their own entry") {
			fmt.Sscanf(l[strings.LastIndex(l, "(")+1:], "%d", &right)
		}
	}
	for _, want := range []string{
		"over 2 walk seeds",
		fmt.Sprintf("seed 0: own entry first %d/", first),
		fmt.Sprintf(", right %d, wrong ", right),
		"seed 1: own entry first ",
		"mean over 2 seeds: own entry first ",
		"phrasings taken for another entry: ",
		"cost <-> laser-pain: ",
		`"does zapping my scalp hurt badly" (cost) is taken for laser-pain (2 of 2 seeds)`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Phrasings taken for another entry (make") {
		t.Errorf("--walk-seeds printed the single run's list:\n%s", out)
	}
	if code, _, errs := runCLI(t, "", "faq", "check", "--walk-seeds", "1-x", dir); code != 2 || !strings.Contains(errs, `"1-x" is not a range`) {
		t.Errorf("--walk-seeds 1-x: exit %d, %s; want a usage error", code, errs)
	}
}

// checkReport is a synthetic seed's report with the confusions given, each as
// "phrasing|entry|taken for|answered (a) or not (-)".
func checkReport(confusions ...string) index.CheckReport {
	var r index.CheckReport
	for _, c := range confusions {
		f := strings.Split(c, "|")
		r.Confusions = append(r.Confusions, index.Confusion{Phrasing: f[0], Entry: f[1], TakenFor: f[2], Answered: f[3] == "a"})
	}
	return r
}

func TestOverlaps(t *testing.T) {
	tests := []struct {
		name string
		reps []index.CheckReport
		want []overlap
	}{
		{"none", []index.CheckReport{checkReport(), checkReport()}, []overlap{}},
		{"stable before one seed's, answered before not",
			[]index.CheckReport{
				checkReport("once|a|b|a", "never answered|a|c|-", "always|c|b|a"),
				checkReport("never answered|a|c|-", "always|c|b|-"),
				checkReport("never answered|a|c|-", "always|c|b|a"),
			},
			[]overlap{
				{Phrasing: "always", Entry: "c", Seeds: 3, Answered: 2, TakenFor: []takenFor{{"b", 3}}},
				{Phrasing: "never answered", Entry: "a", Seeds: 3, TakenFor: []takenFor{{"c", 3}}},
				{Phrasing: "once", Entry: "a", Seeds: 1, Answered: 1, TakenFor: []takenFor{{"b", 1}}},
			}},
		{"taken for two entries, the most seeds first",
			[]index.CheckReport{checkReport("p|a|c|a"), checkReport("p|a|b|a"), checkReport("p|a|b|-"), checkReport()},
			[]overlap{{Phrasing: "p", Entry: "a", Seeds: 3, Answered: 2, TakenFor: []takenFor{{"b", 2}, {"c", 1}}}}},
		{"the same text of two entries is two phrasings; ties by entry",
			[]index.CheckReport{checkReport("p|b|c|a", "p|a|c|a")},
			[]overlap{
				{Phrasing: "p", Entry: "a", Seeds: 1, Answered: 1, TakenFor: []takenFor{{"c", 1}}},
				{Phrasing: "p", Entry: "b", Seeds: 1, Answered: 1, TakenFor: []takenFor{{"c", 1}}},
			}},
		{"a phrasing twice in one seed counts once",
			[]index.CheckReport{checkReport("p|a|b|a", "p|a|b|a"), checkReport("p|a|b|a")},
			[]overlap{{Phrasing: "p", Entry: "a", Seeds: 2, Answered: 2, TakenFor: []takenFor{{"b", 2}}}}},
	}
	for _, tt := range tests {
		if got := overlaps(tt.reps); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: overlaps\ngot  %+v\nwant %+v", tt.name, got, tt.want)
		}
	}
}

func TestEntryPairs(t *testing.T) {
	tests := []struct {
		name  string
		ovs   []overlap
		seeds int
		want  []entryPair
	}{
		{"none", nil, 4, []entryPair{}},
		{"both ways are one pair; stable means every seed",
			[]overlap{
				{Phrasing: "p1", Entry: "healing-time", Seeds: 4, TakenFor: []takenFor{{"aftercare", 4}}},
				{Phrasing: "p2", Entry: "aftercare", Seeds: 4, TakenFor: []takenFor{{"healing-time", 4}}},
				{Phrasing: "p3", Entry: "aftercare", Seeds: 3, TakenFor: []takenFor{{"healing-time", 3}}},
			}, 4,
			[]entryPair{{A: "aftercare", B: "healing-time", Phrasings: 3, Stable: 2, OfA: 2, OfB: 1}}},
		{"stable count sorts before phrasings; a phrasing split over two takers is stable for neither",
			[]overlap{
				{Phrasing: "p1", Entry: "a", Seeds: 2, TakenFor: []takenFor{{"b", 1}, {"c", 1}}},
				{Phrasing: "p2", Entry: "b", Seeds: 1, TakenFor: []takenFor{{"a", 1}}},
				{Phrasing: "p3", Entry: "b", Seeds: 1, TakenFor: []takenFor{{"a", 1}}},
				{Phrasing: "p4", Entry: "d", Seeds: 2, TakenFor: []takenFor{{"c", 2}}},
			}, 2,
			[]entryPair{
				{A: "c", B: "d", Phrasings: 1, Stable: 1, OfB: 1},
				{A: "a", B: "b", Phrasings: 3, OfA: 1, OfB: 2},
				{A: "a", B: "c", Phrasings: 1, OfA: 1},
			}},
	}
	for _, tt := range tests {
		if got := entryPairs(tt.ovs, tt.seeds); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: entryPairs\ngot  %+v\nwant %+v", tt.name, got, tt.want)
		}
	}
}

func TestOverlapCounts(t *testing.T) {
	ovs := []overlap{
		{Phrasing: "stable, answered on every seed", Entry: "a", Seeds: 3, Answered: 3, TakenFor: []takenFor{{"b", 3}}},
		{Phrasing: "stable, answered on two", Entry: "a", Seeds: 3, Answered: 2, TakenFor: []takenFor{{"b", 3}}},
		{Phrasing: "every seed, split over two entries", Entry: "a", Seeds: 3, Answered: 3, TakenFor: []takenFor{{"b", 2}, {"c", 1}}},
		{Phrasing: "one seed", Entry: "c", Seeds: 1, Answered: 1, TakenFor: []takenFor{{"a", 1}}},
	}
	tests := []struct {
		ovs                        []overlap
		seeds                      int
		some, stable, answeredEach int
	}{
		{nil, 3, 0, 0, 0},
		{ovs, 3, 4, 2, 2},
		{ovs, 1, 4, 4, 4},
	}
	for _, tt := range tests {
		some, stable, answered := overlapCounts(tt.ovs, tt.seeds)
		if some != tt.some || stable != tt.stable || answered != tt.answeredEach {
			t.Errorf("overlapCounts(%d overlaps, %d seeds) = %d, %d, %d; want %d, %d, %d", len(tt.ovs), tt.seeds, some, stable, answered, tt.some, tt.stable, tt.answeredEach)
		}
	}
}

// TestCheckMeans: each seed's figures, and their mean and sd, as faq check
// --walk-seeds writes them.
func TestCheckMeans(t *testing.T) {
	a := index.CheckReport{Phrasings: 10, Top1: 8, Correct: 7, Wrong: 1, Declined: 2, OutOfScope: 5, OutOfScopeDeclined: 4,
		Stories: 6, StoriesCorrect: 5, StoriesWrong: 1, StoriesOutOfScope: 3, StoriesDeclined: 2}
	b := a
	b.Top1, b.Correct, b.Wrong, b.Declined = 6, 5, 3, 2
	if got, want := seedLine(a), "own entry first 8/10, right 7, wrong 1, declined 2, out of scope declined 4/5, stories right 5/6, stories wrong 1, stories off-topic declined 2/3"; got != want {
		t.Errorf("seedLine\ngot  %q\nwant %q", got, want)
	}
	tests := []struct {
		reps []index.CheckReport
		want string
	}{
		{nil, ""},
		{[]index.CheckReport{a}, "mean over 1 seeds: own entry first 8.0 (sd 0.0), right 7.0 (sd 0.0), wrong 1.0 (sd 0.0), declined 2.0 (sd 0.0), out of scope declined 4.0 (sd 0.0), stories right 5.0 (sd 0.0), stories wrong 1.0 (sd 0.0), stories off-topic declined 2.0 (sd 0.0)\n"},
		{[]index.CheckReport{a, b}, "mean over 2 seeds: own entry first 7.0 (sd 1.4), right 6.0 (sd 1.4), wrong 2.0 (sd 1.4), declined 2.0 (sd 0.0), out of scope declined 4.0 (sd 0.0), stories right 5.0 (sd 0.0), stories wrong 1.0 (sd 0.0), stories off-topic declined 2.0 (sd 0.0)\n"},
	}
	for _, tt := range tests {
		var buf strings.Builder
		writeCheckMeans(&buf, tt.reps)
		if buf.String() != tt.want {
			t.Errorf("writeCheckMeans of %d reports\ngot  %q\nwant %q", len(tt.reps), buf.String(), tt.want)
		}
	}
}

// TestWriteEntryPairsAndOverlaps: the lines a moderator reads.
func TestWriteEntryPairsAndOverlaps(t *testing.T) {
	var buf strings.Builder
	writeEntryPairs(&buf, []entryPair{{A: "aftercare", B: "healing-time", Phrasings: 9, Stable: 6, OfA: 5, OfB: 4}, {A: "a", B: "b", Phrasings: 1, OfA: 1}})
	if err := writeOverlaps(&buf, []overlap{
		{Phrasing: "does it scar", Entry: "aftercare", Seeds: 7, Answered: 5, TakenFor: []takenFor{{"laser-side-effects", 6}, {"scarring-risk", 1}}},
		{Phrasing: "x", Entry: "a", Seeds: 1, TakenFor: []takenFor{{"b", 1}}},
	}, 8); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"  aftercare <-> healing-time: 9 phrasings (stable on all seeds: 6; 5 from aftercare, 4 from healing-time)\n",
		"  a <-> b: 1 phrasing (stable on all seeds: 0; 1 from a, 0 from b)\n",
		`  "does it scar" (aftercare) is taken for laser-side-effects (6 of 8 seeds), scarring-risk (1 of 8 seeds); answered wrongly on 5 of 8` + "\n",
		`  "x" (a) is taken for b (1 of 8 seeds); ranked first, never answered` + "\n",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, buf.String())
		}
	}
	buf.Reset()
	writeEntryPairs(&buf, nil)
	if err := writeOverlaps(&buf, nil, 2); err != nil || buf.Len() != 0 {
		t.Errorf("no pairs, no overlaps: wrote %q, %v; want nothing", buf.String(), err)
	}
}
