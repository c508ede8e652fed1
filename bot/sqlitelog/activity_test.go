package sqlitelog

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot"
)

func TestOutcomes(t *testing.T) {
	ctx := context.Background()
	l, _, c := openTest(t)
	c.set(day0.AddDate(0, 0, 2))
	at := func(days, hour int) time.Time { return day0.AddDate(0, 0, days).Add(time.Duration(hour) * time.Hour) }
	for i, a := range []bot.Asked{
		{Time: at(-5, 0), Question: "too old", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 0.9},
		{Time: at(0, 1), Question: "cost of laser removal", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 0.9},
		{Time: at(0, 2), Question: "cost maybe", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 0.55},
		{Time: at(0, 3), Question: "best pizza", Kind: bot.KindNoMatch},
		{Time: at(0, 4), Question: "hello", Kind: bot.KindSmallTalk},
		{Time: at(0, 5), Question: "laser thing", Kind: bot.KindNoMatch, Suggestions: []string{"cost"}},
		{Time: at(0, 6), Question: "What is laser pain like?", Kind: bot.KindAnswer, EntryID: "laser-pain", Confidence: 1, FromAnswer: "q5"},
		{Time: at(2, -1), Question: "does it hurt", Kind: bot.KindAnswer, EntryID: "laser-pain", Confidence: 0.7},
	} {
		a.ID = fmt.Sprint("q", i)
		record(t, l, a)
	}
	got, err := l.Outcomes(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []bot.DayOutcomes{
		{Day: "2026-03-10", Answered: 1, LowConfidence: 1, Offered: 1, Declined: 1},
		{Day: "2026-03-11"},
		{Day: "2026-03-12", Answered: 1},
	}
	if !slices.Equal(got, want) {
		t.Errorf("outcomes\n got %+v\nwant %+v", got, want)
	}
	if got[0].Total() != 4 || got[0].Unanswered() != 3 {
		t.Errorf("day 1 total %d unanswered %d, want 4 and 3", got[0].Total(), got[0].Unanswered())
	}
}

func TestFeedbackByWeekAndNotHelpful(t *testing.T) {
	ctx := context.Background()
	l, _, c := openTest(t)
	// day0 is a Tuesday; "now" is the Wednesday of the following week.
	c.set(day0.AddDate(0, 0, 8))
	for i, q := range []string{"cost of laser removal", "does it hurt", "how long"} {
		record(t, l, bot.Asked{ID: fmt.Sprint("a", i), Time: day0, Question: q, Kind: bot.KindAnswer, EntryID: "e", Confidence: 0.9})
	}
	press := func(answer, user string, helpful bool, at time.Time) {
		t.Helper()
		if err := l.Feedback(ctx, bot.Feedback{AnswerID: answer, Platform: "telegram", User: user, Helpful: helpful, Time: at}); err != nil {
			t.Fatal(err)
		}
	}
	press("a0", "u1", true, day0)
	press("a0", "u2", false, day0.Add(time.Hour))
	press("a1", "u1", false, day0.AddDate(0, 0, 7))
	press("a1", "u2", false, day0.AddDate(0, 0, 7).Add(time.Hour))
	press("a2", "u1", true, day0.AddDate(0, 0, -30)) // outside both windows
	weeks, err := l.FeedbackByWeek(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	wantWeeks := []bot.WeekFeedback{{Week: "2026-03-09", Helpful: 1, NotHelpful: 1}, {Week: "2026-03-16", NotHelpful: 2}}
	if !slices.Equal(weeks, wantWeeks) {
		t.Errorf("weeks %+v, want %+v", weeks, wantWeeks)
	}
	rated, err := l.NotHelpfulAnswers(ctx, 14)
	if err != nil {
		t.Fatal(err)
	}
	if len(rated) != 2 || rated[0].AnswerID != "a1" || rated[0].Presses != 2 || rated[1].AnswerID != "a0" || rated[1].Question != "cost of laser removal" {
		t.Errorf("not helpful %+v, want a1 (2 presses) then a0", rated)
	}
}
