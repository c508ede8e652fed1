package bot_test

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
	"github.com/smpbot/smpbot/knowledge"
	"github.com/smpbot/smpbot/knowledge/storetest"
)

// memLog is a question log in memory that can be made to wait or to fail, to test
// what the Recorder does when the real one (bot/sqlitelog, tested with the Recorder
// against SQLite there) is slow or down.
type memLog struct {
	mu       sync.Mutex
	asked    []bot.Asked
	feedback []bot.Feedback
	lost     int64
	failNext int           // this many writes fail
	gate     chan struct{} // when set, writes wait until it is closed
}

func (m *memLog) write(ctx context.Context, f func()) error {
	m.mu.Lock()
	gate := m.gate
	m.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failNext > 0 {
		m.failNext--
		return errors.New("disk I/O error")
	}
	f()
	return nil
}

func (m *memLog) Record(ctx context.Context, a bot.Asked) error {
	return m.write(ctx, func() { m.asked = append(m.asked, a) })
}

func (m *memLog) Feedback(ctx context.Context, f bot.Feedback) error {
	return m.write(ctx, func() { m.feedback = append(m.feedback, f) })
}

func (m *memLog) CountLost(ctx context.Context, at time.Time, n int64) error {
	return m.write(ctx, func() { m.lost += n })
}

func (m *memLog) snapshot() ([]bot.Asked, []bot.Feedback, int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.asked), slices.Clone(m.feedback), m.lost
}

func closeRecorder(t *testing.T, r *bot.Recorder) {
	t.Helper()
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestRecorderRecordsEachQuestion(t *testing.T) {
	ctx := context.Background()
	log := &memLog{}
	rec := bot.NewRecorder(handler(t), log)
	first, err := rec.Answer(ctx, bot.Question{Text: "  what is the best   pizza topping ", Platform: "telegram", User: "u1", Chat: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		q        bot.Question
		recorded bool
		want     bot.Asked // ID, Time and Latency are checked apart
	}{
		{
			name:     "an answer",
			q:        bot.Question{Text: "How many laser sessions will I need?", Platform: "discord", User: "u2", Chat: "c2"},
			recorded: true,
			want: bot.Asked{Platform: "discord", User: "u2", Chat: "c2", Question: "How many laser sessions will I need?",
				Kind: bot.KindAnswer, EntryID: "laser-sessions-count"},
		},
		{
			name:     "a chosen suggestion, linked to the reply it came from",
			q:        bot.Question{EntryID: "aftercare", FromAnswer: first.ID, Platform: "telegram", User: "u1", Chat: "c1"},
			recorded: true,
			want: bot.Asked{Platform: "telegram", User: "u1", Chat: "c1", Question: "What should I do after a laser removal session?",
				Kind: bot.KindAnswer, EntryID: "aftercare", FromAnswer: first.ID},
		},
		{
			name:     "small talk on the console",
			q:        bot.Question{Text: "hello!", Platform: "console", User: "console", Chat: "console"},
			recorded: true,
			want:     bot.Asked{Platform: "console", User: "console", Chat: "console", Question: "hello!", Kind: bot.KindSmallTalk},
		},
		{name: "smpbot ask", q: bot.Question{Text: "how much does removal cost", Platform: "cli", User: "cli"}},
		{name: "smpbot eval", q: bot.Question{Text: "how much does removal cost", Platform: "eval", User: "eval"}},
		{name: "a rescan of old questions", q: bot.Question{Text: "how much does removal cost", Platform: "rescan", User: "rescan"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := rec.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			before, _, _ := log.snapshot()
			r, err := rec.Answer(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if err := rec.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			after, _, _ := log.snapshot()
			if !tt.recorded {
				if len(after) != len(before) || r.ID != "" {
					t.Errorf("recorded %d, reply id %q; want nothing recorded and no id", len(after)-len(before), r.ID)
				}
				return
			}
			if len(after) != len(before)+1 {
				t.Fatalf("recorded %d, want 1", len(after)-len(before))
			}
			got := after[len(after)-1]
			if got.ID == "" || got.ID != r.ID {
				t.Errorf("record id %q, reply id %q; want the same, set", got.ID, r.ID)
			}
			if got.Time.IsZero() || got.Latency < 0 {
				t.Errorf("time %v latency %v", got.Time, got.Latency)
			}
			if got.Confidence != r.Confidence {
				t.Errorf("confidence %v, reply's %v", got.Confidence, r.Confidence)
			}
			var ids []string
			for _, s := range r.Suggestions {
				ids = append(ids, s.ID)
			}
			if !slices.Equal(got.Suggestions, ids) {
				t.Errorf("suggestions %v, reply's %v", got.Suggestions, ids)
			}
			got.ID, got.Time, got.Latency, got.Confidence, got.Suggestions = "", time.Time{}, 0, 0, nil
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("recorded\n %+v\nwant\n %+v", got, tt.want)
			}
		})
	}
	asked, _, _ := log.snapshot()
	if asked[0].Question != "what is the best pizza topping" || asked[0].Kind != bot.KindNoMatch {
		t.Errorf("first record %+v, want the cleaned decline", asked[0])
	}
	closeRecorder(t, rec)
	if rec.Lost() != 0 {
		t.Errorf("lost %d", rec.Lost())
	}
}

func TestRecorderReplyIDsAreUnique(t *testing.T) {
	rec := bot.NewRecorder(bot.HandlerFunc(func(context.Context, bot.Question) (bot.Reply, error) {
		return bot.Reply{Kind: bot.KindSmallTalk}, nil
	}), &memLog{}, bot.WithQueueSize(1000))
	defer closeRecorder(t, rec)
	seen := map[string]bool{}
	for range 1000 {
		r, err := rec.Answer(context.Background(), bot.Question{Text: "hi", Platform: "telegram"})
		if err != nil {
			t.Fatal(err)
		}
		// Telegram carries the id in callback data of at most 64 bytes, with a prefix.
		if seen[r.ID] || len(r.ID) == 0 || len(r.ID) > 16 {
			t.Fatalf("reply id %q: repeated %v or of bad length", r.ID, seen[r.ID])
		}
		seen[r.ID] = true
	}
}

func TestRecorderHandlerErrorIsNotRecorded(t *testing.T) {
	fail := errors.New("index closed")
	log := &memLog{}
	rec := bot.NewRecorder(bot.HandlerFunc(func(context.Context, bot.Question) (bot.Reply, error) {
		return bot.Reply{}, fail
	}), log)
	_, err := rec.Answer(context.Background(), bot.Question{Text: "cost?", Platform: "discord"})
	if !errors.Is(err, fail) {
		t.Errorf("error %v, want the handler's", err)
	}
	closeRecorder(t, rec)
	if asked, _, _ := log.snapshot(); len(asked) != 0 || rec.Lost() != 0 {
		t.Errorf("recorded %d, lost %d after a handler error; want nothing", len(asked), rec.Lost())
	}
}

func TestRecorderFeedback(t *testing.T) {
	log := &memLog{}
	rec := bot.NewRecorder(handler(t), log)
	presses := []bot.Feedback{
		{AnswerID: "a1", Platform: "discord", User: "u1", Helpful: true},
		{AnswerID: "a1", Platform: "discord", User: "u1", Helpful: false, Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
	}
	for _, f := range presses {
		if err := rec.RecordFeedback(context.Background(), f); err != nil {
			t.Fatal(err)
		}
	}
	closeRecorder(t, rec)
	_, got, _ := log.snapshot()
	if len(got) != 2 || got[0].Time.IsZero() || !got[1].Time.Equal(presses[1].Time) {
		t.Fatalf("feedback %+v, want both presses, the first stamped now", got)
	}
	got[0].Time, got[1].Time = time.Time{}, time.Time{}
	presses[1].Time = time.Time{}
	if !slices.Equal(got, presses) {
		t.Errorf("feedback %+v, want %+v", got, presses)
	}
}

func TestRecorderPassesTopicsAndCompletionsThrough(t *testing.T) {
	faq := handler(t)
	var h bot.Handler = bot.NewRecorder(faq, &memLog{})
	topics, ok := h.(bot.Topics)
	if !ok || !slices.Equal(topics.Topics(), faq.Topics()) || len(faq.Topics()) == 0 {
		t.Errorf("topics through the recorder differ from the FAQ's")
	}
	c, ok := h.(bot.Completer)
	ctx := context.Background()
	if got, want := c.Complete(ctx, "laser sess", 3), faq.Complete(ctx, "laser sess", 3); !ok || len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("completions %v, want the FAQ's %v", got, want)
	}
	plain := bot.NewRecorder(bot.HandlerFunc(func(context.Context, bot.Question) (bot.Reply, error) { return bot.Reply{}, nil }), &memLog{})
	if plain.Topics() != nil || plain.Complete(ctx, "laser", 3) != nil {
		t.Error("a handler without topics or completions got some through the recorder")
	}
}

// answerAll asks n questions and fails if the answers do not all come: with a log that
// waits until released, a Recorder that waited for it would hang here.
func answerAll(t *testing.T, rec *bot.Recorder, n int) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		for i := range n {
			r, err := rec.Answer(context.Background(), bot.Question{Text: "How many laser sessions will I need?", Platform: "telegram", User: fmt.Sprint(i)})
			if err == nil && (r.Kind != bot.KindAnswer || r.ID == "") {
				err = fmt.Errorf("reply %d: kind %s id %q", i, r.Kind, r.ID)
			}
			if err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second): // a hang guard, not a measurement
		t.Fatal("answers wait for the question log")
	}
}

func TestRecorderNeverWaitsForTheLog(t *testing.T) {
	const n, queue = 50, 3
	log := &memLog{gate: make(chan struct{})}
	rec := bot.NewRecorder(handler(t), log, bot.WithQueueSize(queue))
	answerAll(t, rec, n)
	// At most one record is being written and queue are waiting; the rest are lost.
	if lost := rec.Lost(); lost < n-queue-1 || lost > n-queue {
		t.Errorf("lost %d of %d with a queue of %d, want %d or %d", lost, n, queue, n-queue-1, n-queue)
	}
	lostBefore := rec.Lost()
	if err := rec.RecordFeedback(context.Background(), bot.Feedback{AnswerID: "x", Platform: "telegram", User: "u"}); !errors.Is(err, bot.ErrNotRecorded) {
		t.Errorf("feedback with a full queue: %v, want ErrNotRecorded", err)
	}
	if rec.Lost() != lostBefore+1 {
		t.Errorf("a lost feedback press was not counted")
	}
	close(log.gate)
	closeRecorder(t, rec)
	asked, _, savedLost := log.snapshot()
	if int64(len(asked))+rec.Lost() != n+1 {
		t.Errorf("stored %d + lost %d, want %d", len(asked), rec.Lost(), n+1)
	}
	// The losses are handed to the log once it writes again.
	if savedLost != rec.Lost() {
		t.Errorf("the log counted %d lost, the recorder %d", savedLost, rec.Lost())
	}
}

func TestRecorderCountsFailedWrites(t *testing.T) {
	log := &memLog{failNext: 4}
	rec := bot.NewRecorder(handler(t), log)
	answerAll(t, rec, 10)
	if err := rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	asked, _, saved := log.snapshot()
	if rec.Lost() != 4 || len(asked) != 6 {
		t.Errorf("lost %d, stored %d; want 4 and 6", rec.Lost(), len(asked))
	}
	if saved != 4 {
		t.Errorf("the log was told of %d losses, want 4", saved)
	}
	closeRecorder(t, rec)
}

func TestRecorderClose(t *testing.T) {
	log := &memLog{gate: make(chan struct{})}
	rec := bot.NewRecorder(handler(t), log, bot.WithQueueSize(20))
	answerAll(t, rec, 10)
	expired, cancel := context.WithCancel(context.Background())
	cancel()
	if err := rec.Close(expired); !errors.Is(err, context.Canceled) {
		t.Errorf("close while the log waits, with an ended context: %v", err)
	}
	close(log.gate)
	// Closing again waits for the queue to be written.
	closeRecorder(t, rec)
	if asked, _, _ := log.snapshot(); len(asked) != 10 || rec.Lost() != 0 {
		t.Errorf("after close: stored %d, lost %d; want 10 and 0", len(asked), rec.Lost())
	}
	// Answering goes on after Close, unrecorded and counted.
	answerAll(t, rec, 2)
	if rec.Lost() != 2 {
		t.Errorf("lost %d after close, want 2", rec.Lost())
	}
	if err := rec.Flush(context.Background()); err != nil {
		t.Errorf("flush after close: %v", err)
	}
}

func TestEntryMatcher(t *testing.T) {
	match := bot.EntryMatcher(handler(t))
	tests := []struct {
		text  string
		entry string
	}{
		{"How many laser sessions will I need?", "laser-sessions-count"},
		{"what is the best pizza topping", ""},
		{"my scalp has pus and a fever after laser", ""}, // urgent: not a phrasing to learn
		{"hello", ""},
	}
	for _, tt := range tests {
		id, conf, err := match(context.Background(), tt.text)
		if err != nil || id != tt.entry || (id != "") != (conf > 0) {
			t.Errorf("%q: %q %v %v, want %q", tt.text, id, conf, err, tt.entry)
		}
	}
}

// memReports holds suggestions for AcceptSuggestion; the SQLite one is tested in
// bot/sqlitelog, with AcceptSuggestion, end to end.
type memReports struct {
	bot.Reports
	open     []bot.PhrasingSuggestion
	resolved map[int64]bool
}

func (m *memReports) Suggestions(context.Context) ([]bot.PhrasingSuggestion, error) {
	return slices.Clone(m.open), nil
}

func (m *memReports) ResolveSuggestion(_ context.Context, id int64, accept bool) (bot.PhrasingSuggestion, error) {
	for i, s := range m.open {
		if s.ID == id {
			m.open = slices.Delete(m.open, i, i+1)
			m.resolved[id] = accept
			return s, nil
		}
	}
	return bot.PhrasingSuggestion{}, bot.ErrNoSuggestion
}

func TestAcceptSuggestion(t *testing.T) {
	ctx := context.Background()
	mod := bot.Identity{Platform: "discord", User: "m1", Name: "Mod"}
	tests := []struct {
		name     string
		who      bot.Identity
		s        bot.PhrasingSuggestion
		id       int64
		reject   bool
		wantErr  error
		wantAlt  bool // the phrasing is an alternate afterwards
		wantEdit bool // through an audited edit
		resolved bool
	}{
		// healing-time, not aftercare: the shipped aftercare is at the limit of 40
		// alternates, and accepting into a full entry is TestAcceptSuggestionIntoAFullEntry's.
		{name: "accepted", who: mod, s: bot.PhrasingSuggestion{ID: 1, EntryID: "healing-time", Question: "how long until i can dye my hair after the laser"}, id: 1,
			wantAlt: true, wantEdit: true, resolved: true},
		{name: "already a phrasing of the entry", who: mod, s: bot.PhrasingSuggestion{ID: 2, EntryID: "healing-time", Question: "Healing time after SMP laser!"}, id: 2,
			wantAlt: true, resolved: true},
		{name: "not a moderator", who: bot.Identity{Platform: "discord", User: "u9"}, s: bot.PhrasingSuggestion{ID: 3, EntryID: "healing-time", Question: "dye?"}, id: 3,
			wantErr: bot.ErrForbidden},
		{name: "no such suggestion", who: mod, s: bot.PhrasingSuggestion{ID: 4, EntryID: "healing-time", Question: "dye?"}, id: 5,
			wantErr: bot.ErrNoSuggestion},
		{name: "a phrasing of another entry", who: mod, s: bot.PhrasingSuggestion{ID: 6, EntryID: "healing-time", Question: "Smp laser cost"}, id: 6,
			wantErr: knowledge.ErrDuplicateAlternate},
		{name: "entry removed since", who: mod, s: bot.PhrasingSuggestion{ID: 7, EntryID: "gone", Question: "dye?"}, id: 7,
			wantErr: knowledge.ErrNotFound},
		{name: "rejected", who: mod, s: bot.PhrasingSuggestion{ID: 8, EntryID: "healing-time", Question: "dye hair"}, id: 8, reject: true,
			resolved: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, err := knowledge.OpenStore(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantErr == knowledge.ErrDuplicateAlternate {
				assertPhrasingOf(t, store, "cost", tt.s.Question)
			}
			m := bot.NewModeration(store, bot.Moderators{DiscordUsers: []string{"m1"}}, nil)
			reports := &memReports{open: []bot.PhrasingSuggestion{tt.s}, resolved: map[int64]bool{}}
			if tt.reject {
				err = bot.RejectSuggestion(ctx, m, reports, tt.who, tt.id)
			} else {
				err = bot.AcceptSuggestion(ctx, m, reports, tt.who, tt.id)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			accepted, resolved := reports.resolved[tt.id]
			if resolved != tt.resolved || resolved && accepted == tt.reject {
				t.Errorf("resolved %v accepted %v, want resolved %v, rejected %v", resolved, accepted, tt.resolved, tt.reject)
			}
			if tt.s.EntryID == "gone" {
				return
			}
			e, _, err := store.Get(tt.s.EntryID)
			if err != nil {
				t.Fatal(err)
			}
			has := slices.ContainsFunc(append(e.Alternates, e.Question), func(a string) bool { return strings.EqualFold(strings.Trim(a, "!"), strings.Trim(tt.s.Question, "!")) })
			if has != tt.wantAlt {
				t.Errorf("phrasing %q among the alternates: %v, want %v", tt.s.Question, has, tt.wantAlt)
			}
			hist, err := store.History(tt.s.EntryID)
			if err != nil {
				t.Fatal(err)
			}
			if edited := len(hist) == 1 && hist[0].Actor.User == "m1" && hist[0].Action == "edit"; edited != tt.wantEdit || !tt.wantEdit && len(hist) != 0 {
				t.Errorf("audit %+v, want an edit by m1: %v", hist, tt.wantEdit)
			}
		})
	}
}

func assertPhrasingOf(t *testing.T, store *knowledge.Store, id, phrasing string) {
	t.Helper()
	e, _, err := store.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(e.Alternates, func(a string) bool { return strings.EqualFold(a, phrasing) }) {
		t.Fatalf("the test needs %q to be an alternate of %s: %q", phrasing, id, e.Alternates)
	}
}

func TestRecorderSkipsPreviews(t *testing.T) {
	log := &memLog{}
	rec := bot.NewRecorder(bot.HandlerFunc(func(_ context.Context, q bot.Question) (bot.Reply, error) {
		return bot.Reply{Kind: bot.KindAnswer, Question: q.Text}, nil
	}), log)
	for _, q := range []bot.Question{
		{Text: "how many ses", Platform: "telegram", Preview: true},
		{EntryID: "cost", Platform: "telegram", Preview: true},
		{Text: "how many sessions", Platform: "telegram"},
	} {
		if _, err := rec.Answer(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	closeRecorder(t, rec)
	if asked, _, _ := log.snapshot(); len(asked) != 1 || asked[0].Question != "how many sessions" {
		t.Errorf("recorded %+v; want only the question really asked", asked)
	}
}

// An entry at the alternates' limit refuses one more, saying which entry, the limit
// and what to do, instead of validation's bare "too long"; nothing is changed.
func TestAcceptSuggestionIntoAFullEntry(t *testing.T) {
	ctx := context.Background()
	store, err := knowledge.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	storetest.FillAlternates(t, store, "aftercare")
	mod := bot.Identity{Platform: "telegram", User: "44", Name: "Mia"}
	full, before, _ := store.Get("aftercare")
	m := bot.NewModeration(store, bot.Moderators{TelegramUsers: []string{"44"}}, nil)
	reports := &memReports{open: []bot.PhrasingSuggestion{{ID: 9, EntryID: "aftercare", Question: "can i dye my hair after"}}, resolved: map[int64]bool{}}
	err = bot.AcceptSuggestion(ctx, m, reports, mod, 9)
	var fe *bot.AlternatesFullError
	if !errors.As(err, &fe) || fe.EntryID != "aftercare" || fe.Limit != knowledge.MaxAlternates || !errors.Is(err, knowledge.ErrTooLong) {
		t.Fatalf("error %v, want an AlternatesFullError for aftercare at %d, a knowledge.ErrTooLong", err, knowledge.MaxAlternates)
	}
	got := bot.DescribeError(err)
	for _, want := range []string{"aftercare already has 40 alternates", "Prune it first", "smpbot faq edit aftercare", "aftercare.md", "accept this suggestion again"} {
		if !strings.Contains(got, want) {
			t.Errorf("DescribeError = %q, lacks %q", got, want)
		}
	}
	if _, v, _ := store.Get("aftercare"); v != before || len(full.Alternates) != knowledge.MaxAlternates {
		t.Errorf("the entry changed")
	}
	if _, resolved := reports.resolved[9]; resolved || len(reports.open) != 1 {
		t.Errorf("the suggestion was resolved; want it open, to accept after pruning")
	}
}
