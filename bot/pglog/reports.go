package pglog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/questionlog"
)

// since returns the start of a window of days days ending today (UTC): days 1 is today.
func (l *Log) since(days int) time.Time { return questionlog.Since(l.now(), days) }

// each runs sql and calls f for every row.
func (l *Log) each(ctx context.Context, sql string, f func(pgx.Rows) error, args ...any) error {
	rows, err := l.db.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (l *Log) unansweredSince(ctx context.Context, from time.Time) ([]questionlog.UnansweredRow, error) {
	var out []questionlog.UnansweredRow
	err := l.each(ctx, `SELECT id, question, qkey, entry_id, suggestions, time FROM questions
		WHERE time >= $1 AND question IS NOT NULL AND from_answer = ''
		AND (kind = $2 OR (kind = $3 AND confidence < $4))
		ORDER BY time, id`, func(s pgx.Rows) error {
		var r questionlog.UnansweredRow
		err := s.Scan(&r.ID, &r.Text, &r.Key, &r.Entry, &r.Suggestions, &r.At)
		r.At = r.At.UTC()
		out = append(out, r)
		return err
	}, from, string(bot.KindNoMatch), string(bot.KindAnswer), l.low)
	return out, err
}

// Unanswered implements bot.Reports.
func (l *Log) Unanswered(ctx context.Context, days int) ([]bot.UnansweredGroup, error) {
	if err := l.usable(); err != nil {
		return nil, err
	}
	rows, err := l.unansweredSince(ctx, l.since(days))
	if err != nil {
		return nil, fmt.Errorf("question log: unanswered questions: %w", l.failed(err))
	}
	return questionlog.GroupUnanswered(rows), nil
}

// Stats implements bot.Reports. Small talk is not counted as a question, and a
// suggestion button pressed is not a new question, though the answer it brings counts
// for its entry.
func (l *Log) Stats(ctx context.Context, days int) (bot.Stats, error) {
	if err := l.usable(); err != nil {
		return bot.Stats{}, err
	}
	from := l.since(days)
	if days < 1 {
		days = 1
	}
	st := bot.Stats{Days: days}
	wrap := func(err error) (bot.Stats, error) {
		return bot.Stats{}, fmt.Errorf("question log: stats: %w", l.failed(err))
	}
	const typed = `time >= $1 AND from_answer = '' AND kind != 'smalltalk'`
	err := l.each(ctx, `SELECT to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, platform, count(*)
		FROM questions WHERE `+typed+` GROUP BY day, platform ORDER BY day, platform`, func(s pgx.Rows) error {
		var d bot.DayCount
		err := s.Scan(&d.Day, &d.Platform, &d.Count)
		st.PerDay = append(st.PerDay, d)
		return err
	}, from)
	if err != nil {
		return wrap(err)
	}
	if err := l.db.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE kind = 'answer'), count(*) FILTER (WHERE urgent)
		FROM questions WHERE `+typed, from).Scan(&st.Asked, &st.Answered, &st.Urgent); err != nil {
		return wrap(err)
	}
	entries := questionlog.Entries{}
	err = l.each(ctx, `SELECT entry_id, count(*) FROM questions
		WHERE time >= $1 AND kind = 'answer' AND entry_id != '' GROUP BY entry_id`, func(s pgx.Rows) error {
		var id string
		var n int
		err := s.Scan(&id, &n)
		entries.Entry(id).Answers = n
		return err
	}, from)
	if err != nil {
		return wrap(err)
	}
	err = l.each(ctx, `SELECT q.entry_id, count(*) FILTER (WHERE f.helpful), count(*) FILTER (WHERE NOT f.helpful)
		FROM feedback f JOIN questions q ON q.id = f.answer_id
		WHERE f.time >= $1 AND q.entry_id != '' GROUP BY q.entry_id`, func(s pgx.Rows) error {
		var id string
		var yes, no int
		err := s.Scan(&id, &yes, &no)
		e := entries.Entry(id)
		e.Helpful, e.NotHelpful = yes, no
		return err
	}, from)
	if err != nil {
		return wrap(err)
	}
	entries.Fill(&st)
	if err := l.db.QueryRow(ctx, `SELECT coalesce(sum(count), 0) FROM lost WHERE day >= $1`, day(from)).Scan(&st.Lost); err != nil {
		return wrap(err)
	}
	return st, nil
}

const suggestionColumns = `s.id, s.entry_id, s.question, s.reason, s.status,
	greatest(1, (SELECT count(*) FROM questions q WHERE q.qkey = s.qkey))`

func scanSuggestion(s pgx.Row) (bot.PhrasingSuggestion, error) {
	var p bot.PhrasingSuggestion
	err := s.Scan(&p.ID, &p.EntryID, &p.Question, &p.Reason, &p.Status, &p.Count)
	return p, err
}

// Suggestions implements bot.Reports: the open proposals, the most asked first.
func (l *Log) Suggestions(ctx context.Context) ([]bot.PhrasingSuggestion, error) {
	if err := l.usable(); err != nil {
		return nil, err
	}
	var out []bot.PhrasingSuggestion
	err := l.each(ctx, `SELECT `+suggestionColumns+` FROM suggestions s WHERE s.status = 'open'`, func(s pgx.Rows) error {
		p, err := scanSuggestion(s)
		out = append(out, p)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("question log: suggestions: %w", l.failed(err))
	}
	questionlog.SortSuggestions(out)
	return out, nil
}

// ResolveSuggestion implements bot.Reports. Accepting a phrasing also rejects the open
// proposals of the same phrasing for other entries: the FAQ refuses a phrasing shared
// by two entries. Two moderators resolving one suggestion at once: the second is told
// it is no longer open.
func (l *Log) ResolveSuggestion(ctx context.Context, id int64, accept bool) (bot.PhrasingSuggestion, error) {
	if err := l.usable(); err != nil {
		return bot.PhrasingSuggestion{}, err
	}
	var p bot.PhrasingSuggestion
	err := pgx.BeginFunc(ctx, l.db, func(tx pgx.Tx) error {
		var err error
		p, err = scanSuggestion(tx.QueryRow(ctx, `SELECT `+suggestionColumns+` FROM suggestions s WHERE s.id = $1 FOR UPDATE`, id))
		if errors.Is(err, pgx.ErrNoRows) || err == nil && p.Status != "open" {
			return fmt.Errorf("%w: %d", bot.ErrNoSuggestion, id)
		}
		if err != nil {
			return err
		}
		p.Status = "rejected"
		if accept {
			p.Status = "accepted"
		}
		now := l.now()
		if _, err := tx.Exec(ctx, `UPDATE suggestions SET status = $1, resolved = $2 WHERE id = $3`, p.Status, now, id); err != nil {
			return err
		}
		if accept {
			if _, err := tx.Exec(ctx, `UPDATE suggestions SET status = 'rejected', resolved = $1
				WHERE status = 'open' AND qkey = (SELECT qkey FROM suggestions WHERE id = $2)`, now, id); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, bot.ErrNoSuggestion) {
		return bot.PhrasingSuggestion{}, err
	}
	if err != nil {
		return bot.PhrasingSuggestion{}, fmt.Errorf("question log: suggestion %d: %w", id, l.failed(err))
	}
	return p, nil
}

// Rescan asks search again about the questions of the last days (WithRescanDays) that
// were declined or answered with low confidence, and proposes each that now matches an
// entry confidently as a phrasing of that entry. Call it after the FAQ changes, with
// bot.EntryMatcher over the updated handler. It returns how many proposals are new.
func (l *Log) Rescan(ctx context.Context, search func(ctx context.Context, text string) (entryID string, confidence float64, err error)) (int, error) {
	if err := l.usable(); err != nil {
		return 0, err
	}
	rows, err := l.unansweredSince(ctx, l.since(l.rescan))
	if err != nil {
		return 0, fmt.Errorf("question log: rescan: %w", l.failed(err))
	}
	n, err := questionlog.Rescan(ctx, rows, search, l.low, func(ctx context.Context, entryID, text, key string, ids []string) (bool, error) {
		var isNew bool
		err := pgx.BeginFunc(ctx, l.db, func(tx pgx.Tx) error {
			var err error
			isNew, err = propose(ctx, tx, entryID, text, key, questionlog.ReasonRescan, l.now(), ids)
			return err
		})
		return isNew, err
	})
	if err != nil {
		return n, fmt.Errorf("question log: rescan: %w", l.failed(err))
	}
	return n, nil
}
