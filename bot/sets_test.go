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
// TestUrgentHeldOut's. The pairs it does not fit are in unfittedPairs.
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
			if unfittedPairs[c.Q] {
				t.Logf("known miss: %q was flagged urgent", c.Q)
			} else {
				t.Errorf("%q was flagged urgent", c.Q)
			}
		} else if unfittedPairs[c.Q] {
			t.Logf("%q is not flagged now: drop it from unfittedPairs", c.Q)
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

// unfittedPairs are the ordinary messages of urgent_pairs.jsonl that the shipped
// design flags although it is trained on them. None since the sixth round
// (URGENT.md): the fifth round's two ("I got lip filler and my lips are swollen, is
// that normal"; clear weeping "less than yesterday") are read by the rules as
// another procedure's swelling and a wound's clear fluid, and vetoed as steady.
var unfittedPairs = map[string]bool{}

// TestUrgentHeldOut measures IsUrgent on messages written after its design was
// frozen, never used to train it. It reads the held-out sets listed in its table.
//
// Every held-out set before it has been learned from and is part of
// urgent_pairs.jsonl now: the first is lines 284-349, heldout2 579-648, heldout3
// 649-716, heldout4 717-776, heldout5 777-829, heldout6 830-891 (URGENT.md, fifth and
// seventh rounds). Their last held-out figures: heldout5 13/13 and 3 of 40 flagged
// wrongly, heldout6 16/16 and 3 of 46. urgent_heldout2.jsonl, urgent_heldout5.jsonl and
// urgent_heldout6.jsonl stay in testdata because the answer tests read them for
// answers; they are no longer held-out measures of IsUrgent.
//
// urgent_heldout7.jsonl: 18 complications (infections and allergic reactions after
// SMP and its removal, burns from DIY kits, acid, salt and a hot needle, a laser
// turned up too high, a red line, feeling faint and feverish after a large session)
// and 54 ordinary messages (aftercare: washing, shaving, gym, sun, sunbeds, swimming;
// what is normal: redness, itching, frosting, scabs, blisters, tenderness, darkening;
// risk questions; past complications that cleared; look-alikes: hives from washing
// powder, a cold or flu with a temperature, laser hair removal bumps, a laser cap),
// each modelled on one of 72 public pages no other set used, committed (274db4a)
// before the bot was run on it and measured once on main d1a8a56: 18/18 flagged, 4
// of 54 wrongly by IsUrgent (an allergy-prone person's itch and puffiness, washing
// powder hives, a question on pain tolerance, a cold at 37.8 before a session), the
// floors here; clean, and the same after the seventh round, written without it.
// After the eighth and ninth rounds, aimed at its classes (no longer clean for
// them), none of the 54 is flagged by IsUrgent.
//
// urgent_heldout8.jsonl: 16 complications (worsening infections, fever and shivers,
// red streaks, pus, hives with a swollen throat or lips, swelling round the eyes,
// burns from a removal cream, a growing lymph node, confusion) and 44 ordinary
// messages (what is normal, healing, aftercare, past complications now healed, risk
// questions, look-alikes: a beach sunburn, dandruff, microneedling), on 60 public
// pages no other set used, committed before the bot was run on it and measured once
// on main f6e3f10: 16/16 flagged, 2 of 44 wrongly by IsUrgent (hive-like welts after
// a session that settled within hours, a big blister, which the FAQ itself sends to
// a doctor), the floors here; clean, written without the ninth round's knowledge.
//
// Whoever learns from heldout8's misses should move it (and heldout7) into
// urgent_pairs.jsonl and write a new held-out set.
func TestUrgentHeldOut(t *testing.T) {
	for _, set := range []struct {
		file                 string
		urgent, ordinary     int
		minFlagged, maxWrong int
	}{
		{"testdata/urgent_heldout7.jsonl", 18, 54, 18, 1},
		{"testdata/urgent_heldout8.jsonl", 16, 44, 16, 2},
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
// every later realN.jsonl, also written after the rules, to TestQuestionSets, which
// bounds their false flags.)
func TestNoFalseUrgentInQuestionSets(t *testing.T) {
	var qs []string
	for _, file := range evalSets(t) {
		if base := filepath.Base(file); strings.HasPrefix(base, "urgent_heldout") || strings.HasPrefix(base, "real") && base != "real.jsonl" {
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
		if bot.IsUrgent(q) && !unfittedPairs[q] {
			t.Errorf("%q was flagged urgent", q)
		}
	}
	if len(qs) < 700 {
		t.Errorf("checked only %d questions", len(qs))
	}
	t.Logf("%d questions, none flagged urgent", len(qs))
}
