package sqlitelog

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot"
)

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
