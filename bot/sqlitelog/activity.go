package sqlitelog

import (
	"context"
	"fmt"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/questionlog"
)

var _ bot.Activity = (*Log)(nil)

// Outcomes implements bot.Activity.
func (l *Log) Outcomes(ctx context.Context, days int) ([]bot.DayOutcomes, error) {
	from := l.since(days)
	byDay := map[string]bot.DayOutcomes{}
	// json.Marshal writes no suggestions as "null" and an emptied list as "[]".
	err := query(ctx, l.db, `SELECT strftime('%Y-%m-%d', time / 1000, 'unixepoch') AS day,
		coalesce(sum(kind = 'answer' AND confidence >= ?), 0),
		coalesce(sum(kind = 'answer' AND confidence < ?), 0),
		coalesce(sum(kind = 'no_match' AND suggestions NOT IN ('[]', 'null', '')), 0),
		coalesce(sum(kind = 'no_match' AND suggestions IN ('[]', 'null', '')), 0),
		coalesce(sum(urgent), 0)
		FROM questions WHERE time >= ? AND from_answer = '' AND kind != 'smalltalk'
		GROUP BY day`, func(s scanner) error {
		var d bot.DayOutcomes
		err := s.Scan(&d.Day, &d.Answered, &d.LowConfidence, &d.Offered, &d.Declined, &d.Urgent)
		byDay[d.Day] = d
		return err
	}, l.low, l.low, millis(from))
	if err != nil {
		return nil, fmt.Errorf("question log: outcomes: %w", err)
	}
	return questionlog.EveryDay(from, l.now(), byDay), nil
}

// FeedbackByWeek implements bot.Activity.
func (l *Log) FeedbackByWeek(ctx context.Context, weeks int) ([]bot.WeekFeedback, error) {
	w := questionlog.NewWeeks(l.now(), weeks)
	err := query(ctx, l.db, `SELECT time, helpful FROM feedback WHERE time >= ?`, func(s scanner) error {
		var ms int64
		var helpful bool
		if err := s.Scan(&ms, &helpful); err != nil {
			return err
		}
		w.Add(time.UnixMilli(ms), helpful)
		return nil
	}, millis(w.From()))
	if err != nil {
		return nil, fmt.Errorf("question log: feedback by week: %w", err)
	}
	return w.Result(), nil
}

// NotHelpfulAnswers implements bot.Activity.
func (l *Log) NotHelpfulAnswers(ctx context.Context, days int) ([]bot.RatedAnswer, error) {
	var out []bot.RatedAnswer
	err := query(ctx, l.db, `SELECT q.id, q.question, q.entry_id, count(*), max(f.time) AS last
		FROM feedback f JOIN questions q ON q.id = f.answer_id
		WHERE f.helpful = 0 AND f.time >= ? AND q.question IS NOT NULL
		GROUP BY q.id ORDER BY last DESC, q.id`, func(s scanner) error {
		var r bot.RatedAnswer
		var ms int64
		err := s.Scan(&r.AnswerID, &r.Question, &r.EntryID, &r.Presses, &ms)
		r.Last = time.UnixMilli(ms).UTC()
		out = append(out, r)
		return err
	}, millis(l.since(days)))
	if err != nil {
		return nil, fmt.Errorf("question log: answers marked not helpful: %w", err)
	}
	return out, nil
}
