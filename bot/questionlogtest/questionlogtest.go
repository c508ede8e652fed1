// Package questionlogtest is the contract every question log meets (bot/sqlitelog,
// bot/pglog): one set of tests that each implementation's tests run against a real
// database of its kind.
package questionlogtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot"
)

// Log is what the contract exercises.
type Log interface {
	bot.QuestionLog
	bot.Reports
	bot.Activity
	bot.LossCounter
	UserHash(platform, user string) string
	Purge(ctx context.Context, olderThan time.Time) (int64, error)
	PurgeUser(ctx context.Context, platform, user string) (int64, error)
	RotateKey(ctx context.Context) (int64, error)
	Rescan(ctx context.Context, search func(ctx context.Context, text string) (string, float64, error)) (int, error)
}

// Opener opens an empty log for one test (closed by the test's cleanup), reading the
// time from now.
type Opener func(t *testing.T, now func() time.Time) Log

// Day0 is the contract's starting time.
var Day0 = time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)

// Clock is a settable time.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Set sets the time.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// Run runs the contract as subtests.
func Run(t *testing.T, open Opener) {
	for _, tc := range []struct {
		name string
		f    func(t *testing.T, l Log, c *Clock)
	}{
		{"Stats", stats},
		{"Outcomes", outcomes},
		{"RecordTwiceStoredOnce", recordTwice},
		{"FeedbackOncePerPerson", feedbackOnce},
		{"UnknownReplyRefused", unknownReply},
		{"Unanswered", unanswered},
		{"SuggestionFromChosenEntry", chosenSuggestion},
		{"Rescan", rescan},
		{"Purge", purge},
		{"PurgeUser", purgeUser},
		{"RotateKey", rotateKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Clock{t: Day0}
			tc.f(t, open(t, c.Now), c)
		})
	}
}

func at(days, hour int) time.Time {
	return Day0.AddDate(0, 0, days).Add(time.Duration(hour) * time.Hour)
}

func record(t *testing.T, l Log, as ...bot.Asked) {
	t.Helper()
	for _, a := range as {
		if a.Platform == "" {
			a.Platform = "telegram"
		}
		if a.User == "" {
			a.User = "u1"
		}
		if err := l.Record(context.Background(), a); err != nil {
			t.Fatal(err)
		}
	}
}

func feedback(t *testing.T, l Log, answer, user string, helpful bool, when time.Time) {
	t.Helper()
	if err := l.Feedback(context.Background(), bot.Feedback{AnswerID: answer, Platform: "telegram", User: user, Helpful: helpful, Time: when}); err != nil {
		t.Fatal(err)
	}
}

func stats(t *testing.T, l Log, c *Clock) {
	ctx := context.Background()
	c.Set(Day0.AddDate(0, 0, 2))
	for i, a := range []bot.Asked{
		{Time: at(-10, 0), Platform: "discord", Question: "too old", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 0.9, Urgent: true},
		{Time: at(0, 1), Platform: "discord", Question: "cost of laser removal", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 0.9},
		{Time: at(0, 2), Platform: "telegram", Question: "how much to remove smp", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 0.8},
		{Time: at(0, 3), Platform: "telegram", Question: "best pizza", Kind: bot.KindNoMatch},
		{Time: at(0, 4), Platform: "telegram", Question: "hello", Kind: bot.KindSmallTalk},
		{Time: at(1, 1), Platform: "telegram", Question: "does it hurt", Kind: bot.KindAnswer, EntryID: "laser-pain", Confidence: 0.7, Urgent: true},
		{Time: at(1, 2), Platform: "telegram", Question: "What is laser pain like?", Kind: bot.KindAnswer, EntryID: "laser-pain", Confidence: 1, FromAnswer: "x"},
		{Time: at(2, -1), Platform: "console", Question: "tattoo over it", Kind: bot.KindNoMatch},
	} {
		a.ID = fmt.Sprint("q", i)
		record(t, l, a)
	}
	for _, lost := range []struct {
		at time.Time
		n  int64
	}{{at(1, 0), 3}, {at(1, 5), 2}, {at(-10, 0), 100}} {
		if err := l.CountLost(ctx, lost.at, lost.n); err != nil {
			t.Fatal(err)
		}
	}
	st, err := l.Stats(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	wantDays := []bot.DayCount{{Day: "2026-03-10", Platform: "discord", Count: 1}, {Day: "2026-03-10", Platform: "telegram", Count: 2}, {Day: "2026-03-11", Platform: "telegram", Count: 1}, {Day: "2026-03-12", Platform: "console", Count: 1}}
	if !slices.Equal(st.PerDay, wantDays) {
		t.Errorf("per day %v, want %v", st.PerDay, wantDays)
	}
	if st.Days != 3 || st.Asked != 5 || st.Answered != 3 || st.Lost != 5 || st.Urgent != 1 {
		t.Errorf("days %d asked %d answered %d lost %d urgent %d, want 3, 5 (no small talk, no button), 3, 5, 1", st.Days, st.Asked, st.Answered, st.Lost, st.Urgent)
	}
	wantTop := []bot.EntryStats{{EntryID: "cost", Answers: 2}, {EntryID: "laser-pain", Answers: 2}}
	if !slices.Equal(st.TopEntries, wantTop) {
		t.Errorf("top entries %+v, want %+v", st.TopEntries, wantTop)
	}
	st1, err := l.Stats(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if st1.Asked != 1 || len(st1.PerDay) != 1 || st1.PerDay[0].Platform != "console" {
		t.Errorf("stats of today: asked %d per day %v, want only the console question", st1.Asked, st1.PerDay)
	}
}

func outcomes(t *testing.T, l Log, c *Clock) {
	c.Set(Day0.AddDate(0, 0, 2))
	for i, a := range []bot.Asked{
		{Time: at(-5, 0), Question: "too old", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 0.9, Urgent: true},
		{Time: at(0, 1), Question: "cost of laser removal", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 0.9},
		{Time: at(0, 2), Question: "cost maybe", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 0.55},
		{Time: at(0, 3), Question: "best pizza", Kind: bot.KindNoMatch},
		{Time: at(0, 4), Question: "hello", Kind: bot.KindSmallTalk},
		{Time: at(0, 5), Question: "laser thing", Kind: bot.KindNoMatch, Suggestions: []string{"cost"}},
		{Time: at(0, 6), Question: "What is laser pain like?", Kind: bot.KindAnswer, EntryID: "laser-pain", Confidence: 1, FromAnswer: "q5"},
		{Time: at(2, -1), Question: "does it hurt", Kind: bot.KindAnswer, EntryID: "laser-pain", Confidence: 0.7},
		{Time: at(0, 1), Question: "my scalp is red and hot", Kind: bot.KindAnswer, EntryID: "complications-urgent", Confidence: 1, Urgent: true},
	} {
		a.ID = fmt.Sprint("q", i)
		record(t, l, a)
	}
	got, err := l.Outcomes(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []bot.DayOutcomes{
		{Day: "2026-03-10", Answered: 2, LowConfidence: 1, Offered: 1, Declined: 1, Urgent: 1},
		{Day: "2026-03-11"},
		{Day: "2026-03-12", Answered: 1},
	}
	if !slices.Equal(got, want) {
		t.Errorf("outcomes\n got %+v\nwant %+v", got, want)
	}
}

func recordTwice(t *testing.T, l Log, _ *Clock) {
	a := bot.Asked{ID: "q1", Time: at(0, 0), Question: "cost of laser removal", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 0.9}
	record(t, l, a, a)
	st, err := l.Stats(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if st.Asked != 1 {
		t.Errorf("a record retried is counted %d times, want once", st.Asked)
	}
}

func feedbackOnce(t *testing.T, l Log, c *Clock) {
	ctx := context.Background()
	record(t, l, bot.Asked{ID: "a1", Time: at(0, -2), Question: "cost of laser removal", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 0.9})
	feedback(t, l, "a1", "u1", true, at(0, -1))
	feedback(t, l, "a1", "u1", false, at(0, -1).Add(time.Minute)) // changes their mind
	feedback(t, l, "a1", "u2", true, at(0, -1))
	feedback(t, l, "a1", "u3", false, at(0, -1))
	st, err := l.Stats(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []bot.EntryStats{{EntryID: "cost", Answers: 1, Helpful: 1, NotHelpful: 2}}
	if !slices.Equal(st.TopEntries, want) || !slices.Equal(st.NotHelpful, want) {
		t.Errorf("top %+v, not helpful %+v; want %+v in both", st.TopEntries, st.NotHelpful, want)
	}
	weeks, err := l.FeedbackByWeek(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(weeks) != 2 || weeks[0] != (bot.WeekFeedback{Week: "2026-03-02"}) || weeks[1] != (bot.WeekFeedback{Week: "2026-03-09", Helpful: 1, NotHelpful: 2}) {
		t.Errorf("feedback by week %+v", weeks)
	}
	rated, err := l.NotHelpfulAnswers(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(rated) != 1 || rated[0].AnswerID != "a1" || rated[0].Presses != 2 || rated[0].Question != "cost of laser removal" || !rated[0].Last.Equal(at(0, -1).Add(time.Minute)) {
		t.Errorf("not helpful answers %+v", rated)
	}
}

func unknownReply(t *testing.T, l Log, _ *Clock) {
	err := l.Feedback(context.Background(), bot.Feedback{AnswerID: "forged", Platform: "telegram", User: "u1", Time: at(0, 0)})
	if !errors.Is(err, bot.ErrUnknownReply) {
		t.Errorf("feedback on an unknown reply = %v, want ErrUnknownReply", err)
	}
	weeks, err := l.FeedbackByWeek(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if weeks[0].Helpful+weeks[0].NotHelpful != 0 {
		t.Errorf("refused feedback was stored: %+v", weeks)
	}
}

func unanswered(t *testing.T, l Log, _ *Clock) {
	for i, a := range []bot.Asked{
		{Time: at(-8, 0), Question: "can i dye my hair", Kind: bot.KindNoMatch},
		{Time: at(0, -5), Question: "can I dye my hair after", Kind: bot.KindNoMatch, Suggestions: []string{"aftercare"}},
		{Time: at(0, -4), Question: "Can I dye my hair after?", Kind: bot.KindNoMatch},
		{Time: at(0, -3), Question: "cost maybe", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 0.55},
		{Time: at(0, -2), Question: "cost of laser removal", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 0.9},
		{Time: at(0, -1), Question: "hello", Kind: bot.KindSmallTalk},
	} {
		a.ID = fmt.Sprint("q", i)
		record(t, l, a)
	}
	got, err := l.Unanswered(context.Background(), 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Count != 2 || got[0].Question != "Can I dye my hair after?" || got[0].Closest != "aftercare" ||
		got[1].Count != 1 || got[1].Question != "cost maybe" || got[1].Closest != "cost" {
		t.Errorf("unanswered %+v, want the hair dye question twice (closest aftercare), then the low-confidence cost one", got)
	}
}

func chosenSuggestion(t *testing.T, l Log, _ *Clock) {
	ctx := context.Background()
	record(t, l,
		bot.Asked{ID: "q1", Time: at(0, -2), Question: "removing pigment dots price", Kind: bot.KindNoMatch, Suggestions: []string{"cost", "laser-pain"}},
		bot.Asked{ID: "q2", Time: at(0, -1), Question: "How much does laser removal cost?", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 1, FromAnswer: "q1"},
		// A chosen entry that was not offered proposes nothing.
		bot.Asked{ID: "q3", Time: at(0, -1), Question: "x", Kind: bot.KindAnswer, EntryID: "other", Confidence: 1, FromAnswer: "q1"})
	got, err := l.Suggestions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].EntryID != "cost" || got[0].Question != "removing pigment dots price" || got[0].Status != "open" || got[0].Reason != "chose-suggestion" || got[0].Count != 1 {
		t.Fatalf("suggestions %+v, want the declined question proposed for cost", got)
	}
	p, err := l.ResolveSuggestion(ctx, got[0].ID, true)
	if err != nil || p.Status != "accepted" {
		t.Errorf("accept = %+v, %v", p, err)
	}
	if _, err := l.ResolveSuggestion(ctx, got[0].ID, false); !errors.Is(err, bot.ErrNoSuggestion) {
		t.Errorf("resolving twice = %v, want ErrNoSuggestion", err)
	}
	if _, err := l.ResolveSuggestion(ctx, 9999, false); !errors.Is(err, bot.ErrNoSuggestion) {
		t.Errorf("resolving an unknown suggestion = %v, want ErrNoSuggestion", err)
	}
	if open, err := l.Suggestions(ctx); err != nil || len(open) != 0 {
		t.Errorf("open suggestions after accepting = %+v, %v", open, err)
	}
}

func rescan(t *testing.T, l Log, _ *Clock) {
	ctx := context.Background()
	record(t, l,
		bot.Asked{ID: "q1", Time: at(0, -3), Question: "does the laser sting", Kind: bot.KindNoMatch},
		bot.Asked{ID: "q2", Time: at(0, -2), Question: "Does the laser sting?", Kind: bot.KindNoMatch},
		bot.Asked{ID: "q3", Time: at(0, -1), Question: "best pizza", Kind: bot.KindNoMatch})
	search := func(_ context.Context, text string) (string, float64, error) {
		if text == "best pizza" {
			return "", 0, nil
		}
		return "laser-pain", 0.9, nil
	}
	for i, want := range []int{1, 0} {
		n, err := l.Rescan(ctx, search)
		if err != nil || n != want {
			t.Errorf("rescan %d = %d, %v; want %d new", i+1, n, err, want)
		}
	}
	got, err := l.Suggestions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].EntryID != "laser-pain" || got[0].Count != 2 || got[0].Reason != "matches-after-edit" {
		t.Errorf("suggestions after rescan %+v, want one for laser-pain asked twice", got)
	}
}

func purge(t *testing.T, l Log, c *Clock) {
	ctx := context.Background()
	c.Set(Day0.AddDate(0, 0, 100))
	record(t, l,
		bot.Asked{ID: "old", Time: Day0, Question: "old question", Kind: bot.KindNoMatch, Suggestions: []string{"cost"}},
		bot.Asked{ID: "pick", Time: Day0.Add(time.Minute), Question: "How much?", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 1, FromAnswer: "old"},
		bot.Asked{ID: "new", Time: c.Now().Add(-time.Hour), Question: "new question", Kind: bot.KindNoMatch})
	feedback(t, l, "pick", "u1", true, Day0.Add(2*time.Minute))
	n, err := l.Purge(ctx, c.Now().AddDate(0, 0, -90))
	if err != nil || n != 2 {
		t.Fatalf("purge = %d, %v; want the 2 old texts", n, err)
	}
	if s, err := l.Suggestions(ctx); err != nil || len(s) != 0 {
		t.Errorf("suggestions after purge %+v, %v: the one made from an old question should go", s, err)
	}
	un, err := l.Unanswered(ctx, 365)
	if err != nil {
		t.Fatal(err)
	}
	if len(un) != 1 || un[0].Question != "new question" {
		t.Errorf("unanswered after purge %+v, want only the new question", un)
	}
	// The counts stay, naming nobody: a purge of the person finds nothing old.
	st, err := l.Stats(ctx, 365)
	if err != nil {
		t.Fatal(err)
	}
	if st.Asked != 2 || len(st.TopEntries) != 1 || st.TopEntries[0].Helpful != 1 {
		t.Errorf("stats after purge asked %d top %+v, want 2 asked and the helpful press kept", st.Asked, st.TopEntries)
	}
	if n, err := l.PurgeUser(ctx, "telegram", "u1"); err != nil || n != 1 {
		t.Errorf("purge of the person after the retention = %d, %v; want only the new question", n, err)
	}
	if n, err := l.Purge(ctx, c.Now().AddDate(0, 0, -90)); err != nil || n != 0 {
		t.Errorf("second purge = %d, %v; want nothing left to delete", n, err)
	}
}

func purgeUser(t *testing.T, l Log, _ *Clock) {
	ctx := context.Background()
	record(t, l,
		bot.Asked{ID: "a", Time: at(0, -3), User: "111", Question: "removing pigment dots price", Kind: bot.KindNoMatch, Suggestions: []string{"cost"}},
		bot.Asked{ID: "b", Time: at(0, -2), User: "111", Question: "How much?", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 1, FromAnswer: "a"},
		bot.Asked{ID: "c", Time: at(0, -1), User: "222", Question: "does it hurt", Kind: bot.KindAnswer, EntryID: "laser-pain", Confidence: 0.9},
		bot.Asked{ID: "d", Time: at(0, -1), User: "111", Platform: "discord", Question: "same id on discord", Kind: bot.KindNoMatch})
	feedback(t, l, "c", "111", false, at(0, 0))
	feedback(t, l, "c", "222", true, at(0, 0))
	if l.UserHash("telegram", "111") == "111" || l.UserHash("telegram", "111") == l.UserHash("discord", "111") {
		t.Errorf("user hash does not hide the id or ignores the platform")
	}
	n, err := l.PurgeUser(ctx, "telegram", "111")
	if err != nil || n != 2 {
		t.Fatalf("purge user = %d, %v; want their 2 questions", n, err)
	}
	st, err := l.Stats(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if st.Asked != 2 || len(st.NotHelpful) != 0 {
		t.Errorf("after purging a user asked %d, not helpful %+v; want the other two questions and their feedback gone", st.Asked, st.NotHelpful)
	}
	if s, err := l.Suggestions(ctx); err != nil || len(s) != 0 {
		t.Errorf("suggestions made from the person's question remain: %+v, %v", s, err)
	}
	if n, err := l.PurgeUser(ctx, "telegram", "111"); err != nil || n != 0 {
		t.Errorf("second purge = %d, %v", n, err)
	}
}

func rotateKey(t *testing.T, l Log, _ *Clock) {
	ctx := context.Background()
	record(t, l, bot.Asked{ID: "a", Time: at(0, -1), User: "111", Question: "does it hurt", Kind: bot.KindAnswer, EntryID: "laser-pain", Confidence: 0.9})
	feedback(t, l, "a", "111", true, at(0, 0))
	before := l.UserHash("telegram", "111")
	n, err := l.RotateKey(ctx)
	if err != nil || n != 2 {
		t.Fatalf("rotate = %d, %v; want the question and the press unlinked", n, err)
	}
	if l.UserHash("telegram", "111") == before {
		t.Errorf("the user hash did not change with the key")
	}
	if n, err := l.PurgeUser(ctx, "telegram", "111"); err != nil || n != 0 {
		t.Errorf("purge after rotation = %d, %v; want nothing linked", n, err)
	}
	// Feedback stays counted, and the person can press again under the new key.
	feedback(t, l, "a", "111", false, at(0, 0))
	st, err := l.Stats(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.TopEntries) != 1 || st.TopEntries[0].Helpful != 1 || st.TopEntries[0].NotHelpful != 1 {
		t.Errorf("after rotation %+v, want the old press kept beside the new", st.TopEntries)
	}
}

// EqualGroups reports whether two reports of unanswered questions are the same.
func EqualGroups(a, b []bot.UnansweredGroup) bool {
	return slices.EqualFunc(a, b, func(x, y bot.UnansweredGroup) bool {
		return x.Question == y.Question && x.Count == y.Count && slices.Equal(x.Examples, y.Examples) &&
			x.Closest == y.Closest && x.LastAsked.Equal(y.LastAsked)
	})
}

// FormatGroups shows a report of unanswered questions in a test's message.
func FormatGroups(gs []bot.UnansweredGroup) string {
	var b strings.Builder
	for _, g := range gs {
		fmt.Fprintf(&b, "  %q x%d examples %q closest %q last %s\n", g.Question, g.Count, g.Examples, g.Closest, g.LastAsked.Format(time.Kitchen))
	}
	return b.String()
}
