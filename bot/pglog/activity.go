package pglog

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/smpbot/smpbot/bot"
)

// Outcomes implements bot.Activity.
func (l *Log) Outcomes(ctx context.Context, days int) ([]bot.DayOutcomes, error) {
	if err := l.usable(); err != nil {
		return nil, err
	}
	from := l.since(days)
	byDay := map[string]bot.DayOutcomes{}
	err := l.each(ctx, `SELECT to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
		count(*) FILTER (WHERE kind = 'answer' AND confidence >= $1),
		count(*) FILTER (WHERE kind = 'answer' AND confidence < $1),
		count(*) FILTER (WHERE kind = 'no_match' AND cardinality(suggestions) > 0),
		count(*) FILTER (WHERE kind = 'no_match' AND cardinality(suggestions) = 0)
		FROM questions WHERE time >= $2 AND from_answer = '' AND kind != 'smalltalk'
		GROUP BY day`, func(s pgx.Rows) error {
		var d bot.DayOutcomes
		err := s.Scan(&d.Day, &d.Answered, &d.LowConfidence, &d.Offered, &d.Declined)
		byDay[d.Day] = d
		return err
	}, l.low, from)
	if err != nil {
		return nil, fmt.Errorf("question log: outcomes: %w", err)
	}
	var out []bot.DayOutcomes
	end := l.now().UTC()
	for d := from; !d.After(end); d = d.AddDate(0, 0, 1) {
		key := day(d)
		o := byDay[key]
		o.Day = key
		out = append(out, o)
	}
	return out, nil
}

// monday returns the start (UTC) of the week holding t.
func monday(t time.Time) time.Time {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// FeedbackByWeek implements bot.Activity.
func (l *Log) FeedbackByWeek(ctx context.Context, weeks int) ([]bot.WeekFeedback, error) {
	if err := l.usable(); err != nil {
		return nil, err
	}
	if weeks < 1 {
		weeks = 1
	}
	first := monday(l.now()).AddDate(0, 0, -7*(weeks-1))
	out := make([]bot.WeekFeedback, weeks)
	for i := range out {
		out[i].Week = day(first.AddDate(0, 0, 7*i))
	}
	err := l.each(ctx, `SELECT time, helpful FROM feedback WHERE time >= $1`, func(s pgx.Rows) error {
		var at time.Time
		var helpful bool
		if err := s.Scan(&at, &helpful); err != nil {
			return err
		}
		i := int(monday(at).Sub(first).Hours()) / (7 * 24)
		if i < 0 || i >= len(out) {
			return nil // pressed in the future by a skewed clock
		}
		if helpful {
			out[i].Helpful++
		} else {
			out[i].NotHelpful++
		}
		return nil
	}, first)
	if err != nil {
		return nil, fmt.Errorf("question log: feedback by week: %w", err)
	}
	return out, nil
}

// NotHelpfulAnswers implements bot.Activity.
func (l *Log) NotHelpfulAnswers(ctx context.Context, days int) ([]bot.RatedAnswer, error) {
	if err := l.usable(); err != nil {
		return nil, err
	}
	var out []bot.RatedAnswer
	err := l.each(ctx, `SELECT q.id, q.question, q.entry_id, count(*), max(f.time) AS last
		FROM feedback f JOIN questions q ON q.id = f.answer_id
		WHERE NOT f.helpful AND f.time >= $1 AND q.question IS NOT NULL
		GROUP BY q.id ORDER BY last DESC, q.id`, func(s pgx.Rows) error {
		var r bot.RatedAnswer
		err := s.Scan(&r.AnswerID, &r.Question, &r.EntryID, &r.Presses, &r.Last)
		r.Last = r.Last.UTC()
		out = append(out, r)
		return err
	}, l.since(days))
	if err != nil {
		return nil, fmt.Errorf("question log: answers marked not helpful: %w", err)
	}
	return out, nil
}
