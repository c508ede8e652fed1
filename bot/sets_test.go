package bot_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/knowledge"
	"github.com/smpbot/smpbot/knowledge/sharedtest"
)

// evalSets are the question sets that measure the bot: the shared dev set and every
// set in testdata. None of their questions may be an FAQ alternate, or the measure
// would only check that the index finds its own text.
func evalSets(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/*.jsonl")
	if err != nil || len(files) < 4 {
		t.Fatalf("question sets in testdata: %v, %v", files, err)
	}
	if dev, ok := sharedtest.Lookup(t, "eval/dev.jsonl"); ok {
		files = append([]string{dev}, files...)
	} else {
		t.Log("no ../shared beside the checkout: the dev set is not checked")
	}
	return files
}

// readSet reads the question set in file.
func readSet(file string) ([]bot.EvalCase, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cases, err := bot.ReadEvalCases(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return cases, nil
}

func TestNoAlternateRepeatsAnEvaluationQuestion(t *testing.T) {
	entries, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	key := func(s string) string {
		return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
		}), " ")
	}
	alternate := map[string]string{}
	for _, e := range entries {
		for _, a := range e.Alternates {
			alternate[key(a)] = e.ID
		}
	}
	checked := 0
	for _, file := range evalSets(t) {
		cases, err := readSet(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			checked++
			if id, ok := alternate[key(c.Q)]; ok {
				t.Errorf("%s: %q is an alternate of %s", file, c.Q, id)
			}
		}
	}
	if checked < 400 {
		t.Errorf("checked only %d questions", checked)
	}
}

// TestUrgentPairs reads pairs of messages, one describing a complication and one
// asking about ordinary after-effects, in the same words where possible: upper case,
// typos, negation, the past, questions about risk and about what is normal, long
// stories, and look-alikes from elsewhere (a leaking tap, a cat's fever, lip filler)
// that the bot declines. Every complication is flagged and answered with the
// complications entry; no ordinary question is flagged, and most get an entry that
// answers them or, off the topic, a decline. IsUrgent's model is trained on these
// messages, so this checks that it fits them and that the handler routes them; how
// it does on messages it has not seen is TestUrgentCrossValidated's and
// TestUrgentHeldOut's.
func TestUrgentPairs(t *testing.T) {
	cases, err := readSet("testdata/urgent_pairs.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	h := handler(t)
	var urgent, ordinary, answered int
	for _, c := range cases {
		r := ask(t, h, c.Q)
		if c.Urgent {
			urgent++
			if !r.Urgent || r.Entry == nil || r.Entry.ID != bot.UrgentEntryID || !strings.HasPrefix(r.Text, bot.UrgentNotice) && !strings.HasPrefix(r.Text, bot.SignsNotice) {
				t.Errorf("%q: urgent %v, entry %v; want the medical notice first and %s", c.Q, r.Urgent, r.Entry, bot.UrgentEntryID)
			}
			continue
		}
		ordinary++
		if r.Urgent || bot.IsUrgent(c.Q) {
			t.Errorf("%q was flagged urgent", c.Q)
		}
		if r.Entry != nil && slices.Contains(c.Accept, r.Entry.ID) || len(c.Accept) == 0 && r.Kind == bot.KindNoMatch {
			answered++
		}
	}
	if urgent < 20 || ordinary < 20 {
		t.Fatalf("%d urgent and %d ordinary messages, want at least 20 of each", urgent, ordinary)
	}
	// Which entry answers is the index's ranking, so the floor is loose: 15 of 26
	// when written, 10 without the handler's rule that the complications entry gives
	// way to the next candidate for messages naming only ordinary after-effects.
	if min := ordinary * 2 / 5; answered < min {
		t.Errorf("%d of %d ordinary questions answered with an accepted entry or declined off the topic, want at least %d", answered, ordinary, min)
	}
	t.Logf("%d urgent flagged; %d ordinary not flagged, %d of them answered with an accepted entry or declined off the topic", urgent, ordinary, answered)
}

// TestUrgentHeldOut measures IsUrgent on messages written after its design was
// frozen, never used to train it.
//
// urgent_heldout2.jsonl: 30 complications (someone else's head, non-native English,
// capitals, long stories, temperatures, allergic reactions) and 40 ordinary questions
// and look-alikes (what is normal, how long, risks, negation, the past, other
// procedures, pets, things). Measured once when frozen: 30/30 flagged, 2 of 40 wrongly
// (lip filler, and itching "calming down"); the hand-written rules alone read it
// 25/30 and 5/40.
//
// urgent_heldout3.jsonl: 26 complications and 42 ordinary messages, each modelled on
// a public page it names (pain during the laser, blisters, itching, swelling that is
// going down, skin colour, other procedures, hives that passed, risks), written and
// committed before the bot was run on it. Its first, clean figure: 26/26 flagged, 11
// of 42 wrongly.
//
// With the design of URGENT.md's "A third held-out set" (not clean figures: see
// there): heldout2 30/30 and 4 of 40, heldout3 26/26 and 5 of 42. With the fourth
// round's (URGENT.md "A fourth held-out set"; not clean either): 30/30 and 2 of 40,
// 26/26 and 2 of 42.
//
// urgent_heldout4.jsonl: 20 complications and 40 ordinary messages (expected healing
// after laser, saline, SMP and cosmetic-tattoo removal; risk questions), each
// modelled on a public page no other set used, written and committed before the bot
// was run on it. Its first, clean figure (main's design): 19/20 flagged, 6 of 40
// wrongly; measured once after the fourth round: the same, 19/20 and 6 of 40.
// The missed complication's class was fixed after that (URGENT.md): 20/20.
//
// The urgent model learns from the out-of-scope lines as ordinary messages; when 12
// of them (removing brow, eyeliner and lip tattoos) came into scope and moved to
// urgent_pairs.jsonl, the retrained model lost one of heldout2's complications ("a
// blister the size of a coin ... and now another one next to it"), its CV the same
// (234/239, 9 of 377 ordinary; 233/239, 6 of 365 before): floor 30 -> 29; heldout4's
// ordinary messages flagged 6 -> 4 of 40, its floor with them.
//
// The floors are the latest figures. The earlier held-out set was learned from and
// is part of urgent_pairs.jsonl now (lines 284-349). Whoever learns from these misses
// should move them there too and write a new held-out set.
func TestUrgentHeldOut(t *testing.T) {
	for _, set := range []struct {
		file                 string
		urgent, ordinary     int
		minFlagged, maxWrong int
	}{
		{"testdata/urgent_heldout2.jsonl", 30, 40, 29, 2},
		{"testdata/urgent_heldout3.jsonl", 26, 42, 26, 2},
		{"testdata/urgent_heldout4.jsonl", 20, 40, 20, 4},
	} {
		t.Run(filepath.Base(set.file), func(t *testing.T) {
			cases, err := readSet(set.file)
			if err != nil {
				t.Fatal(err)
			}
			var urgent, flagged, ordinary, wrong int
			for _, c := range cases {
				got := bot.IsUrgent(c.Q)
				switch {
				case c.Urgent:
					urgent++
					if got {
						flagged++
					} else {
						t.Logf("missed: %q", c.Q)
					}
				default:
					ordinary++
					if got {
						wrong++
						t.Logf("flagged wrongly: %q", c.Q)
					}
				}
			}
			t.Logf("%d of %d complications flagged, %d of %d ordinary messages flagged", flagged, urgent, wrong, ordinary)
			if urgent != set.urgent || ordinary != set.ordinary {
				t.Fatalf("%d complications and %d ordinary messages, want %d and %d: the set is frozen", urgent, ordinary, set.urgent, set.ordinary)
			}
			if flagged < set.minFlagged || wrong > set.maxWrong {
				t.Errorf("%d of %d complications flagged (want %d), %d of %d ordinary flagged (want at most %d)",
					flagged, urgent, set.minFlagged, wrong, ordinary, set.maxWrong)
			}
		})
	}
}

// TestNoFalseUrgentInQuestionSets reads every question of the project's sets that is
// not marked urgent, and every out-of-scope question: none describes a complication
// happening now, so none may be flagged. (The held-out urgent set, which measures
// what IsUrgent has not seen, is left to TestUrgentHeldOut, and real2.jsonl and
// real3.jsonl, also written after the rules, to TestQuestionSets, which bounds their
// false flags.)
func TestNoFalseUrgentInQuestionSets(t *testing.T) {
	var qs []string
	for _, file := range evalSets(t) {
		if base := filepath.Base(file); strings.HasPrefix(base, "urgent_heldout") || base == "real2.jsonl" || base == "real3.jsonl" {
			continue
		}
		cases, err := readSet(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			if !c.Urgent {
				qs = append(qs, c.Q)
			}
		}
	}
	qs = append(qs, knowledge.OutOfScope()...)
	for _, q := range qs {
		if bot.IsUrgent(q) {
			t.Errorf("%q was flagged urgent", q)
		}
	}
	if len(qs) < 700 {
		t.Errorf("checked only %d questions", len(qs))
	}
	t.Logf("%d questions, none flagged urgent", len(qs))
}
