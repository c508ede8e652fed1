package bot_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/index"
	"github.com/smpbot/smpbot/knowledge"
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

func TestSmallTalk(t *testing.T) {
	h := handler(t)
	for _, q := range []string{"hi", "Hello there!", "thanks so much", "ty", "bye", "ok thanks so much, that really helps",
		"Thank you, that was really helpful!", "ok got it", "cheers mate, have a good one"} {
		if r := ask(t, h, q); r.Kind != bot.KindSmallTalk || r.Text == "" {
			t.Errorf("Answer(%q) = %s, want smalltalk", q, r.Kind)
		}
	}
	for _, q := range []string{"hi, does laser removal hurt?", "thanks, and how long does healing take?"} {
		if r := ask(t, h, q); r.Kind != bot.KindAnswer {
			t.Errorf("%q (small talk with a question) got %s, want an answer", q, r.Kind)
		}
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
	}{
		{"../../shared/eval/dev.jsonl", 0.95, 1, 1, 0.95},
		{"testdata/questions.jsonl", 0.88, 0.9, 1, 0.93},
		// Written last, by someone who saw neither the FAQ nor the other sets. It
		// checked the confidence calibration and its misses prompted a few slang
		// synonyms (micropig, nuke); no alternate was written from it.
		{"testdata/fresh.jsonl", 0.85, 0.9, 1, 0.92},
		// Modelled on real questions posted on clinic pages, Q&A sites and forums
		// (each line names its page): long, contextual and vague. Only ever used to
		// measure.
		{"testdata/real.jsonl", 0.66, 0.25, 1, 0.73},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(tt.file)
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
			if rep.PrecisionAt1() < tt.minP1 || rep.DeclineRate() < tt.minDecline || rep.UrgentRecall() < tt.minUrgent || rep.MRR < tt.minMRR {
				t.Errorf("precision@1 %.3f (min %.2f), decline %.3f (min %.2f), urgent recall %.3f (min %.2f), MRR %.3f (min %.2f)",
					rep.PrecisionAt1(), tt.minP1, rep.DeclineRate(), tt.minDecline, rep.UrgentRecall(), tt.minUrgent, rep.MRR, tt.minMRR)
			}
		})
	}
}

// An entry that would be both a suggestion and a related entry is listed once. The
// question is one whose suggestions (timeline, healing) are also on the answer's
// related list.
func TestSuggestionsAreNotRepeatedAsRelated(t *testing.T) {
	r := ask(t, handler(t), "how long between laser sessions?")
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

// evalSets are the question sets that measure the bot; none of their questions may be
// an FAQ alternate, or the measure would only check that the index finds its own text.
var evalSets = []string{
	"../../shared/eval/dev.jsonl",
	"testdata/questions.jsonl",
	"testdata/fresh.jsonl",
	"testdata/real.jsonl",
	"testdata/urgent_pairs.jsonl",
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
	for _, file := range evalSets {
		cases, err := readSet(file)
		if errors.Is(err, fs.ErrNotExist) && strings.HasPrefix(file, "../../shared/") && os.Getenv("SMPBOT_REQUIRE_SHARED") != "1" {
			t.Logf("%s absent (no ../shared beside the checkout): not checked", file)
			continue
		}
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
// typos, negation, the past, questions about risk and about what is normal. Every
// complication is flagged and answered with the complications entry; no ordinary
// question is flagged, and most get an entry that answers them.
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
			if !r.Urgent || r.Entry == nil || r.Entry.ID != bot.UrgentEntryID || !strings.HasPrefix(r.Text, bot.UrgentNotice) {
				t.Errorf("%q: urgent %v, entry %v; want the medical notice first and %s", c.Q, r.Urgent, r.Entry, bot.UrgentEntryID)
			}
			continue
		}
		ordinary++
		if r.Urgent || bot.IsUrgent(c.Q) {
			t.Errorf("%q was flagged urgent", c.Q)
		}
		if r.Entry != nil && slices.Contains(c.Accept, r.Entry.ID) {
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
		t.Errorf("%d of %d ordinary questions answered with an accepted entry, want at least %d", answered, ordinary, min)
	}
	t.Logf("%d urgent flagged; %d ordinary not flagged, %d of them answered with an accepted entry", urgent, ordinary, answered)
}

// A question in another language is told, in English and in its language, that the
// bot answers in English only; topics are still offered, in English.
func TestOtherLanguageIsToldEnglishOnly(t *testing.T) {
	h := handler(t)
	tests := []struct {
		q, lang, native string
	}{
		{"¿Cuántas sesiones de láser necesito para quitar la micropigmentación capilar?", "Spanish", "solo respondo en inglés"},
		{"Quanto custa remover a micropigmentação capilar com laser?", "Portuguese", "só respondo em inglês"},
		{"Сколько сеансов лазера нужно, чтобы удалить микропигментацию?", "Russian", "только на английском"},
		{"Wie viele Laser-Sitzungen brauche ich, um die Kopfhautpigmentierung zu entfernen?", "German", "nur auf Englisch"},
		{"Combien de séances de laser faut-il pour enlever la micropigmentation du cuir chevelu ?", "French", "qu'en anglais"},
	}
	for _, tt := range tests {
		r := ask(t, h, tt.q)
		if r.Kind != bot.KindNoMatch || r.Entry != nil {
			t.Errorf("%q: %s %v, want no answer", tt.q, r.Kind, r.Entry)
		}
		for _, want := range []string{"only understand and answer questions in English", tt.lang + ":", tt.native} {
			if !strings.Contains(r.Text, want) {
				t.Errorf("%q: reply lacks %q:\n%s", tt.q, want, r.Text)
			}
		}
	}
	// English, with a foreign word or two, and short foreign greetings are not told.
	for _, q := range []string{"how much is laser, mi ingles es malo", "hola", "is the laser session de-pigmentation painful?",
		"que sera sera, how long does healing take?"} {
		if r := ask(t, h, q); strings.Contains(r.Text, "only understand") {
			t.Errorf("%q was taken for another language:\n%s", q, r.Text)
		}
	}
}

// A confident answer ends with one short list of at most three follow-ups under one
// heading, never a "Did you mean" over a second "Related" list: on a phone that made
// 25 to 45 lines of an answer.
func TestAnswerHasOneShortListOfFollowUps(t *testing.T) {
	h := handler(t)
	questions := []string{"my scalp has pus and a fever, also how much does removal cost?", "how long between laser sessions?"}
	for _, e := range h.Topics() {
		questions = append(questions, e.Question)
	}
	for _, q := range questions {
		r := ask(t, h, q)
		if r.Kind != bot.KindAnswer {
			continue
		}
		follow := bot.FollowUps(r)
		if len(follow) > 3 || len(r.Suggestions) > 1 {
			t.Errorf("%q: %d follow-ups (%d suggestions), want at most 3 (1)", q, len(follow), len(r.Suggestions))
		}
		text := bot.PlainText(r, true)
		if strings.Contains(text, "Did you mean") || strings.Contains(text, "\nRelated:") {
			t.Errorf("%q: a second list heading:\n%s", q, text)
		}
		if want := min(1, len(follow)); strings.Count(text, bot.FollowUpsHeading) != want {
			t.Errorf("%q: %d list headings, want %d", q, strings.Count(text, bot.FollowUpsHeading), want)
		}
		if _, list, _ := strings.Cut(text, bot.FollowUpsHeading); strings.Count(strings.TrimSpace(list), "\n") > 2 {
			t.Errorf("%q: the list under the answer is %d lines:%s", q, strings.Count(list, "\n"), list)
		}
		seen := map[string]bool{r.Entry.ID: true}
		for _, s := range follow {
			if seen[s.ID] {
				t.Errorf("%q: %s offered twice or as the answer itself", q, s.ID)
			}
			seen[s.ID] = true
		}
	}
	// What else an urgent message asked comes first.
	r := ask(t, h, questions[0])
	if f := bot.FollowUps(r); r.Entry == nil || r.Entry.ID != bot.UrgentEntryID || len(f) == 0 || f[0].ID != "cost" {
		t.Errorf("urgent with a cost question: answered %v, follow-ups %v; want %s then cost first", r.Entry, f, bot.UrgentEntryID)
	}
}

// The answer about the bot says whose FAQ it is in a way that is true where it is
// asked: in a chat, its moderators; in the console, whoever runs it.
func TestAboutBotFitsThePlatform(t *testing.T) {
	h := handler(t)
	for _, tt := range []struct {
		platform string
		local    bool
	}{{"discord", false}, {"telegram", false}, {"console", true}, {"cli", true}} {
		r, err := h.Answer(context.Background(), bot.Question{Text: "who are you?", Platform: tt.platform, User: "u"})
		if err != nil || r.Entry == nil || r.Entry.ID != bot.AboutEntryID {
			t.Fatalf("%s: %v %v, want %s", tt.platform, r.Entry, err, bot.AboutEntryID)
		}
		if strings.Contains(r.Text, "server") {
			t.Errorf("%s: the answer speaks of a server:\n%s", tt.platform, r.Text)
		}
		if local := strings.Contains(r.Text, "smpbot faq"); local != tt.local {
			t.Errorf("%s: says how to edit the local FAQ %v, want %v:\n%s", tt.platform, local, tt.local, r.Text)
		}
	}
	// The entry itself is not changed for everyone.
	if e, _ := faqIdx.Entry(bot.AboutEntryID); slices.ContainsFunc(e.Caveats, func(c string) bool { return strings.Contains(c, "smpbot faq") }) {
		t.Error("the console note was added to the shared entry")
	}
}
