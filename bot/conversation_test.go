package bot_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/smpbot/smpbot/bot"
)

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
