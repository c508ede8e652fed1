package sqlitelog_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/sqlitelog"
	"github.com/smpbot/smpbot/index"
	"github.com/smpbot/smpbot/knowledge"
)

// world is a bot as `smpbot run` wires it: a data directory's FAQ store, the index
// following its changes, the FAQ handler, the question log and the Recorder.
type world struct {
	dir   string
	store *knowledge.Store
	idx   *index.Index
	faq   *bot.FAQ
	log   *sqlitelog.Log
	rec   *bot.Recorder
	mod   *bot.Moderation
}

const moderator = "mod-1"

func newWorld(t *testing.T, opts ...bot.RecorderOption) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{dir: t.TempDir()}
	entries, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	if w.idx, err = index.New(entries); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.idx.Close() })
	w.store, err = knowledge.OpenStore(w.dir, knowledge.OnChange(func(es []knowledge.Entry) {
		if err := w.idx.Rebuild(es); err != nil {
			t.Errorf("reindexing: %v", err)
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	w.faq = bot.NewFAQ(w.idx)
	if w.log, err = sqlitelog.Open(ctx, filepath.Join(w.dir, sqlitelog.FileName)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.log.Close() })
	w.rec = bot.NewRecorder(w.faq, w.log, opts...)
	t.Cleanup(func() { w.rec.Close(context.Background()) })
	w.mod = bot.NewModeration(w.store, bot.Moderators{TelegramUsers: []string{moderator}}, nil)
	return w
}

func (w *world) ask(t *testing.T, user, text string) bot.Reply {
	t.Helper()
	r, err := w.rec.Answer(context.Background(), bot.Question{Text: text, Platform: "telegram", User: user, Chat: "c-" + user})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (w *world) flush(t *testing.T) {
	t.Helper()
	if err := w.rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func suggested(r bot.Reply, id string) bool {
	return slices.ContainsFunc(r.Suggestions, func(s bot.Suggestion) bool { return s.ID == id })
}

// TestLearningLoop follows a question from a decline to an answer: it is declined,
// shows up as unanswered, the person picks the right entry among the suggestions, that
// becomes a proposal, a moderator accepts it, and the same question is answered.
func TestLearningLoop(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	const q = "can I bleach my hair after"

	first := w.ask(t, "111", q)
	if first.Kind != bot.KindNoMatch || !suggested(first, "aftercare") || first.ID == "" {
		t.Fatalf("%q: kind %s, suggestions %v, id %q; the test needs a decline suggesting aftercare", q, first.Kind, first.Suggestions, first.ID)
	}
	second := w.ask(t, "222", "Can I bleach my hair after?")
	if second.Kind != bot.KindNoMatch {
		t.Fatalf("repeat: kind %s, want no_match", second.Kind)
	}
	w.flush(t)
	un, err := w.log.Unanswered(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(un) != 1 || un[0].Count != 2 {
		t.Fatalf("unanswered %+v, want one group of 2", un)
	}

	// The first person presses the aftercare suggestion.
	chosen, err := w.rec.Answer(ctx, bot.Question{EntryID: "aftercare", FromAnswer: first.ID, Platform: "telegram", User: "111", Chat: "c-111"})
	if err != nil || chosen.Kind != bot.KindAnswer || chosen.Entry.ID != "aftercare" {
		t.Fatalf("choosing aftercare: %+v, %v", chosen, err)
	}
	w.flush(t)
	open, err := w.log.Suggestions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 1 || open[0].EntryID != "aftercare" || open[0].Question != q || open[0].Count != 2 || open[0].Reason != "chose-suggestion" {
		t.Fatalf("suggestions %+v, want %q for aftercare, asked twice", open, q)
	}
	id := open[0].ID

	// Only a moderator may accept it.
	asker := bot.Identity{Platform: "telegram", User: "111"}
	if err := bot.AcceptSuggestion(ctx, w.mod, w.log, asker, id); !errors.Is(err, bot.ErrForbidden) {
		t.Fatalf("accepted by the asker: %v, want ErrForbidden", err)
	}
	if still, _ := w.log.Suggestions(ctx); len(still) != 1 {
		t.Fatalf("a refused accept resolved the suggestion: %+v", still)
	}
	mod := bot.Identity{Platform: "telegram", User: moderator, Name: "Mo"}
	if err := bot.AcceptSuggestion(ctx, w.mod, w.log, mod, id); err != nil {
		t.Fatalf("accepting: %v", err)
	}
	e, _, err := w.store.Get("aftercare")
	if err != nil || !slices.Contains(e.Alternates, q) {
		t.Fatalf("aftercare alternates %q, %v; want %q added", e.Alternates, err, q)
	}
	hist, err := w.store.History("aftercare")
	if err != nil || len(hist) != 1 || hist[0].Action != "edit" || hist[0].Actor.User != moderator {
		t.Errorf("audit of aftercare %+v, %v; want one edit by the moderator", hist, err)
	}
	if err := bot.AcceptSuggestion(ctx, w.mod, w.log, mod, id); !errors.Is(err, bot.ErrNoSuggestion) {
		t.Errorf("accepting twice: %v, want ErrNoSuggestion", err)
	}

	// The same question, and its repeat, are answered now.
	for _, text := range []string{q, "Can I bleach my hair after?"} {
		r := w.ask(t, "333", text)
		if r.Kind != bot.KindAnswer || r.Entry.ID != "aftercare" {
			t.Errorf("%q after accepting: kind %s entry %v, want aftercare", text, r.Kind, r.Entry)
		}
	}
	w.flush(t)
	st, err := w.log.Stats(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if st.Asked != 4 || st.Answered != 2 || w.rec.Lost() != 0 {
		t.Errorf("stats asked %d answered %d, lost %d; want 4, 2, 0", st.Asked, st.Answered, w.rec.Lost())
	}
}

// TestRescanAfterEdit: a moderator's edit makes a declined question answerable, and
// the rescan proposes it as a phrasing of the entry that now answers it.
func TestRescanAfterEdit(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	const q = "is hair dye ok after the laser"
	if r := w.ask(t, "111", q); r.Kind != bot.KindNoMatch {
		t.Fatalf("%q: kind %s, the test needs a decline", q, r.Kind)
	}
	w.ask(t, "111", "what is the best pizza topping")
	w.flush(t)
	if n, err := w.log.Rescan(ctx, bot.EntryMatcher(w.faq)); err != nil || n != 0 {
		t.Fatalf("rescan before any edit: %d, %v; want nothing", n, err)
	}
	e, v, err := w.store.Get("aftercare")
	if err != nil {
		t.Fatal(err)
	}
	e.Alternates = append(e.Alternates, "can i dye my hair after laser removal")
	if err := w.mod.Edit(ctx, bot.Identity{Platform: "telegram", User: moderator}, e, v); err != nil {
		t.Fatal(err)
	}
	n, err := w.log.Rescan(ctx, bot.EntryMatcher(w.faq))
	if err != nil || n != 1 {
		t.Fatalf("rescan after the edit: %d, %v; want 1 proposal", n, err)
	}
	open, _ := w.log.Suggestions(ctx)
	if len(open) != 1 || open[0].EntryID != "aftercare" || open[0].Question != q || open[0].Reason != "matches-after-edit" {
		t.Fatalf("suggestions %+v", open)
	}
	if err := bot.RejectSuggestion(ctx, w.mod, w.log, bot.Identity{Platform: "telegram", User: moderator}, open[0].ID); err != nil {
		t.Fatal(err)
	}
	if n, err := w.log.Rescan(ctx, bot.EntryMatcher(w.faq)); err != nil || n != 0 {
		t.Errorf("rescan after rejecting: %d, %v; a rejected phrasing is not proposed again", n, err)
	}
}

// TestAnsweringGoesOnWithoutTheLog makes the database unusable in the ways it fails in
// practice and checks that every question is still answered at once, and that the
// losses are counted.
func TestAnsweringGoesOnWithoutTheLog(t *testing.T) {
	questions := []struct {
		text   string
		kind   bot.Kind
		entry  string
		urgent bool
	}{
		{"How many laser sessions will I need?", bot.KindAnswer, "laser-sessions-count", false},
		{"what is the best pizza topping", bot.KindNoMatch, "", false},
		{"my scalp has pus and a fever after laser", bot.KindAnswer, "complications-urgent", true},
		{"How much does laser SMP removal cost?", bot.KindAnswer, "cost", false},
	}
	const rounds = 5 // 20 questions, many more than the queue holds
	tests := []struct {
		name string
		// breakDB makes the database unusable and returns what mends it, or nil.
		breakDB func(t *testing.T, w *world) (mend func())
		// atMostKept is how many records may still reach the database.
		atMostKept int
	}{
		{
			name: "closed under the bot",
			breakDB: func(t *testing.T, w *world) func() {
				w.log.Close()
				return nil
			},
		},
		{
			// Another process (a backup, `sqlite3` left open in a transaction) holds the
			// write lock, and writes wait for it: a Recorder that waited too would hang
			// every answer for as long.
			name: "locked by another process",
			breakDB: func(t *testing.T, w *world) func() {
				ctx := context.Background()
				other, err := sql.Open("sqlite", "file:"+filepath.Join(w.dir, sqlitelog.FileName))
				if err != nil {
					t.Fatal(err)
				}
				conn, err := other.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
					t.Fatal(err)
				}
				return func() {
					if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
						t.Error(err)
					}
					conn.Close()
					other.Close()
				}
			},
			atMostKept: 1 + 2, // the write waiting for the lock, and a full queue
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, bot.WithQueueSize(2), bot.WithRecordTimeout(time.Hour))
			mend := tt.breakDB(t, w)
			type result struct {
				r   bot.Reply
				err error
			}
			results := make(chan result)
			go func() {
				for range rounds {
					for _, q := range questions {
						r, err := w.rec.Answer(context.Background(), bot.Question{Text: q.text, Platform: "discord", User: "u", Chat: "c"})
						results <- result{r, err}
					}
				}
				close(results)
			}()
			// Not a timing test: answers that waited for the database would never come
			// while it stays broken, and this limit only turns that hang into a failure.
			limit := time.After(30 * time.Second)
			n := 0
			for n < rounds*len(questions) {
				select {
				case res := <-results:
					q := questions[n%len(questions)]
					switch {
					case res.err != nil:
						t.Errorf("%q: %v", q.text, res.err)
					case res.r.Kind != q.kind || res.r.Urgent != q.urgent || q.entry != "" && (res.r.Entry == nil || res.r.Entry.ID != q.entry):
						t.Errorf("%q: kind %s urgent %v entry %v, want %s %v %s", q.text, res.r.Kind, res.r.Urgent, res.r.Entry, q.kind, q.urgent, q.entry)
					case res.r.ID == "":
						t.Errorf("%q: no reply id", q.text)
					}
					n++
				case <-limit:
					t.Fatalf("only %d of %d answers came while the database was unusable: answering waits for the question log", n, rounds*len(questions))
				}
			}
			if mend != nil {
				mend()
			}
			ctx := context.Background()
			if err := w.rec.Close(ctx); err != nil {
				t.Fatal(err)
			}
			total := int64(rounds * len(questions))
			lost := w.rec.Lost()
			if lost < total-int64(tt.atMostKept) {
				t.Errorf("lost %d of %d records, want at least %d", lost, total, total-int64(tt.atMostKept))
			}
			if mend == nil {
				return
			}
			// Once mended, what was not lost is stored, and the losses are counted there.
			st, err := w.log.Stats(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			if int64(st.Asked)+lost != total || st.Lost != lost {
				t.Errorf("stored %d and lost %d of %d; the log counts %d lost", st.Asked, lost, total, st.Lost)
			}
			t.Logf("stored %d, lost %d", st.Asked, lost)
		})
	}
}
