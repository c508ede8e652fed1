package pglog

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/questionlog"
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
		count(*) FILTER (WHERE kind = 'no_match' AND cardinality(suggestions) = 0),
		count(*) FILTER (WHERE urgent)
		FROM questions WHERE time >= $2 AND from_answer = '' AND kind != 'smalltalk'
		GROUP BY day`, func(s pgx.Rows) error {
		var d bot.DayOutcomes
		err := s.Scan(&d.Day, &d.Answered, &d.LowConfidence, &d.Offered, &d.Declined, &d.Urgent)
		byDay[d.Day] = d
		return err
	}, l.low, from)
	if err != nil {
		return nil, fmt.Errorf("question log: outcomes: %w", l.failed(err))
	}
	return questionlog.EveryDay(from, l.now(), byDay), nil
}

// FeedbackByWeek implements bot.Activity.
func (l *Log) FeedbackByWeek(ctx context.Context, weeks int) ([]bot.WeekFeedback, error) {
	if err := l.usable(); err != nil {
		return nil, err
	}
	w := questionlog.NewWeeks(l.now(), weeks)
	err := l.each(ctx, `SELECT time, helpful FROM feedback WHERE time >= $1`, func(s pgx.Rows) error {
		var at time.Time
		var helpful bool
		if err := s.Scan(&at, &helpful); err != nil {
			return err
		}
		w.Add(at, helpful)
		return nil
	}, w.From())
	if err != nil {
		return nil, fmt.Errorf("question log: feedback by week: %w", l.failed(err))
	}
	return w.Result(), nil
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
		return nil, fmt.Errorf("question log: answers marked not helpful: %w", l.failed(err))
	}
	return out, nil
}
