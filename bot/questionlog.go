package bot

import (
	"context"
	"errors"
	"time"
)

// ErrUnknownReply is returned by QuestionLog.Feedback for a reply the log does not
// hold (a forged or mistyped button, or a reply whose record was lost): feedback on it
// could not count for anything, so it is refused rather than stored.
var ErrUnknownReply = errors.New("feedback for a reply that is not in the question log")

// ErrLogUnavailable is returned by a question log on a database server, for what it
// does not queue (reports, resolving suggestions, purges), while the database does not
// answer: try again when it is back.
var ErrLogUnavailable = errors.New("question log database unreachable")

// QuestionLog keeps what people asked, how the bot replied and what they thought of
// it, so moderators can see where the FAQ fails. Implementations hash user ids with a
// per-installation key before storing them and keep question texts only for their
// retention period. The SQLite implementation is in bot/sqlitelog.
type QuestionLog interface {
	// Record stores one question and its reply.
	Record(ctx context.Context, a Asked) error
	// Feedback stores a person's judgement of an answer, once per person and answer: a
	// second press replaces the first. Feedback on a reply the log does not hold fails
	// with ErrUnknownReply.
	Feedback(ctx context.Context, f Feedback) error
}

// Asked is one question and the reply it got.
type Asked struct {
	ID          string // the Reply.ID
	Time        time.Time
	Platform    string
	User        string // the platform's raw id; the log stores only a keyed hash of it
	Chat        string
	Question    string // the cleaned text
	Kind        Kind
	EntryID     string
	Confidence  float64
	Suggestions []string // entry ids offered
	Latency     time.Duration
	// FromAnswer is the earlier reply whose suggestion the person chose, if any.
	FromAnswer string
	// Urgent: the message described symptoms of a complication (Reply.Urgent).
	Urgent bool
}

// Feedback is a Helpful / Not helpful press on an answer.
type Feedback struct {
	AnswerID string
	Platform string
	User     string
	Helpful  bool
	Time     time.Time
}

// FeedbackRecorder takes feedback on answers. Adapters show Helpful / Not helpful
// buttons only when their handler implements it.
type FeedbackRecorder interface {
	RecordFeedback(ctx context.Context, f Feedback) error
}
