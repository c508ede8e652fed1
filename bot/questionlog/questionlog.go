// Package questionlog is what the question log back ends (bot/sqlitelog, bot/pglog)
// share above their SQL: the report windows, the assembly of reports from the rows
// each back end selects, the rescan of unanswered questions after an FAQ edit and the
// retention loop. The queries, and so the dialects, stay with the back ends.
package questionlog

import (
	"context"
	"log/slog"
	"sort"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/phrasing"
)

// DefaultRetention is how long question texts are kept by default.
const DefaultRetention = 90 * 24 * time.Hour

// MaxExamples is how many other wordings an unanswered group shows.
const MaxExamples = 3

// Reasons for a phrasing suggestion.
const (
	ReasonChoice = "chose-suggestion"   // the person chose the entry among those offered
	ReasonRescan = "matches-after-edit" // the question matches the entry since an FAQ edit
)

// Since returns the start (UTC midnight) of a window of days days ending on the day of
// now: days 1 is today.
func Since(now time.Time, days int) time.Time {
	if days < 1 {
		days = 1
	}
	now = now.UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	return today.AddDate(0, 0, -(days - 1))
}

// Day names the UTC day of t as reports do (2006-01-02).
func Day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// Monday returns the start (UTC) of the week holding t.
func Monday(t time.Time) time.Time {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// Unanswered reports whether a reply of kind with confidence counts as not answered
// well: a decline, or an answer below low.
func Unanswered(kind string, confidence, low float64) bool {
	return kind == string(bot.KindNoMatch) || kind == string(bot.KindAnswer) && confidence < low
}

// UnansweredRow is a typed question whose reply did not answer well, as a back end
// selects it (oldest first).
type UnansweredRow struct {
	ID, Text, Key string // Key is the phrasing key stored with the text
	Entry         string // the entry answered with low confidence, or ""
	Suggestions   []string
	At            time.Time
}

// GroupUnanswered gathers unanswered questions into the report's groups, each with the
// entry the bot came closest to: the one it answered with, or the first it offered.
func GroupUnanswered(rows []UnansweredRow) []bot.UnansweredGroup {
	qs := make([]phrasing.Question, len(rows))
	for i, r := range rows {
		closest := r.Entry
		if closest == "" && len(r.Suggestions) > 0 {
			closest = r.Suggestions[0]
		}
		qs[i] = phrasing.Question{Text: r.Text, Closest: closest, At: r.At}
	}
	return phrasing.Group(qs, MaxExamples)
}

// Entries gathers per-entry counts for a Stats report.
type Entries map[string]*bot.EntryStats

// Entry returns the counts of entry id, new ones at zero.
func (e Entries) Entry(id string) *bot.EntryStats {
	s := e[id]
	if s == nil {
		s = &bot.EntryStats{EntryID: id}
		e[id] = s
	}
	return s
}

// Fill sets st's top entries (the most answered first) and the entries judged not
// helpful at least as often as helpful (the most judged not helpful first).
func (e Entries) Fill(st *bot.Stats) {
	for _, s := range e {
		if s.Answers > 0 {
			st.TopEntries = append(st.TopEntries, *s)
		}
		if s.NotHelpful > 0 && s.NotHelpful >= s.Helpful {
			st.NotHelpful = append(st.NotHelpful, *s)
		}
	}
	sort.Slice(st.TopEntries, func(i, j int) bool {
		a, b := st.TopEntries[i], st.TopEntries[j]
		if a.Answers != b.Answers {
			return a.Answers > b.Answers
		}
		return a.EntryID < b.EntryID
	})
	sort.Slice(st.NotHelpful, func(i, j int) bool {
		a, b := st.NotHelpful[i], st.NotHelpful[j]
		if a.NotHelpful != b.NotHelpful {
			return a.NotHelpful > b.NotHelpful
		}
		if a.Helpful != b.Helpful {
			return a.Helpful < b.Helpful
		}
		return a.EntryID < b.EntryID
	})
}

// SortSuggestions orders open phrasing suggestions the most asked first.
func SortSuggestions(ps []bot.PhrasingSuggestion) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Count != ps[j].Count {
			return ps[i].Count > ps[j].Count
		}
		return ps[i].ID < ps[j].ID
	})
}

// EveryDay returns the outcomes of every day from from to now, the days without
// questions at zero.
func EveryDay(from, now time.Time, byDay map[string]bot.DayOutcomes) []bot.DayOutcomes {
	var out []bot.DayOutcomes
	end := now.UTC()
	for d := from; !d.After(end); d = d.AddDate(0, 0, 1) {
		key := Day(d)
		o := byDay[key]
		o.Day = key
		out = append(out, o)
	}
	return out
}

// Weeks counts feedback presses by week.
type Weeks struct {
	first time.Time
	out   []bot.WeekFeedback
}

// NewWeeks returns the counts of the last weeks weeks (at least one) up to the week
// of now, all at zero.
func NewWeeks(now time.Time, weeks int) *Weeks {
	if weeks < 1 {
		weeks = 1
	}
	w := &Weeks{first: Monday(now).AddDate(0, 0, -7*(weeks-1)), out: make([]bot.WeekFeedback, weeks)}
	for i := range w.out {
		w.out[i].Week = Day(w.first.AddDate(0, 0, 7*i))
	}
	return w
}

// From returns the start of the first week: the back end selects the presses from it.
func (w *Weeks) From() time.Time { return w.first }

// Add counts a press made at at; one outside the weeks (a skewed clock) is left out.
func (w *Weeks) Add(at time.Time, helpful bool) {
	i := int(Monday(at).Sub(w.first).Hours()) / (7 * 24)
	if i < 0 || i >= len(w.out) {
		return
	}
	if helpful {
		w.out[i].Helpful++
	} else {
		w.out[i].NotHelpful++
	}
}

// Result returns the weeks, the oldest first.
func (w *Weeks) Result() []bot.WeekFeedback { return w.out }

// Search asks the FAQ which entry answers text, and how confidently.
type Search func(ctx context.Context, text string) (entryID string, confidence float64, err error)

// Propose adds an open suggestion of text (with its phrasing key) as a phrasing of
// entryID, linked to the questions ids it comes from, unless that phrasing was
// already proposed for that entry; it reports whether the suggestion is new.
type Propose func(ctx context.Context, entryID, text, key string, ids []string) (bool, error)

// Rescan searches again, once per wording with its latest text, the unanswered
// questions rows, and proposes each wording that now matches an entry with at least
// low confidence as a phrasing of that entry, linked to every question of that
// wording. It returns how many proposals are new.
func Rescan(ctx context.Context, rows []UnansweredRow, search Search, low float64, propose Propose) (int, error) {
	type wording struct {
		text string
		ids  []string
	}
	var order []string
	byKey := map[string]*wording{}
	for _, r := range rows {
		w := byKey[r.Key]
		if w == nil {
			w = &wording{}
			byKey[r.Key] = w
			order = append(order, r.Key)
		}
		w.text = r.Text
		w.ids = append(w.ids, r.ID)
	}
	added := 0
	for _, key := range order {
		w := byKey[key]
		if !phrasing.Proposable(w.text) {
			continue
		}
		id, confidence, err := search(ctx, w.text)
		if err != nil {
			return added, err
		}
		if id == "" || confidence < low {
			continue
		}
		isNew, err := propose(ctx, id, w.text, key, w.ids)
		if err != nil {
			return added, err
		}
		if isNew {
			added++
		}
	}
	return added, nil
}

// RetentionRoundDone is logged (at debug) after every round of RunRetention.
const RetentionRoundDone = "question log retention round done"

// RunRetention calls purge with the time keep before now, at once and then every every
// (daily if every is not positive), until ctx is done. Failures are logged and retried
// at the next round.
func RunRetention(ctx context.Context, log *slog.Logger, now func() time.Time, every, keep time.Duration,
	purge func(ctx context.Context, olderThan time.Time) (int64, error)) {
	if every <= 0 {
		every = 24 * time.Hour
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := purge(ctx, now().Add(-keep))
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("question log retention failed; retrying at the next round", "err", err)
		case n > 0:
			log.Info("question log retention: question texts deleted", "count", n, "older_than", keep.String())
		}
		log.Debug(RetentionRoundDone, "deleted", n)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
