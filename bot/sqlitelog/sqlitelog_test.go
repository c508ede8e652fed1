package sqlitelog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/questionlog"
	"github.com/smpbot/smpbot/bot/questionlogtest"
)

// upTo stops the migrations at version v, as an older smpbot would have left the file.
func upTo(v int) Option { return func(l *Log) { l.target = v } }

// clock is a settable time for report windows and retention.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

var day0 = time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)

func openTest(t *testing.T, opts ...Option) (*Log, string, *clock) {
	t.Helper()
	c := &clock{t: day0}
	path := filepath.Join(t.TempDir(), "questions.db")
	l, err := Open(context.Background(), path, append([]Option{WithClock(c.now)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, path, c
}

func record(t *testing.T, l *Log, a bot.Asked) {
	t.Helper()
	if a.Time.IsZero() {
		a.Time = l.now()
	}
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

func TestOpenEmptyAppliesEveryMigration(t *testing.T) {
	ctx := context.Background()
	l, path, _ := openTest(t)
	v, err := l.SchemaVersion(ctx)
	if err != nil || v != len(migrations) {
		t.Fatalf("schema version %d, %v; want %d", v, err, len(migrations))
	}
	var mode string
	if err := l.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal mode %q, %v; want wal", mode, err)
	}
	var rows int
	if err := l.db.QueryRowContext(ctx, `SELECT count(*) FROM schema_version`).Scan(&rows); err != nil || rows != len(migrations) {
		t.Errorf("%d schema_version rows, %v; want one per migration", rows, err)
	}
	h := l.hash("telegram", "42")
	l.Close()
	// Reopening migrates nothing and keeps the installation key, so hashes stay stable.
	l2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if got := l2.hash("telegram", "42"); got != h {
		t.Errorf("hash after reopening %s, want %s", got, h)
	}
	if err := l2.db.QueryRowContext(ctx, `SELECT count(*) FROM schema_version`).Scan(&rows); err != nil || rows != len(migrations) {
		t.Errorf("after reopening %d schema_version rows, %v", rows, err)
	}
}

func TestOpenUpgradesVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "questions.db")
	old, err := Open(ctx, path, upTo(1))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := old.SchemaVersion(ctx); v != 1 {
		t.Fatalf("old database at version %d, want 1", v)
	}
	// What smpbot with schema 1 wrote: a decline with suggestions, the suggestion the
	// person then chose, a confident answer, and feedback on it.
	t0 := time.Now().UTC().Add(-time.Hour).UnixMilli()
	u := old.hash("discord", "777")
	for _, r := range []struct {
		id, question, kind, entry, sugg, from string
		conf                                  float64
	}{
		{"q1", "can I dye my hair after", "no_match", "", `["transplant-after-smp","laser-hair-loss","aftercare"]`, "", 0.34},
		{"q2", "What should I do after a laser removal session?", "answer", "aftercare", `[]`, "q1", 1},
		{"q3", "how many laser sessions will I need", "answer", "laser-sessions-count", `[]`, "", 0.74},
		{"q4", "Can I dye my hair after?", "no_match", "", `["aftercare"]`, "", 0.3},
	} {
		_, err := old.db.ExecContext(ctx, `INSERT INTO questions (id, time, platform, user_hash, question, kind, entry_id, confidence, suggestions, latency_ms, from_answer)
			VALUES (?, ?, 'discord', ?, ?, ?, ?, ?, ?, 12, ?)`, r.id, t0, u, r.question, r.kind, r.entry, r.conf, r.sugg, r.from)
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := old.db.ExecContext(ctx, `INSERT INTO feedback (answer_id, user_hash, helpful, time) VALUES ('q3', ?, 0, ?)`, u, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := old.db.ExecContext(ctx, `SELECT * FROM suggestions`); err == nil {
		t.Fatal("version 1 already has a suggestions table; the upgrade test tests nothing")
	}
	old.Close()

	l, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if v, _ := l.SchemaVersion(ctx); v != len(migrations) {
		t.Errorf("upgraded to version %d, want %d", v, len(migrations))
	}
	un, err := l.Unanswered(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(un) != 1 || un[0].Count != 2 || un[0].Closest != "transplant-after-smp" && un[0].Closest != "aftercare" {
		t.Errorf("unanswered after upgrade %+v, want the two dye questions in one group", un)
	}
	sugg, err := l.Suggestions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []bot.PhrasingSuggestion{{ID: sugg0(sugg), EntryID: "aftercare", Question: "can I dye my hair after", Reason: "chose-suggestion", Count: 2, Status: "open"}}
	if !slices.Equal(sugg, want) {
		t.Errorf("suggestions after upgrade %+v, want %+v (version 1's choice proposed, counted with its repeat)", sugg, want)
	}
	st, err := l.Stats(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	if st.Asked != 3 || st.Answered != 1 || len(st.NotHelpful) != 1 || st.NotHelpful[0].EntryID != "laser-sessions-count" {
		t.Errorf("stats after upgrade: asked %d answered %d not helpful %+v; want 3, 1, laser-sessions-count", st.Asked, st.Answered, st.NotHelpful)
	}
	if st.Urgent != 0 {
		t.Errorf("%d urgent after upgrade; the old questions count as not urgent", st.Urgent)
	}
	// And the upgraded log goes on recording with the same installation key.
	record(t, l, bot.Asked{ID: "q5", Platform: "discord", User: "777", Question: "can i dye my hair after", Kind: bot.KindNoMatch, Time: time.Now()})
	record(t, l, bot.Asked{ID: "q6", Platform: "discord", User: "777", Question: "my scalp is red and hot", Kind: bot.KindAnswer, EntryID: "complications-urgent", Confidence: 1, Urgent: true, Time: time.Now()})
	if st, err := l.Stats(ctx, 7); err != nil || st.Urgent != 1 {
		t.Errorf("urgent after recording one: %d, %v", st.Urgent, err)
	}
	if n, err := l.PurgeUser(ctx, "discord", "777"); err != nil || n != 6 {
		t.Errorf("purging the user removed %d questions, %v; want all 6", n, err)
	}
}

func sugg0(s []bot.PhrasingSuggestion) int64 {
	if len(s) == 0 {
		return 0
	}
	return s[0].ID
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	l, path, _ := openTest(t)
	if _, err := l.db.ExecContext(ctx, `INSERT INTO schema_version (version, name, applied) VALUES (99, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	l.Close()
	_, err := Open(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("opening a version 99 database: %v, want an error saying it is newer", err)
	}
}

func TestOpenConcurrently(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "questions.db")
	var wg sync.WaitGroup
	logs := make([]*Log, 4)
	errs := make([]error, 4)
	for i := range logs {
		wg.Go(func() { logs[i], errs[i] = Open(ctx, path) })
	}
	wg.Wait()
	keys := map[string]bool{}
	for i, l := range logs {
		if errs[i] != nil {
			t.Fatalf("open %d: %v", i, errs[i])
		}
		keys[l.hash("a", "b")] = true
		defer l.Close()
	}
	var rows int
	if err := logs[0].db.QueryRowContext(ctx, `SELECT count(*) FROM schema_version`).Scan(&rows); err != nil || rows != len(migrations) {
		t.Errorf("%d schema_version rows, %v; want each migration applied once", rows, err)
	}
	if len(keys) != 1 {
		t.Errorf("%d installation keys, want 1", len(keys))
	}
}

func TestUserIDsAreNotStored(t *testing.T) {
	ctx := context.Background()
	l, path, _ := openTest(t)
	const raw = "user-31415926535"
	record(t, l, bot.Asked{ID: "a1", Platform: "discord", User: raw, Chat: "chat-27182818", Question: "how much does removal cost", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 0.8})
	if err := l.Feedback(ctx, bot.Feedback{AnswerID: "a1", Platform: "discord", User: raw, Helpful: true}); err != nil {
		t.Fatal(err)
	}
	other, _, _ := openTest(t)
	tests := []struct {
		name    string
		a, b    string
		differs bool
	}{
		{"same user and platform", l.hash("discord", raw), l.hash("discord", raw), false},
		{"same id on another platform", l.hash("discord", raw), l.hash("telegram", raw), true},
		{"another installation", l.hash("discord", raw), other.hash("discord", raw), true},
		{"ids that concatenate alike", l.hash("discord", "1"+raw), l.hash("discord1", raw), true},
	}
	for _, tt := range tests {
		if got := tt.a != tt.b; got != tt.differs {
			t.Errorf("%s: hashes differ %v, want %v", tt.name, got, tt.differs)
		}
	}
	l.Close()
	for _, f := range []string{path, path + "-wal"} {
		data, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		for _, secret := range []string{raw, "chat-27182818"} {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s holds the raw id %q", filepath.Base(f), secret)
			}
		}
		if f == path && !bytes.Contains(data, []byte("how much does removal cost")) {
			t.Errorf("%s does not hold the question: the byte search above proves nothing", filepath.Base(f))
		}
	}
}

func TestFeedbackOncePerPersonAndAnswer(t *testing.T) {
	ctx := context.Background()
	l, _, _ := openTest(t)
	record(t, l, bot.Asked{ID: "a1", Question: "does laser removal hurt", Kind: bot.KindAnswer, EntryID: "laser-pain", Confidence: 0.7})
	record(t, l, bot.Asked{ID: "a2", Question: "cost of removal", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 0.9})
	presses := []bot.Feedback{
		{AnswerID: "a1", Platform: "telegram", User: "u1", Helpful: true},
		{AnswerID: "a1", Platform: "telegram", User: "u1", Helpful: false}, // changed their mind
		{AnswerID: "a1", Platform: "telegram", User: "u1", Helpful: false}, // pressed again
		{AnswerID: "a1", Platform: "telegram", User: "u2", Helpful: true},
		{AnswerID: "a2", Platform: "telegram", User: "u1", Helpful: true},
		{AnswerID: "a2", Platform: "discord", User: "u1", Helpful: true}, // another person
	}
	for _, f := range presses {
		if err := l.Feedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	st, err := l.Stats(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []bot.EntryStats{{EntryID: "cost", Answers: 1, Helpful: 2}, {EntryID: "laser-pain", Answers: 1, Helpful: 1, NotHelpful: 1}}
	if !slices.Equal(st.TopEntries, want) {
		t.Errorf("entries %+v, want %+v", st.TopEntries, want)
	}
	if want := []bot.EntryStats{want[1]}; !slices.Equal(st.NotHelpful, want) {
		t.Errorf("not helpful %+v, want %+v", st.NotHelpful, want)
	}
	if err := l.Feedback(ctx, bot.Feedback{Platform: "telegram", User: "u1"}); err == nil {
		t.Error("feedback without an answer id was accepted")
	}
}

func TestUnansweredWindowAndKinds(t *testing.T) {
	ctx := context.Background()
	l, _, c := openTest(t)
	c.set(day0)
	for i, a := range []bot.Asked{
		{Time: day0.AddDate(0, 0, -8), Question: "dye hair after", Kind: bot.KindNoMatch},                                              // outside 7 days
		{Time: day0.AddDate(0, 0, -6), Question: "can I dye my hair after", Kind: bot.KindNoMatch, Suggestions: []string{"aftercare"}}, // declined
		{Time: day0.Add(-time.Hour), Question: "dye my hair after?", Kind: bot.KindAnswer, EntryID: "aftercare", Confidence: 0.52},     // low confidence
		{Time: day0.Add(-time.Hour), Question: "dye hair after laser", Kind: bot.KindAnswer, EntryID: "aftercare", Confidence: 0.9},    // answered
		{Time: day0.Add(-time.Hour), Question: "hi there", Kind: bot.KindSmallTalk},
		{Time: day0.Add(-time.Hour), Question: "What should I do after a laser removal session?", Kind: bot.KindAnswer, EntryID: "aftercare", Confidence: 1, FromAnswer: "q1"},
	} {
		a.ID = fmt.Sprint("q", i)
		record(t, l, a)
	}
	got, err := l.Unanswered(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	want := []bot.UnansweredGroup{{Question: "dye my hair after?", Count: 2, Examples: []string{"can I dye my hair after"}, Closest: "aftercare", LastAsked: day0.Add(-time.Hour)}}
	if !questionlogtest.EqualGroups(got, want) {
		t.Errorf("got\n%s\nwant\n%s", questionlogtest.FormatGroups(got), questionlogtest.FormatGroups(want))
	}
	if got, _ := l.Unanswered(ctx, 30); len(got) != 1 || got[0].Count != 3 {
		t.Errorf("30 days: %s, want the three dye questions", questionlogtest.FormatGroups(got))
	}
}

func TestSuggestionFromChosenEntry(t *testing.T) {
	ctx := context.Background()
	l, _, _ := openTest(t)
	declined := bot.Asked{ID: "d1", Question: "can I dye my hair after", Kind: bot.KindNoMatch, Confidence: 0.34,
		Suggestions: []string{"transplant-after-smp", "laser-hair-loss", "aftercare"}}
	weak := bot.Asked{ID: "w1", Question: "regret my hairline", Kind: bot.KindAnswer, EntryID: "common-regrets", Confidence: 0.52,
		Suggestions: []string{"hairline-problems"}}
	sure := bot.Asked{ID: "s1", Question: "how much does removal cost", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 0.9,
		Suggestions: []string{"consultation-questions"}}
	long := bot.Asked{ID: "l1", Question: strings.Repeat("word ", 50), Kind: bot.KindNoMatch, Suggestions: []string{"aftercare"}}
	for _, a := range []bot.Asked{declined, weak, sure, long} {
		record(t, l, a)
	}
	choose := func(id, from, entry string) {
		record(t, l, bot.Asked{ID: id, Question: "the entry's question", Kind: bot.KindAnswer, EntryID: entry, Confidence: 1, FromAnswer: from})
	}
	choose("c1", "d1", "aftercare")              // proposed
	choose("c2", "d1", "aftercare")              // the same choice again: still one proposal
	choose("c3", "d1", "complications-urgent")   // a related entry, not a suggestion: nothing
	choose("c4", "w1", "hairline-problems")      // after a weak answer: proposed
	choose("c5", "s1", "consultation-questions") // after a confident answer: nothing
	choose("c6", "l1", "aftercare")              // too long to be an alternate: nothing
	choose("c7", "lost", "aftercare")            // the reply was never recorded: nothing
	record(t, l, bot.Asked{ID: "d2", User: "u2", Question: "Can I dye my hair after?", Kind: bot.KindNoMatch})

	got, err := l.Suggestions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []bot.PhrasingSuggestion{
		{EntryID: "aftercare", Question: "can I dye my hair after", Reason: "chose-suggestion", Count: 2, Status: "open"},
		{EntryID: "hairline-problems", Question: "regret my hairline", Reason: "chose-suggestion", Count: 1, Status: "open"},
	}
	if !equalSuggestions(got, want) {
		t.Fatalf("suggestions %+v, want %+v", got, want)
	}
	// Resolving: once only, and accepting a phrasing closes its proposals for other entries.
	record(t, l, bot.Asked{ID: "d3", Question: "regret my hairline", Kind: bot.KindNoMatch, Suggestions: []string{"common-regrets"}})
	choose("c8", "d3", "common-regrets")
	if got, _ := l.Suggestions(ctx); len(got) != 3 {
		t.Fatalf("%d open suggestions, want 3: %+v", len(got), got)
	}
	p, err := l.ResolveSuggestion(ctx, got[1].ID, true)
	if err != nil || p.Status != "accepted" || p.EntryID != "hairline-problems" {
		t.Fatalf("accepting: %+v, %v", p, err)
	}
	if _, err := l.ResolveSuggestion(ctx, got[1].ID, false); !errors.Is(err, bot.ErrNoSuggestion) {
		t.Errorf("resolving twice: %v, want ErrNoSuggestion", err)
	}
	if _, err := l.ResolveSuggestion(ctx, 999, true); !errors.Is(err, bot.ErrNoSuggestion) {
		t.Errorf("resolving an unknown id: %v, want ErrNoSuggestion", err)
	}
	left, _ := l.Suggestions(ctx)
	if len(left) != 1 || left[0].EntryID != "aftercare" {
		t.Errorf("open after accepting %+v, want only the aftercare one", left)
	}
	p, err = l.ResolveSuggestion(ctx, left[0].ID, false)
	if err != nil || p.Status != "rejected" {
		t.Fatalf("rejecting: %+v, %v", p, err)
	}
	// A rejected phrasing is not proposed again.
	record(t, l, bot.Asked{ID: "d4", Question: "can i dye my hair after", Kind: bot.KindNoMatch, Suggestions: []string{"aftercare"}})
	choose("c9", "d4", "aftercare")
	if left, _ := l.Suggestions(ctx); len(left) != 0 {
		t.Errorf("open after rejecting and asking again: %+v", left)
	}
}

func equalSuggestions(got, want []bot.PhrasingSuggestion) bool {
	return slices.EqualFunc(got, want, func(a, b bot.PhrasingSuggestion) bool {
		a.ID, b.ID = 0, 0
		return a == b
	})
}

func TestRescan(t *testing.T) {
	ctx := context.Background()
	l, _, c := openTest(t, WithRescanDays(30))
	for i, a := range []bot.Asked{
		{Time: day0.AddDate(0, 0, -40), Question: "hair dye after laser", Kind: bot.KindNoMatch}, // too old to rescan
		{Question: "dye hair after removal", Kind: bot.KindNoMatch},
		{Question: "Dye hair after removal?", Kind: bot.KindNoMatch},
		{Question: "can i swim after", Kind: bot.KindAnswer, EntryID: "aftercare", Confidence: 0.55},
		{Question: "best pizza", Kind: bot.KindNoMatch},
		{Question: "does laser hurt", Kind: bot.KindAnswer, EntryID: "laser-pain", Confidence: 0.9},
	} {
		a.ID = fmt.Sprint("q", i)
		record(t, l, a)
	}
	c.set(day0.Add(time.Hour))
	// What the edited FAQ answers now.
	now := map[string]struct {
		id   string
		conf float64
	}{
		"dye hair after removal":  {"aftercare", 0.8},
		"Dye hair after removal?": {"aftercare", 0.8},
		"hair dye after laser":    {"aftercare", 0.8},
		"can i swim after":        {"aftercare", 0.58}, // still weak
		"best pizza":              {"", 0},
	}
	var asked []string
	search := func(_ context.Context, text string) (string, float64, error) {
		asked = append(asked, text)
		m := now[text]
		return m.id, m.conf, nil
	}
	n, err := l.Rescan(ctx, search)
	if err != nil || n != 1 {
		t.Fatalf("rescan: %d new, %v; want 1", n, err)
	}
	slices.Sort(asked)
	if want := []string{"Dye hair after removal?", "best pizza", "can i swim after"}; !slices.Equal(asked, want) {
		t.Errorf("searched %q, want %q (one search per wording, recent and unanswered only)", asked, want)
	}
	got, _ := l.Suggestions(ctx)
	want := []bot.PhrasingSuggestion{{EntryID: "aftercare", Question: "Dye hair after removal?", Reason: "matches-after-edit", Count: 2, Status: "open"}}
	if !equalSuggestions(got, want) {
		t.Errorf("suggestions %+v, want %+v", got, want)
	}
	if n, err := l.Rescan(ctx, search); err != nil || n != 0 {
		t.Errorf("second rescan: %d new, %v; want 0", n, err)
	}
	fail := errors.New("index closed")
	if _, err := l.Rescan(ctx, func(context.Context, string) (string, float64, error) { return "", 0, fail }); !errors.Is(err, fail) {
		t.Errorf("rescan with a failing search: %v", err)
	}
}

func TestPurge(t *testing.T) {
	ctx := context.Background()
	l, path, c := openTest(t)
	old := day0.AddDate(0, 0, -100)
	record(t, l, bot.Asked{ID: "o1", Time: old, User: "u1", Question: "secret old question about dye", Kind: bot.KindNoMatch, Suggestions: []string{"aftercare"}})
	record(t, l, bot.Asked{ID: "o2", Time: old.Add(time.Minute), User: "u1", Question: "x", Kind: bot.KindAnswer, EntryID: "aftercare", Confidence: 1, FromAnswer: "o1"})
	record(t, l, bot.Asked{ID: "o3", Time: old, User: "u2", Question: "old answered question", Kind: bot.KindAnswer, EntryID: "cost", Confidence: 0.9})
	if err := l.Feedback(ctx, bot.Feedback{AnswerID: "o3", Platform: "telegram", User: "u2", Helpful: true, Time: old}); err != nil {
		t.Fatal(err)
	}
	record(t, l, bot.Asked{ID: "n1", User: "u1", Question: "recent question about dye", Kind: bot.KindNoMatch})
	if s, _ := l.Suggestions(ctx); len(s) != 1 {
		t.Fatalf("suggestions before purging: %+v, want the one from o1", s)
	}
	n, err := l.Purge(ctx, c.now().Add(-DefaultRetention))
	if err != nil || n != 3 {
		t.Fatalf("purge: %d, %v; want the 3 old questions", n, err)
	}
	var texts, unlinked int
	if err := l.db.QueryRowContext(ctx, `SELECT count(question), sum(user_hash = '') FROM questions`).Scan(&texts, &unlinked); err != nil {
		t.Fatal(err)
	}
	if texts != 1 || unlinked != 3 {
		t.Errorf("%d texts left and %d rows unlinked from users, want 1 and 3", texts, unlinked)
	}
	if s, _ := l.Suggestions(ctx); len(s) != 0 {
		t.Errorf("suggestions after purging their question: %+v", s)
	}
	// The numbers stay for the stats; they no longer belong to anyone.
	st, err := l.Stats(ctx, 200)
	if err != nil {
		t.Fatal(err)
	}
	if st.Asked != 3 || len(st.TopEntries) == 0 || st.TopEntries[0] != (bot.EntryStats{EntryID: "aftercare", Answers: 1}) {
		t.Errorf("stats after purging: asked %d top %+v", st.Asked, st.TopEntries)
	}
	if n, err := l.PurgeUser(ctx, "telegram", "u2"); err != nil || n != 0 {
		t.Errorf("purging u2 after retention: %d, %v; want nothing left to link to them", n, err)
	}
	if n, err := l.Purge(ctx, c.now().Add(-DefaultRetention)); err != nil || n != 0 {
		t.Errorf("purging again: %d, %v; want 0", n, err)
	}
	l.Close()
	assertGone(t, path, "secret old question about dye")
}

// assertGone checks that no file of the database still holds text.
func assertGone(t *testing.T, path, text string) {
	t.Helper()
	for _, f := range []string{path, path + "-wal"} {
		data, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(text)) {
			t.Errorf("%s still holds %q", filepath.Base(f), text)
		}
	}
}

func TestPurgeUser(t *testing.T) {
	ctx := context.Background()
	l, path, _ := openTest(t)
	record(t, l, bot.Asked{ID: "a1", Platform: "discord", User: "42", Question: "private question one", Kind: bot.KindNoMatch, Suggestions: []string{"aftercare"}})
	record(t, l, bot.Asked{ID: "a2", Platform: "discord", User: "42", Question: "x", Kind: bot.KindAnswer, EntryID: "aftercare", Confidence: 1, FromAnswer: "a1"})
	record(t, l, bot.Asked{ID: "a3", Platform: "telegram", User: "42", Question: "same id elsewhere", Kind: bot.KindNoMatch})
	record(t, l, bot.Asked{ID: "a4", Platform: "discord", User: "43", Question: "private question one", Kind: bot.KindNoMatch, Suggestions: []string{"aftercare"}})
	record(t, l, bot.Asked{ID: "a5", Platform: "discord", User: "43", Question: "x", Kind: bot.KindAnswer, EntryID: "aftercare", Confidence: 1, FromAnswer: "a4"})
	record(t, l, bot.Asked{ID: "a6", Platform: "discord", User: "42", Question: "only mine: can I dye", Kind: bot.KindNoMatch, Suggestions: []string{"aftercare"}})
	record(t, l, bot.Asked{ID: "a7", Platform: "discord", User: "42", Question: "x", Kind: bot.KindAnswer, EntryID: "aftercare", Confidence: 1, FromAnswer: "a6"})
	for _, f := range []bot.Feedback{{AnswerID: "a2", Platform: "discord", User: "42"}, {AnswerID: "a5", Platform: "discord", User: "42", Helpful: true}, {AnswerID: "a5", Platform: "discord", User: "43"}} {
		if err := l.Feedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	if s, _ := l.Suggestions(ctx); len(s) != 2 {
		t.Fatalf("before: %+v, want 2 suggestions", s)
	}
	n, err := l.PurgeUser(ctx, "discord", "42")
	if err != nil || n != 4 {
		t.Fatalf("purge user: %d, %v; want 4 questions", n, err)
	}
	var qs, fb int
	l.db.QueryRowContext(ctx, `SELECT count(*) FROM questions`).Scan(&qs)
	l.db.QueryRowContext(ctx, `SELECT count(*) FROM feedback`).Scan(&fb)
	if qs != 3 || fb != 1 {
		t.Errorf("%d questions and %d feedback left, want 3 (the other user's and the other platform's) and 1", qs, fb)
	}
	s, _ := l.Suggestions(ctx)
	if want := []bot.PhrasingSuggestion{{EntryID: "aftercare", Question: "private question one", Reason: "chose-suggestion", Count: 1, Status: "open"}}; !equalSuggestions(s, want) {
		t.Errorf("after: %+v, want %+v (kept for the other user who asked it too)", s, want)
	}
	l.Close()
	assertGone(t, path, "only mine: can I dye")
}

// captured is a slog handler that hands each message to a channel, dropping what does
// not fit rather than blocking the code under test.
type captured struct{ msgs chan string }

func (c captured) Enabled(context.Context, slog.Level) bool { return true }
func (c captured) Handle(_ context.Context, r slog.Record) error {
	select {
	case c.msgs <- r.Message:
	default:
	}
	return nil
}
func (c captured) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c captured) WithGroup(string) slog.Handler      { return c }

func TestRunRetention(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	msgs := make(chan string, 100)
	l, _, _ := openTest(t, WithLogger(slog.New(captured{msgs})))
	record(t, l, bot.Asked{ID: "o1", Time: day0.AddDate(0, 0, -31), Question: "old", Kind: bot.KindNoMatch})
	record(t, l, bot.Asked{ID: "n1", Time: day0.AddDate(0, 0, -29), Question: "new", Kind: bot.KindNoMatch})
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.RunRetention(ctx, time.Hour, 30*24*time.Hour)
	}()
	// The first round runs at once; every round logs (at debug) when it is over.
	timeout := time.After(10 * time.Second)
wait:
	for {
		select {
		case m := <-msgs:
			if m == questionlog.RetentionRoundDone {
				break wait
			}
		case <-timeout:
			t.Fatal("no retention round finished within 10 s")
		}
	}
	cancel()
	<-done
	var texts []string
	query(context.Background(), l.db, `SELECT question FROM questions WHERE question IS NOT NULL`, func(s scanner) error {
		var q string
		err := s.Scan(&q)
		texts = append(texts, q)
		return err
	})
	if !slices.Equal(texts, []string{"new"}) {
		t.Errorf("texts after a retention round of 30 days: %q, want only the newer one", texts)
	}
}
