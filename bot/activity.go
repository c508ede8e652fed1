package bot

import (
	"context"
	"time"
)

// Activity is what the moderators' web console draws of the question log over time.
// The SQLite question log (bot/sqlitelog) implements it beside Reports.
type Activity interface {
	// Outcomes counts the questions people typed on each of the last days days (UTC),
	// oldest first, one element per day even when nothing was asked.
	Outcomes(ctx context.Context, days int) ([]DayOutcomes, error)
	// FeedbackByWeek counts Helpful and Not helpful presses in each week (from Monday,
	// UTC) of the last weeks weeks, oldest first, one element per week.
	FeedbackByWeek(ctx context.Context, weeks int) ([]WeekFeedback, error)
	// NotHelpfulAnswers returns the answers pressed Not helpful in the last days days,
	// whose question text is still kept, most recently pressed first.
	NotHelpfulAnswers(ctx context.Context, days int) ([]RatedAnswer, error)
}

// DayOutcomes counts one day's questions by how the bot replied. Small talk and
// suggestion buttons are not counted.
type DayOutcomes struct {
	Day           string // YYYY-MM-DD
	Answered      int    // answered with an entry, confidently
	LowConfidence int    // answered, below the question log's low-confidence line
	Offered       int    // declined, closest topics offered
	Declined      int    // declined with nothing to offer
	Urgent        int    // of all these, flagged urgent (answered with the see-a-doctor notice first)
}

// Total is the number of questions of the day.
func (d DayOutcomes) Total() int { return d.Answered + d.LowConfidence + d.Offered + d.Declined }

// Unanswered is the number of questions the bot could not answer well.
func (d DayOutcomes) Unanswered() int { return d.LowConfidence + d.Offered + d.Declined }

// WeekFeedback counts one week's feedback presses.
type WeekFeedback struct {
	Week       string // the Monday, YYYY-MM-DD
	Helpful    int
	NotHelpful int
}

// RatedAnswer is an answer someone pressed Not helpful on.
type RatedAnswer struct {
	AnswerID string // the Reply.ID
	Question string
	EntryID  string
	Presses  int       // how many people pressed Not helpful
	Last     time.Time // the latest press
}
