// Package bot owns the conversation: it cleans what people write, spots messages that
// describe a complication, answers small talk, and chooses between answering from the
// FAQ, offering the closest topics and declining, composing every answer with its
// caveats, sources and a not-medical-advice note.
//
// One Handler serves every platform; the adapters in bot/discord, bot/telegram and
// bot/console turn platform events into Questions and render the structured Reply.
package bot

import (
	"context"

	"github.com/smpbot/smpbot/knowledge"
)

// Question is one message to answer.
type Question struct {
	// Text is what the person wrote, as the platform delivered it; the handler cleans it.
	Text string
	// EntryID, when set, means the person chose an entry (a suggestion button, a menu):
	// that entry is answered without searching.
	EntryID string
	// Platform names where the question came from: "discord", "telegram", "console".
	Platform string
	// User and Chat are the platform's opaque ids of who asked and where.
	User string
	Chat string
	// FromAnswer, with EntryID, is the Reply.ID of the answer whose suggestion or
	// related button was pressed, so the question log can link the two.
	FromAnswer string
	// Preview marks a question asked only to compose choices (inline results while
	// someone types): it is answered as usual but not recorded, logged or counted.
	Preview bool
}

// Kind says what sort of reply the handler made.
type Kind string

// The kinds of Reply.
const (
	KindAnswer    Kind = "answer"    // an FAQ entry answers the question
	KindNoMatch   Kind = "no_match"  // nothing answers it well enough
	KindSmallTalk Kind = "smalltalk" // a greeting or thanks
)

// Suggestion points at an entry the person may want instead or next.
type Suggestion struct {
	ID       string `json:"id"`
	Question string `json:"question"`
}

// Reply is the handler's structured answer, for an adapter to render in its platform's
// idiom. Text holds the whole reply as plain text for platforms without formatting.
type Reply struct {
	// ID identifies this reply for feedback buttons; set by a Recorder, empty otherwise.
	ID   string
	Kind Kind
	// Question is the cleaned text that was answered.
	Question string
	// Entry is the answering entry when Kind is KindAnswer.
	Entry *knowledge.Entry
	// Confidence is how sure the handler is that Entry answers the question, 0 to 1.
	Confidence float64
	// Urgent is set when the message describes symptoms of a complication; Notice then
	// holds the medical-care message that every rendering must show first, never
	// behind a button.
	Urgent bool
	Notice string
	// Message is the body of a no-match or small-talk reply.
	Message string
	// Suggestions are other entries that may be what was meant: up to three closest
	// topics when the handler declines; under an answer, the best other match only
	// (for an urgent message, what else it asked).
	Suggestions []Suggestion
	// Related are entries the answering entry lists as worth reading next. Under an
	// answer, Suggestions and Related together are one list of at most three
	// follow-ups (see FollowUps and FollowUpsHeading).
	Related []Suggestion
	// Candidates are the other entries the search ranked closest, best first, above
	// the suggestion threshold (at most three), whether or not they are shown: what an
	// evaluation measures the ranking by. Adapters show Suggestions and Related.
	Candidates []Suggestion
	// ScopeNote, under an answer to a question that speaks of a tattoo,
	// micropigmentation, permanent makeup or ink without naming SMP or the scalp, is
	// the constant ScopeNote: how the FAQ, written for scalp micropigmentation,
	// carries over. Empty otherwise. Renderings show it after the answer, with what to
	// keep in mind (Caveats gives the order).
	ScopeNote string
	// Disclaimer is the one-line not-medical-advice note carried by every answer.
	Disclaimer string
	// Text is the full reply as plain text.
	Text string
}

// Handler answers questions. Answer must be safe to call from many goroutines. An error
// means no reply could be made at all (the index is closed, the context ended); a
// question the FAQ cannot answer is a Reply of KindNoMatch, not an error.
type Handler interface {
	Answer(ctx context.Context, q Question) (Reply, error)
}

// HandlerFunc adapts a function to the Handler interface.
type HandlerFunc func(ctx context.Context, q Question) (Reply, error)

// Answer calls f(ctx, q).
func (f HandlerFunc) Answer(ctx context.Context, q Question) (Reply, error) { return f(ctx, q) }

// Adapter connects a Handler to one chat platform.
type Adapter interface {
	// Run receives messages and answers them through h until ctx is done or the
	// platform fails beyond recovery. It returns nil after a clean stop.
	Run(ctx context.Context, h Handler) error
}

// Topics lists the FAQ's entries, for "/topics" and menus. A Handler that also
// implements Topics lets adapters show what the bot knows.
type Topics interface {
	Topics() []Suggestion
}

// Completer offers entries while a person is still typing (Discord autocomplete,
// Telegram inline mode). It must be fast and never fail loudly: no suggestions is a
// fine answer.
type Completer interface {
	Complete(ctx context.Context, partial string, n int) []Suggestion
}

// Connector is implemented by adapters that can tell whether they are connected to
// their platform right now; readiness checks use it.
type Connector interface {
	Connected() bool
}
