package bot_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/index"
	"github.com/smpbot/smpbot/knowledge"
	"github.com/smpbot/smpbot/knowledge/sharedtest"
)

var (
	faqOnce sync.Once
	faqIdx  *index.Index
	faqErr  error
)

// handler returns the real handler over the shipped FAQ, built once per test binary.
func handler(t testing.TB) *bot.FAQ {
	t.Helper()
	faqOnce.Do(func() {
		var entries []knowledge.Entry
		entries, faqErr = knowledge.Load(knowledge.Embedded())
		if faqErr == nil {
			faqIdx, faqErr = index.New(entries)
		}
	})
	if faqErr != nil {
		t.Fatal(faqErr)
	}
	return bot.NewFAQ(faqIdx)
}

func ask(t *testing.T, h bot.Handler, text string) bot.Reply {
	t.Helper()
	r, err := h.Answer(context.Background(), bot.Question{Text: text, Platform: "test", User: "u1"})
	if err != nil {
		t.Fatalf("Answer(%q): %v", text, err)
	}
	return r
}

func TestAnswerCarriesCaveatsSourcesAndDisclaimer(t *testing.T) {
	r := ask(t, handler(t), "How many laser sessions will I need to remove my SMP?")
	if r.Kind != bot.KindAnswer || r.Entry == nil || r.Entry.ID != "laser-sessions-count" {
		t.Fatalf("got %s %v, want an answer from laser-sessions-count", r.Kind, r.Entry)
	}
	if r.Confidence < 0.5 || r.Confidence > 1 {
		t.Errorf("confidence %v, want in [0.5, 1]", r.Confidence)
	}
	for _, want := range append([]string{r.Entry.Answer, bot.Disclaimer, r.Entry.Sources[0].URL}, r.Entry.Caveats...) {
		if !strings.Contains(r.Text, want) {
			t.Errorf("reply text lacks %q:\n%s", want, r.Text)
		}
	}
	if len(r.Related) == 0 {
		t.Error("no related entries")
	}
	if len(r.Suggestions) > 3 {
		t.Errorf("%d suggestions, want at most 3", len(r.Suggestions))
	}
	for _, s := range r.Suggestions {
		if s.ID == r.Entry.ID {
			t.Errorf("the answer is also suggested")
		}
		for _, rel := range r.Related {
			if rel.ID == s.ID {
				t.Errorf("%s is both suggested and related", s.ID)
			}
		}
	}
}

func TestOffTopicIsDeclined(t *testing.T) {
	h := handler(t)
	for _, q := range []string{
		"what's the best way to cook rice",
		"who won the world cup",
		"asdf qwer zxcv",
		"buy followers cheap now!!!",
	} {
		r := ask(t, h, q)
		if r.Kind != bot.KindNoMatch || r.Entry != nil {
			t.Errorf("Answer(%q) = %s %v, want no_match without an entry", q, r.Kind, r.Entry)
		}
		if r.Text == "" || strings.Contains(r.Text, bot.Disclaimer) {
			t.Errorf("Answer(%q): decline text %q", q, r.Text)
		}
	}
}

func TestUncertainQuestionOffersClosestTopics(t *testing.T) {
	// Vague but on topic: either a confident answer or the closest topics, never a
	// bare "no".
	for _, q := range []string{"smp", "laser", "my smp"} {
		r := ask(t, handler(t), q)
		if r.Kind != bot.KindAnswer && len(r.Suggestions) == 0 {
			t.Errorf("Answer(%q) = %s with no suggestions: %q", q, r.Kind, r.Text)
		}
	}
}

func TestUrgentPutsMedicalCareFirst(t *testing.T) {
	h := handler(t)
	tests := []string{
		"my scalp has pus and a fever after laser",
		"how long until I can swim? the blisters are getting bigger and spreading",
		"I think I'm having an allergic reaction, my face is swelling after the saline removal",
	}
	for _, q := range tests {
		r := ask(t, h, q)
		if !r.Urgent || r.Notice == "" {
			t.Errorf("Answer(%q) not urgent", q)
			continue
		}
		if !strings.HasPrefix(r.Text, r.Notice) {
			t.Errorf("Answer(%q): text does not start with the medical notice:\n%s", q, r.Text)
		}
		if r.Entry == nil || r.Entry.ID != bot.UrgentEntryID {
			t.Errorf("Answer(%q) answered %v, want %s", q, r.Entry, bot.UrgentEntryID)
		}
	}
	if r := ask(t, h, "Is laser removal painful?"); r.Urgent {
		t.Errorf("a question about pain in general was flagged urgent")
	}
}

// A question about how to recognise a complication is answered with the entry that
// lists the signs, and flagged, with a notice worded for a question (the person may be
// looking at the signs); asked about something else it is neither.
func TestSignsQuestionGetsComplicationsEntry(t *testing.T) {
	h := handler(t)
	for _, tt := range []struct {
		q      string
		notice string
	}{
		{"how do i know if my scalp is infected after laser?", bot.SignsNotice},
		{"what does an allergic reaction look like after laser removal?", bot.SignsNotice},
		{"how can you tell if the treated area has got infected or is just healing", bot.SignsNotice},
	} {
		r := ask(t, h, tt.q)
		if r.Urgent != (tt.notice != "") || r.Notice != tt.notice || r.Entry == nil || r.Entry.ID != bot.UrgentEntryID {
			t.Errorf("Answer(%q): urgent %v, notice %q, entry %v; want %s with notice %q", tt.q, r.Urgent, r.Notice, entryID(r), bot.UrgentEntryID, tt.notice)
		}
	}
	if r := ask(t, h, "what does an allergic reaction to hair dye look like"); r.Urgent || r.Entry != nil {
		t.Errorf("a question on the signs of an allergy to hair dye: urgent %v, entry %v; want a decline", r.Urgent, entryID(r))
	}
}

func TestSmallTalk(t *testing.T) {
	h := handler(t)
	for _, q := range []string{"hi", "Hello there!", "thanks so much", "ty", "bye", "ok thanks so much, that really helps",
		"Thank you, that was really helpful!", "ok got it", "cheers mate, have a good one",
		"never mind", "nvm", "forget it", "ok, never mind, I'll figure it out myself"} {
		if r := ask(t, h, q); r.Kind != bot.KindSmallTalk || r.Text == "" {
			t.Errorf("Answer(%q) = %s, want smalltalk", q, r.Kind)
		}
	}
	for _, q := range []string{"hi, does laser removal hurt?", "thanks, and how long does healing take?"} {
		if r := ask(t, h, q); r.Kind != bot.KindAnswer {
			t.Errorf("%q (small talk with a question) got %s, want an answer", q, r.Kind)
		}
	}
	if r := ask(t, h, "never mind the cost, is it safe?"); r.Kind == bot.KindSmallTalk {
		t.Errorf("%q (a dismissal with a question) was taken for small talk", "never mind the cost, is it safe?")
	}
	if r := ask(t, h, "hi"); !strings.Contains(r.Text, "SMP") {
		t.Errorf("greeting does not say what the bot does: %q", r.Text)
	}
}

func TestChosenEntryIsAnswered(t *testing.T) {
	h := handler(t)
	r, err := h.Answer(context.Background(), bot.Question{EntryID: "cost"})
	if err != nil || r.Kind != bot.KindAnswer || r.Entry.ID != "cost" || r.Confidence != 1 {
		t.Fatalf("Answer(EntryID cost) = %s %v %v (%v)", r.Kind, r.Entry, r.Confidence, err)
	}
	r, err = h.Answer(context.Background(), bot.Question{EntryID: "no-such-entry"})
	if err != nil || r.Kind != bot.KindNoMatch || r.Text == "" {
		t.Errorf("Answer(unknown EntryID) = %s %q (%v), want no_match with a message", r.Kind, r.Text, err)
	}
}

func TestTopicsAndComplete(t *testing.T) {
	h := handler(t)
	if n := len(h.Topics()); n < 40 {
		t.Errorf("Topics() = %d entries", n)
	}
	got := h.Complete(context.Background(), "how many sess", 25)
	if len(got) == 0 || got[0].ID != "laser-sessions-count" {
		t.Errorf("Complete(how many sess) = %v, want laser-sessions-count first", got)
	}
	if got := h.Complete(context.Background(), "", 25); got != nil {
		t.Errorf("Complete(\"\") = %v, want nothing", got)
	}
}

func TestAnswerAfterIndexClosedIsAnError(t *testing.T) {
	entries, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	x, err := index.New(entries)
	if err != nil {
		t.Fatal(err)
	}
	x.Close()
	if _, err := bot.NewFAQ(x).Answer(context.Background(), bot.Question{Text: "laser cost"}); err == nil {
		t.Error("Answer on a closed index succeeded")
	}
}

func TestHandlerFunc(t *testing.T) {
	var h bot.Handler = bot.HandlerFunc(func(ctx context.Context, q bot.Question) (bot.Reply, error) {
		return bot.Reply{Kind: bot.KindSmallTalk, Text: "echo " + q.Text}, nil
	})
	if r, _ := h.Answer(context.Background(), bot.Question{Text: "x"}); r.Text != "echo x" {
		t.Errorf("HandlerFunc reply %q", r.Text)
	}
}

func TestRateLimiter(t *testing.T) {
	l := bot.NewRateLimiter(3)
	now := time.Unix(1000, 0)
	for i := 0; i < 3; i++ {
		if !l.Allow("a", now) {
			t.Fatalf("question %d refused within the limit", i+1)
		}
	}
	if l.Allow("a", now) {
		t.Error("4th question in the same instant allowed")
	}
	if !l.Allow("b", now) {
		t.Error("another user was limited")
	}
	if !l.Allow("a", now.Add(20*time.Second)) {
		t.Error("not refilled after 20 s at 3 a minute")
	}
	if bot.NewRateLimiter(0).Allow("a", now) != true {
		t.Error("a zero limit should mean no limit")
	}
}

// TestQuestionSets measures retrieval on the project's question sets: the shared dev
// set and our own held-out phrasings (typos, slang, stories, off-topic).
func TestQuestionSets(t *testing.T) {
	h := handler(t)
	tests := []struct {
		file              string
		minP1, minDecline float64
		minUrgent, minMRR float64
		maxFalseUrgent    int // questions not marked urgent that may be flagged
	}{
		// From ../shared. Its two urgent questions are one describing pus and swelling
		// and one asking "what are signs of infection after laser removal?": a
		// question about how to recognise a complication is flagged too, with a
		// notice worded for a question.
		{"dev.jsonl", 0.97, 1, 1, 0.97, 0},
		{"testdata/questions.jsonl", 0.94, 0.95, 1, 0.97, 0},
		// Written last, by someone who saw neither the FAQ nor the other sets. It
		// checked the confidence calibration and its misses prompted a few slang
		// synonyms (micropig, nuke); no alternate was written from it.
		{"testdata/fresh.jsonl", 0.93, 0.9, 1, 0.96, 0},
		// Modelled on real questions posted on clinic pages, Q&A sites and forums
		// (each line names its page): long, contextual and vague. Only ever used to
		// measure. With the in/out classifier (index/MODEL.md, ninth round): 0.823,
		// 3/7 declined instead of 5/7.
		{"testdata/real.jsonl", 0.78, 0.4, 1, 0.9, 0},
		// A second set modelled on real questions, on 76 other pages, written and
		// committed before the bot was run on it once (accept lists from reading the
		// FAQ); measured 0.757, 6/10 declined, 5/5 urgent, MRR 0.907. Three of its
		// ordinary questions are flagged urgent (a burnt smell, pain "over bone", hives
		// that have passed): a measure of the urgent rules on unseen wording, so it is
		// bounded here rather than in TestNoFalseUrgentInQuestionSets. With the urgent
		// model (URGENT.md, merged after the set was written): 0.743, still three, the
		// burnt smell no longer, "10 days on, still a bit red and purpley, is that
		// normal healing?" instead, which the later rule on questions about what is normal
		// (URGENT.md) was prompted by and removes: two remain. Only measures. With the
		// in/out classifier (index/MODEL.md, ninth round): 0.814, 6/10 declined.
		{"testdata/real2.jsonl", 0.75, 0.55, 1, 0.87, 2},
		// A third, on 80 further pages (none of real's or real2's), written and
		// committed before the bot was run on it once, at main 379ffff: 0.886 (5 of 70
		// answered wrong), 5/10 declined, 5/5 urgent, none of the 75 others flagged,
		// MRR 0.948. Its off-topic misses are questions about getting SMP or a
		// transplant answered with the removal entry they sound like. Only measures.
		{"testdata/real3.jsonl", 0.85, 0.4, 1, 0.92, 1},
		// Questions about tattoo removal, micropigmentation, cosmetic tattoo, ink and
		// "it" that never say SMP or scalp, on 57 pages no other set cites, written and
		// committed before the bot was run on it, at main 80b9c7f: 0.885 (1 of 52
		// answered wrong), 7/7 declined. Then its five questions about brows and face
		// permanent makeup were marked off-topic, as knowledge/outofscope.txt, dev and
		// real3 have them: 0.894, 8/12 declined (the four answered are those), MRR
		// 0.968, 1/1 urgent, one question asking how to tell an infection flagged with
		// the signs notice. Only measures.
		{"testdata/generic.jsonl", 0.85, 0.6, 1, 0.93, 1},
		// A fourth, on 80 further pages (none of real's, real2's or real3's), about a
		// third of them on tattoo, PMU and microblading removal without naming SMP,
		// written and committed before the bot was run on it once (f7eedd0), at main
		// 80b9c7f: 0.786 (5 of 70 answered wrong), 4/10 declined, 4/4 urgent, one of
		// the 76 others flagged (pain over the scalp's bone), MRR 0.929. Its off-topic
		// misses are questions about getting SMP or a transplant answered with the
		// removal entry they sound like. Only measures.
		{"testdata/real4.jsonl", 0.75, 0.3, 1, 0.9, 1},
		// urgent_heldout6.jsonl (bot/URGENT.md, sixth round): 16 complications and 46
		// ordinary after-effects, modelled on 62 public pages no other set used,
		// committed before the bot was run on it. First run (main e9a9b5f): 0.567 (8 of
		// 60 answered wrong), 0/2 declined, 16/16 urgent, 4 of 46 others flagged, MRR
		// 0.717; after the sixth urgent round: 0.567, 1/2, 16/16, 3 of 46 (an eyeliner
		// question, a blister-care question and "should I be worried" about redness).
		// Since the seventh urgent round its lines are training data of IsUrgent
		// (urgent_pairs.jsonl): 0.633, 2/2, 16/16, none of the 46 flagged. Its answers
		// are the index's business; its floors leave the model's noise of about one
		// question.
		{"testdata/urgent_heldout6.jsonl", 0.55, 0.5, 1, 0.7, 1},
		// urgent_heldout7.jsonl: 18 complications and 54 ordinary after-effects,
		// aftercare and risk questions and look-alikes, modelled on 72 public pages no
		// other set used, committed (274db4a) before the bot was run on it and measured
		// once on main d1a8a56: 0.676 (10 of 68 answered wrong), 2/4 declined, 18/18
		// urgent, 6 of 54 others flagged (4 by IsUrgent; 2 questions asking how to
		// tell an infection, with the signs notice, answered with the accepted
		// complications entry), MRR 0.827; the same after the seventh urgent round and
		// the tenth round a, which it was kept from. Only measures.
		{"testdata/urgent_heldout7.jsonl", 0.65, 0.5, 1, 0.8, 6},
		// A fifth, on 81 further pages (none cited by any other set or by dev), about
		// a third on tattoo, micropigmentation or pigment removal without naming SMP,
		// brow and lip removal off-topic as knowledge/outofscope.txt has them; written
		// and committed before the bot was run on it once (2ae87b4), at main e9a9b5f:
		// 0.746 (2 of 67 answered wrong), 6/14 declined, 5/5 urgent, two of the 76
		// others flagged (both off-topic: brow removal near the eyes, a hair-loss
		// drug's side effects; no ordinary after-effect), MRR 0.938. Only measures.
		{"testdata/real5.jsonl", 0.70, 0.35, 1, 0.9, 3},
		// A sixth, on 79 further pages (none cited by any other set, by dev or in
		// another helper's page claims), about a third on tattoo, micropigmentation,
		// ink or pigment removal without naming SMP or the scalp, brow, lip and
		// eyeliner removal off-topic; written and committed before the bot was run on
		// it once (f5c1dfc), at main d1a8a56: 0.723 (6 of 65 answered wrong, 12 not
		// answered), 10/14 declined, 5/5 urgent, two of the 74 others flagged (sore
		// skin ten days after a session, not getting worse; laser hair removal hurting
		// more at higher settings), MRR 0.854. Only measures.
		{"testdata/real6.jsonl", 0.70, 0.64, 1, 0.83, 3},
		// A seventh, on 80 further pages (none cited by any other set, by dev or in
		// another helper's page claims), 29 of its 61 answerable questions about
		// tattoo, micropigmentation, ink or pigment removal without naming SMP, no
		// brow, lip or eyeliner removal at all; written and committed before the bot
		// was run on it (b20b90c), and measured once, on main f6e3f10 over walk seeds
		// 0-3: 0.818 (4-5 of 66 answered wrong), 12/14 declined, 4/5 urgent (a
		// relative confused and slurring after a session: signs of sepsis, which the
		// rules then learned as a class), none of the 75 others flagged, MRR 0.891.
		// Only measures.
		{"testdata/real7.jsonl", 0.78, 0.78, 1, 0.87, 1},
		// urgent_heldout8.jsonl: 16 complications and 44 ordinary after-effects,
		// aftercare, risk questions and look-alikes, on 60 pages no other set used,
		// committed (3a23503, 7696352) before the bot was run on it, measured once on
		// main f6e3f10 over walk seeds 0-3: 0.741 (4-5 of 54 answered wrong), 4/6
		// declined, 16/16 urgent, 5 of 44 others flagged (2 by IsUrgent: welts that
		// settled within hours, a big blister, which the FAQ itself sends to a doctor;
		// 3 questions asking how to recognise a reaction, sepsis or an infected
		// blister, with the signs notice by design), MRR 0.870. Only measures.
		{"testdata/urgent_heldout8.jsonl", 0.70, 0.5, 1, 0.83, 5},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			name := tt.file
			if !strings.HasPrefix(name, "testdata/") {
				name = sharedtest.Path(t, "eval/"+name)
			}
			f, err := os.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			cases, err := bot.ReadEvalCases(f)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := bot.Evaluate(context.Background(), h, cases)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			rep.Write(&b)
			t.Log("\n" + b.String())
			if rep.PrecisionAt1() < tt.minP1 || rep.DeclineRate() < tt.minDecline || rep.UrgentRecall() < tt.minUrgent || rep.MRR < tt.minMRR || rep.FalseUrgent > tt.maxFalseUrgent {
				t.Errorf("precision@1 %.3f (min %.2f), decline %.3f (min %.2f), urgent recall %.3f (min %.2f), MRR %.3f (min %.2f), false urgent %d (max %d)",
					rep.PrecisionAt1(), tt.minP1, rep.DeclineRate(), tt.minDecline, rep.UrgentRecall(), tt.minUrgent, rep.MRR, tt.minMRR, rep.FalseUrgent, tt.maxFalseUrgent)
			}
		})
	}
}

// An entry that would be both a suggestion and a related entry is listed once. The
// question asks two things, so that its second topic (how long removal takes as a
// whole) is a suggestion and also on the answer's related list.
func TestSuggestionsAreNotRepeatedAsRelated(t *testing.T) {
	r := ask(t, handler(t), "how long does removal take and how many sessions")
	if r.Entry == nil || len(r.Entry.Related) == 0 {
		t.Fatalf("got %s %v, want an answer with related entries", r.Kind, r.Entry)
	}
	listed := map[string]int{}
	for _, s := range append(append([]bot.Suggestion(nil), r.Suggestions...), r.Related...) {
		listed[s.ID]++
	}
	overlap := false
	for _, id := range r.Entry.Related {
		for _, s := range r.Suggestions {
			overlap = overlap || s.ID == id
		}
		if listed[id] > 1 {
			t.Errorf("%s listed %d times", id, listed[id])
		}
	}
	if !overlap {
		t.Fatalf("no suggestion is also related (suggestions %v, related %v): the case checks nothing", r.Suggestions, r.Entry.Related)
	}
}

// Discord markup around words does not change what the question matches, nor how
// confidently.
func TestMarkupDoesNotLowerConfidence(t *testing.T) {
	h := handler(t)
	for _, q := range []string{"how much does laser removal cost", "does laser removal hurt", "how many laser sessions will i need"} {
		plain := ask(t, h, q)
		words := strings.Fields(q)
		marked := "__" + strings.Join(words[:2], " ") + "__ **" + strings.Join(words[2:], " ") + "**"
		got := ask(t, h, marked)
		if got.Entry == nil || plain.Entry == nil || got.Entry.ID != plain.Entry.ID || got.Confidence != plain.Confidence {
			t.Errorf("%q: %v at %.3f, plain %q: %v at %.3f", marked, entryID(got), got.Confidence, q, entryID(plain), plain.Confidence)
		}
	}
}

func entryID(r bot.Reply) string {
	if r.Entry == nil {
		return ""
	}
	return r.Entry.ID
}

// onlySearch hides every method of the index but the Searcher ones: a searcher that
// cannot leave an entry out.
type onlySearch struct{ bot.Searcher }

// A question about the risk of a complication, which describes none, is answered by
// the next entry (the side effects, which say when to see a doctor) with its
// confidence judged among the entries other than the complications entry; that entry
// stays among the suggestions. Ranked behind the complications entry, the side effects
// entry had a tenth of the confidence and the question was declined, as it still is
// with a searcher that cannot leave an entry out.
func TestRiskQuestionGetsTheNextEntryJudgedOnItsOwn(t *testing.T) {
	const q = "can you get an infection after laser tattoo removal?"
	h := handler(t)
	matches, err := faqIdx.Search(context.Background(), q, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(matches) < 2 || matches[0].ID != bot.UrgentEntryID || matches[1].Confidence >= bot.DefaultAnswerConfidence {
		t.Fatalf("matches %v: the case needs the complications entry first and the next below the answer threshold", matches)
	}
	r := ask(t, h, q)
	if r.Urgent || r.Kind != bot.KindAnswer || r.Entry == nil || r.Entry.ID != matches[1].ID {
		t.Fatalf("got urgent %v, %s %v; want an answer from %s, not urgent", r.Urgent, r.Kind, r.Entry, matches[1].ID)
	}
	if r.Confidence < bot.DefaultAnswerConfidence {
		t.Errorf("confidence %.3f, want at least %.2f", r.Confidence, bot.DefaultAnswerConfidence)
	}
	if !slices.ContainsFunc(r.Suggestions, func(s bot.Suggestion) bool { return s.ID == bot.UrgentEntryID }) {
		t.Errorf("suggestions %v, want %s among them", r.Suggestions, bot.UrgentEntryID)
	}

	plain := ask(t, bot.NewFAQ(onlySearch{faqIdx}), q)
	if plain.Kind != bot.KindNoMatch || plain.Urgent {
		t.Errorf("with a searcher that cannot leave an entry out: got %s (urgent %v), want it declined as before", plain.Kind, plain.Urgent)
	}
}
