package sqlitelog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/questionlog"
)

// since returns the start of a window of days days ending today (UTC): days 1 is today.
func (l *Log) since(days int) time.Time { return questionlog.Since(l.now(), days) }

func (l *Log) unansweredSince(ctx context.Context, from time.Time) ([]questionlog.UnansweredRow, error) {
	var rows []questionlog.UnansweredRow
	err := query(ctx, l.db, `SELECT id, question, qkey, entry_id, suggestions, time FROM questions
		WHERE time >= ? AND question IS NOT NULL AND from_answer = ''
		AND (kind = ? OR (kind = ? AND confidence < ?))
		ORDER BY time`, func(s scanner) error {
		var r questionlog.UnansweredRow
		var ms int64
		var sugg string
		if err := s.Scan(&r.ID, &r.Text, &r.Key, &r.Entry, &sugg, &ms); err != nil {
			return err
		}
		r.At = time.UnixMilli(ms).UTC()
		r.Suggestions = suggestionIDs(sugg)
		rows = append(rows, r)
		return nil
	}, millis(from), string(bot.KindNoMatch), string(bot.KindAnswer), l.low)
	return rows, err
}

// Unanswered implements bot.Reports.
func (l *Log) Unanswered(ctx context.Context, days int) ([]bot.UnansweredGroup, error) {
	rows, err := l.unansweredSince(ctx, l.since(days))
	if err != nil {
		return nil, fmt.Errorf("question log: unanswered questions: %w", err)
	}
	return questionlog.GroupUnanswered(rows), nil
}

// Stats implements bot.Reports. Small talk is not counted as a question, and a
// suggestion button pressed is not a new question, though the answer it brings counts
// for its entry.
func (l *Log) Stats(ctx context.Context, days int) (bot.Stats, error) {
	from := l.since(days)
	if days < 1 {
		days = 1
	}
	st := bot.Stats{Days: days}
	wrap := func(err error) (bot.Stats, error) { return bot.Stats{}, fmt.Errorf("question log: stats: %w", err) }
	typed := `time >= ? AND from_answer = '' AND kind != 'smalltalk'`
	err := query(ctx, l.db, `SELECT strftime('%Y-%m-%d', time / 1000, 'unixepoch') AS day, platform, count(*)
		FROM questions WHERE `+typed+` GROUP BY day, platform ORDER BY day, platform`, func(s scanner) error {
		var d bot.DayCount
		err := s.Scan(&d.Day, &d.Platform, &d.Count)
		st.PerDay = append(st.PerDay, d)
		return err
	}, millis(from))
	if err != nil {
		return wrap(err)
	}
	if err := l.db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(kind = 'answer'), 0), coalesce(sum(urgent), 0)
		FROM questions WHERE `+typed, millis(from)).Scan(&st.Asked, &st.Answered, &st.Urgent); err != nil {
		return wrap(err)
	}
	entries := questionlog.Entries{}
	err = query(ctx, l.db, `SELECT entry_id, count(*) FROM questions
		WHERE time >= ? AND kind = 'answer' AND entry_id != '' GROUP BY entry_id`, func(s scanner) error {
		var id string
		var n int
		err := s.Scan(&id, &n)
		entries.Entry(id).Answers = n
		return err
	}, millis(from))
	if err != nil {
		return wrap(err)
	}
	err = query(ctx, l.db, `SELECT q.entry_id, sum(f.helpful), sum(1 - f.helpful) FROM feedback f
		JOIN questions q ON q.id = f.answer_id
		WHERE f.time >= ? AND q.entry_id != '' GROUP BY q.entry_id`, func(s scanner) error {
		var id string
		var yes, no int
		err := s.Scan(&id, &yes, &no)
		e := entries.Entry(id)
		e.Helpful, e.NotHelpful = yes, no
		return err
	}, millis(from))
	if err != nil {
		return wrap(err)
	}
	entries.Fill(&st)
	if err := l.db.QueryRowContext(ctx, `SELECT coalesce(sum(count), 0) FROM lost WHERE day >= ?`, day(from)).Scan(&st.Lost); err != nil {
		return wrap(err)
	}
	return st, nil
}

const suggestionColumns = `s.id, s.entry_id, s.question, s.reason, s.status,
	max(1, (SELECT count(*) FROM questions q WHERE q.qkey = s.qkey))`

func scanSuggestion(s scanner) (bot.PhrasingSuggestion, error) {
	var p bot.PhrasingSuggestion
	err := s.Scan(&p.ID, &p.EntryID, &p.Question, &p.Reason, &p.Status, &p.Count)
	return p, err
}

// Suggestions implements bot.Reports: the open proposals, the most asked first.
func (l *Log) Suggestions(ctx context.Context) ([]bot.PhrasingSuggestion, error) {
	var out []bot.PhrasingSuggestion
	err := query(ctx, l.db, `SELECT `+suggestionColumns+` FROM suggestions s WHERE s.status = 'open'`, func(s scanner) error {
		p, err := scanSuggestion(s)
		out = append(out, p)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("question log: suggestions: %w", err)
	}
	questionlog.SortSuggestions(out)
	return out, nil
}

// ResolveSuggestion implements bot.Reports. Accepting a phrasing also rejects the open
// proposals of the same phrasing for other entries: the FAQ refuses a phrasing shared
// by two entries.
func (l *Log) ResolveSuggestion(ctx context.Context, id int64, accept bool) (bot.PhrasingSuggestion, error) {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return bot.PhrasingSuggestion{}, fmt.Errorf("question log: %w", err)
	}
	defer tx.Rollback()
	p, err := scanSuggestion(tx.QueryRowContext(ctx, `SELECT `+suggestionColumns+` FROM suggestions s WHERE s.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) || err == nil && p.Status != "open" {
		return bot.PhrasingSuggestion{}, fmt.Errorf("%w: %d", bot.ErrNoSuggestion, id)
	}
	if err != nil {
		return bot.PhrasingSuggestion{}, fmt.Errorf("question log: suggestion %d: %w", id, err)
	}
	p.Status = "rejected"
	if accept {
		p.Status = "accepted"
	}
	now := millis(l.now())
	if _, err := tx.ExecContext(ctx, `UPDATE suggestions SET status = ?, resolved = ? WHERE id = ?`, p.Status, now, id); err != nil {
		return bot.PhrasingSuggestion{}, fmt.Errorf("question log: suggestion %d: %w", id, err)
	}
	if accept {
		if _, err := tx.ExecContext(ctx, `UPDATE suggestions SET status = 'rejected', resolved = ?
			WHERE status = 'open' AND qkey = (SELECT qkey FROM suggestions WHERE id = ?)`, now, id); err != nil {
			return bot.PhrasingSuggestion{}, fmt.Errorf("question log: suggestion %d: %w", id, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return bot.PhrasingSuggestion{}, fmt.Errorf("question log: suggestion %d: %w", id, err)
	}
	return p, nil
}

// Rescan asks search again about the questions of the last days (WithRescanDays) that
// were declined or answered with low confidence, and proposes each that now matches an
// entry confidently as a phrasing of that entry. Call it after the FAQ changes, with
// bot.EntryMatcher over the updated handler. It returns how many proposals are new.
func (l *Log) Rescan(ctx context.Context, search func(ctx context.Context, text string) (entryID string, confidence float64, err error)) (int, error) {
	rows, err := l.unansweredSince(ctx, l.since(l.rescan))
	if err != nil {
		return 0, fmt.Errorf("question log: rescan: %w", err)
	}
	n, err := questionlog.Rescan(ctx, rows, search, l.low, l.proposeRescan)
	if err != nil {
		return n, fmt.Errorf("question log: rescan: %w", err)
	}
	return n, nil
}

func (l *Log) proposeRescan(ctx context.Context, entryID, text, key string, from []string) (bool, error) {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	isNew, err := propose(ctx, tx, entryID, text, key, questionlog.ReasonRescan, l.now(), from)
	if err != nil {
		return false, err
	}
	return isNew, tx.Commit()
}
