package bot

import (
	"context"
	"time"
)

// Reports is what moderators see of the question log.
type Reports interface {
	// Unanswered returns declined and low-confidence questions of the last days days,
	// near-duplicates grouped together, most frequent first.
	Unanswered(ctx context.Context, days int) ([]UnansweredGroup, error)
	// Stats sums up the last days days.
	Stats(ctx context.Context, days int) (Stats, error)
	// Suggestions returns the open proposals of new alternate phrasings.
	Suggestions(ctx context.Context) ([]PhrasingSuggestion, error)
	// ResolveSuggestion marks a proposal accepted or rejected and returns it. Accepting
	// only records the decision: the caller adds the phrasing through Moderation.
	ResolveSuggestion(ctx context.Context, id int64, accept bool) (PhrasingSuggestion, error)
}

// UnansweredGroup is a set of near-identical questions the bot could not answer well.
type UnansweredGroup struct {
	Question  string   // the most common wording
	Count     int      // how many times it (or a near-duplicate) was asked
	Examples  []string // other wordings, a few at most
	Closest   string   // the entry id the bot came closest to, if any
	LastAsked time.Time
}

// Stats are counts over a period.
type Stats struct {
	Days       int
	PerDay     []DayCount   // questions per day and platform
	Asked      int          // all questions
	Answered   int          // of which answered with an entry
	TopEntries []EntryStats // most answered first
	// NotHelpful lists entries marked not helpful at least as often as helpful.
	NotHelpful []EntryStats
	Lost       int64 // records the log could not store (database unavailable)
	// Urgent counts the questions flagged urgent (answered with the see-a-doctor notice
	// first), recorded since the question log learnt to keep the flag.
	Urgent int
}

// DayCount is the number of questions on one day from one platform.
type DayCount struct {
	Day      string // YYYY-MM-DD
	Platform string
	Count    int
}

// EntryStats are the answers and feedback of one entry.
type EntryStats struct {
	EntryID    string
	Answers    int
	Helpful    int
	NotHelpful int
}

// PhrasingSuggestion proposes Question as a new alternate of EntryID.
type PhrasingSuggestion struct {
	ID       int64
	EntryID  string
	Question string
	Reason   string // "chose-suggestion" or "matches-after-edit"
	Count    int    // how many times it was asked
	Status   string // "open", "accepted", "rejected"
}
