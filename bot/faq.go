package bot

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/smpbot/smpbot/index"
	"github.com/smpbot/smpbot/knowledge"
)

// Searcher finds FAQ entries for a text. *index.Index implements it; Search must be safe
// for concurrent use and see an edited FAQ as soon as the edit is indexed.
type Searcher interface {
	// Search returns up to n matches, most confident first.
	Search(ctx context.Context, text string, n int) ([]index.Match, error)
	// Entry returns the entry with the id, if there is one.
	Entry(id string) (knowledge.Entry, bool)
	// Entries returns every entry.
	Entries() []knowledge.Entry
}

var _ Searcher = (*index.Index)(nil)

// ExcludingSearcher is a Searcher that can also search as if some entries were not
// there, each other entry's confidence judged among the rest. The handler uses it when
// a rule of its own rules the best match out; without it, the next match answers with
// the confidence it had as the runner-up.
type ExcludingSearcher interface {
	Searcher
	// SearchExcluding is Search without the entries whose ids are in exclude.
	SearchExcluding(ctx context.Context, text string, n int, exclude ...string) ([]index.Match, error)
}

var _ ExcludingSearcher = (*index.Index)(nil)

// Thresholds on index confidence. An answer needs AnswerConfidence; a weaker match is
// only offered as a suggestion, and only above SuggestConfidence.
const (
	DefaultAnswerConfidence  = 0.5
	DefaultSuggestConfidence = 0.2
	maxSuggestions           = 3
)

// Disclaimer goes with every answer.
const Disclaimer = "General information, not medical advice: for your own situation, talk to a doctor or a qualified laser professional."

// FAQ is the Handler that answers from a searchable FAQ.
type FAQ struct {
	search   Searcher
	log      *slog.Logger
	answerAt float64
	suggest  float64
	observe  []Observer
}

// Observer is told of every question answered, after the reply is made; it must be
// quick and must not block (metrics, logs).
type Observer interface {
	Observe(q Question, r Reply, took time.Duration)
}

// ObserverFunc adapts a function to the Observer interface.
type ObserverFunc func(q Question, r Reply, took time.Duration)

// Observe calls f(q, r, took).
func (f ObserverFunc) Observe(q Question, r Reply, took time.Duration) { f(q, r, took) }

// WithObserver adds an observer of every answer.
func WithObserver(o Observer) Option { return func(f *FAQ) { f.observe = append(f.observe, o) } }

var (
	_ Handler   = (*FAQ)(nil)
	_ Topics    = (*FAQ)(nil)
	_ Completer = (*FAQ)(nil)
)

// Option configures an FAQ handler.
type Option func(*FAQ)

// WithLogger sets the logger; the default discards.
func WithLogger(l *slog.Logger) Option { return func(f *FAQ) { f.log = l } }

// WithConfidence sets the confidence an answer needs and the one a suggestion needs.
func WithConfidence(answer, suggest float64) Option {
	return func(f *FAQ) { f.answerAt, f.suggest = answer, suggest }
}

// NewFAQ returns a handler answering from s.
func NewFAQ(s Searcher, opts ...Option) *FAQ {
	f := &FAQ{search: s, log: slog.New(slog.DiscardHandler), answerAt: DefaultAnswerConfidence, suggest: DefaultSuggestConfidence}
	for _, o := range opts {
		o(f)
	}
	urgentModel() // trained now (0.3-0.4 s, once per process), not on the first question
	return f
}

// Answer implements Handler.
func (f *FAQ) Answer(ctx context.Context, q Question) (Reply, error) {
	start := time.Now()
	r, err := f.reply(ctx, q)
	if err == nil {
		took := time.Since(start)
		for _, o := range f.observe {
			o.Observe(q, r, took)
		}
	}
	return r, err
}

func (f *FAQ) reply(ctx context.Context, q Question) (Reply, error) {
	r, err := f.replyTo(ctx, q)
	if err != nil || r.Entry == nil {
		return r, err
	}
	if r.Entry.ID == AboutEntryID {
		aboutHere(&r, q.Platform)
		return r, nil
	}
	// A chosen entry (a button, a menu) has no words of the person's to read.
	if q.EntryID == "" && inkWithoutSMP(r.Question) {
		r.ScopeNote = ScopeNote
		r.Text = PlainText(r, false)
	}
	return r, nil
}

// localNotes say, on a platform where nobody moderates from a chat, whose FAQ the bot
// answers from: there "this bot's moderators" are whoever runs it.
var localNotes = map[string]string{
	"console": localFAQ,
	"cli":     localFAQ,
}

const localFAQ = "Here the FAQ is the one built into smpbot, or the one in the --data directory if you gave one; " +
	"whoever runs smpbot keeps it up to date with `smpbot faq` or by editing its files."

// aboutHere adds to the answer about the bot what is true of the platform it is asked
// on.
func aboutHere(r *Reply, platform string) {
	note, ok := localNotes[platform]
	if !ok {
		return
	}
	e := *r.Entry
	e.Caveats = append(slices.Clip(e.Caveats), note)
	r.Entry = &e
	r.Text = PlainText(*r, false)
}

func (f *FAQ) replyTo(ctx context.Context, q Question) (Reply, error) {
	text := Clean(q.Text)
	r := Reply{Question: text}
	if q.EntryID != "" {
		e, ok := f.search.Entry(q.EntryID)
		if !ok {
			r.Kind = KindNoMatch
			r.Message = "That topic is no longer in the FAQ; it may have been removed by a moderator. Ask your question in your own words and I'll look again."
			r.Text = r.Message
			return r, nil
		}
		if r.Question == "" {
			r.Question = e.Question
		}
		f.answer(&r, e, 1, nil)
		return r, nil
	}
	if IsUrgent(text) {
		r.Urgent = true
		r.Notice = UrgentNotice
	}
	if !r.Urgent && signsAfterTreatment(text) {
		r.Urgent = true
		r.Notice = SignsNotice
	}
	if !r.Urgent && isAboutBot(text) {
		if e, ok := f.search.Entry(AboutEntryID); ok {
			f.answer(&r, e, 1, nil)
			return r, nil
		}
	}
	if !r.Urgent {
		switch smallTalk(text) {
		case greeting:
			return f.chat(r, helloText), nil
		case gratitude:
			return f.chat(r, thanksText), nil
		case farewell:
			return f.chat(r, byeText), nil
		case acknowledgement:
			return f.chat(r, ackText), nil
		case dismissal:
			return f.chat(r, dismissText), nil
		}
	}
	matches, err := f.search.Search(ctx, text, maxSuggestions+1)
	if err != nil {
		return Reply{}, fmt.Errorf("searching the FAQ: %w", err)
	}
	if lang, ok := DetectLanguage(text); ok && !r.Urgent {
		// The FAQ is in English: a match on a few shared words ("laser", "smp") is
		// no understanding of the question. Say so, in English and in the person's
		// language, and offer what came closest.
		f.decline(&r, matches)
		r.Message = englishOnly(lang)
		if len(r.Suggestions) > 0 {
			r.Message += "\n\nThese topics (in English) may be what you are looking for:"
		}
		r.Text = PlainText(r, false)
		return r, nil
	}
	if r.Urgent {
		// Medical care comes first: the complications entry answers, and whatever else
		// the message asked stays one tap away.
		if e, ok := f.search.Entry(UrgentEntryID); ok {
			f.answer(&r, e, 1, matches)
			return r, nil
		}
	}
	if !r.Urgent && len(matches) > 1 && matches[0].ID == UrgentEntryID && MentionsSymptom(text) {
		// The complications entry answers messages that describe a complication. A
		// question about ordinary after-effects, or about the risk of a complication,
		// is better answered by the next entry (the side effects, aftercare), which
		// says when to see a doctor; the complications entry stays among the follow-ups.
		// That entry took most of the confidence the candidates share, so the others
		// are judged again among themselves where the index can (a risk question
		// such as "can you get an infection after removal" was declined at 0.1 with
		// the side effects entry next).
		urgent := matches[0]
		if ex, ok := f.search.(ExcludingSearcher); ok {
			rest, err := ex.SearchExcluding(ctx, text, maxSuggestions+1, UrgentEntryID)
			if err != nil {
				return Reply{}, fmt.Errorf("searching the FAQ: %w", err)
			}
			if len(rest) > 0 {
				matches = append([]index.Match{rest[0], urgent}, rest[1:]...)
			}
		}
		if matches[0].ID == UrgentEntryID {
			matches[0], matches[1] = matches[1], matches[0]
		}
	}
	if len(matches) > 0 && matches[0].Confidence >= f.answerAt {
		e, ok := f.search.Entry(matches[0].ID)
		if ok {
			f.answer(&r, e, matches[0].Confidence, matches[1:])
			return r, nil
		}
	}
	f.decline(&r, matches)
	return r, nil
}

func (f *FAQ) chat(r Reply, msg string) Reply {
	r.Kind = KindSmallTalk
	r.Message = msg
	r.Text = msg
	return r
}

// maxFollowUps bounds the list under an answer: on a phone, a short answer with a
// long list of topics under it reads as a menu, not an answer.
const maxFollowUps = 3

// answer fills r with entry e and at most maxFollowUps follow-ups: the best other
// match, then the entries e lists as related.
func (f *FAQ) answer(r *Reply, e knowledge.Entry, confidence float64, others []index.Match) {
	r.Kind = KindAnswer
	r.Entry = &e
	r.Confidence = confidence
	r.Disclaimer = Disclaimer
	// The best other match comes first: what else an urgent message asked, or what
	// the question may have meant if the answer is not it.
	r.Candidates = f.candidates(others, e.ID)
	if len(r.Candidates) > 0 {
		r.Suggestions = r.Candidates[:1:1]
	}
	listed := map[string]bool{e.ID: true}
	for _, s := range r.Suggestions {
		listed[s.ID] = true
	}
	for _, id := range e.Related {
		if len(r.Suggestions)+len(r.Related) == maxFollowUps {
			break
		}
		// An entry already offered as a suggestion is not listed twice.
		if rel, ok := f.search.Entry(id); ok && !listed[id] {
			listed[id] = true
			r.Related = append(r.Related, Suggestion{rel.ID, rel.Question})
		}
	}
	r.Text = PlainText(*r, false)
}

// candidates are the matches other than the answer that clear the suggestion
// threshold, at most maxSuggestions.
func (f *FAQ) candidates(matches []index.Match, answer string) []Suggestion {
	var out []Suggestion
	for _, m := range matches {
		if m.ID != answer && m.Confidence >= f.suggest && len(out) < maxSuggestions {
			out = append(out, Suggestion{m.ID, m.Question})
		}
	}
	return out
}

// declineText begins a decline that has no topics to offer.
const declineText = "Sorry, I don't have a good answer to that. I only know about removing or fixing scalp micropigmentation (SMP): " +
	"laser and saline removal, cost, pain, healing, side effects, corrections."

func (f *FAQ) decline(r *Reply, matches []index.Match) {
	r.Kind = KindNoMatch
	if len(matches) > 0 {
		r.Confidence = matches[0].Confidence
	}
	r.Candidates = f.candidates(matches, "")
	r.Suggestions = slices.Clone(r.Candidates)
	// Whoever asks about a tattoo or permanent makeup without naming SMP is told what
	// the FAQ covers, and how far it helps them: other words would not.
	otherInk := inkWithoutSMP(r.Question)
	switch {
	case len(r.Suggestions) > 0 && otherInk:
		r.Message = "I'm not sure I have a good answer to that: this FAQ is about scalp micropigmentation (SMP). " +
			otherInkHint(r.Question) + " These topics come closest:"
	case len(r.Suggestions) > 0:
		r.Message = "I'm not sure I have a good answer to that. These topics from the FAQ come closest:"
	case otherInk:
		r.Message = declineText + " " + otherInkHint(r.Question) + " If it is about SMP or tattoo removal, try asking in other words, or ask for the list of topics."
	default:
		r.Message = declineText + " Try asking in other words, or ask for the list of topics."
	}
	r.Text = PlainText(*r, false)
}

// Topics implements Topics: every entry, in FAQ order.
func (f *FAQ) Topics() []Suggestion {
	es := f.search.Entries()
	out := make([]Suggestion, len(es))
	for i, e := range es {
		out[i] = Suggestion{e.ID, e.Question}
	}
	return out
}

// Complete implements Completer.
func (f *FAQ) Complete(ctx context.Context, partial string, n int) []Suggestion {
	text := Clean(partial)
	if text == "" {
		return nil
	}
	ms, err := f.search.Search(ctx, text, n)
	if err != nil {
		f.log.DebugContext(ctx, "completion search failed", "err", err)
		return nil
	}
	out := make([]Suggestion, 0, len(ms))
	for _, m := range ms {
		out = append(out, Suggestion{m.ID, m.Question})
	}
	return out
}

// FollowUpsHeading names the one short list under an answer.
const FollowUpsHeading = "Related questions:"

// FollowUps returns the entries offered with a reply, in the order they are shown:
// the suggestions, then the related entries. Under an answer they are one list of
// at most three, under FollowUpsHeading; under a decline, the closest topics.
func FollowUps(r Reply) []Suggestion {
	return append(append([]Suggestion(nil), r.Suggestions...), r.Related...)
}

// PlainText writes the reply as plain text: the urgent notice first, then the answer
// with what to keep in mind (Caveats), sources and the disclaimer, or the no-match
// message, then the entries offered with it, numbered from 1 when numbered is set so
// that a person can choose one by typing its number.
func PlainText(r Reply, numbered bool) string {
	var b strings.Builder
	n := 0
	item := func(s string) {
		n++
		if numbered {
			fmt.Fprintf(&b, "%d. %s\n", n, s)
			return
		}
		b.WriteString("- " + s + "\n")
	}
	if r.Notice != "" {
		b.WriteString(r.Notice)
		b.WriteString("\n\n")
	}
	if r.Entry != nil {
		e := r.Entry
		b.WriteString(e.Question)
		b.WriteString("\n\n")
		b.WriteString(e.Answer)
		b.WriteString("\n")
		if cs := Caveats(r); len(cs) > 0 {
			b.WriteString("\nKeep in mind:\n")
			for _, c := range cs {
				b.WriteString("- " + c + "\n")
			}
		}
		if len(e.Sources) > 0 {
			b.WriteString("\nSources:\n")
			for _, s := range e.Sources {
				b.WriteString("- " + s.Title + ": " + s.URL + "\n")
			}
		}
		b.WriteString("\n" + r.Disclaimer + "\n")
	} else {
		b.WriteString(r.Message + "\n")
	}
	if r.Entry != nil && len(r.Suggestions)+len(r.Related) > 0 {
		b.WriteString("\n" + FollowUpsHeading + "\n")
	}
	for _, s := range FollowUps(r) {
		item(s.Question)
	}
	return strings.TrimRight(b.String(), "\n")
}
