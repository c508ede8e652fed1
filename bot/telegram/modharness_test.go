package telegram

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/telegram/telegramtest"
	"github.com/smpbot/smpbot/index"
	"github.com/smpbot/smpbot/knowledge"
)

// Moderators and others in the moderation tests. bob (43) is not a moderator.
var (
	mia = tgbotapi.User{ID: 44, FirstName: "Mia", UserName: "mia"}
	moe = tgbotapi.User{ID: 45, FirstName: "Moe"}
)

// memLog is an in-memory question log and reports. It really keeps what it is given:
// one judgement per person and answer (a second replaces the first), and suggestions
// whose status changes when resolved.
type memLog struct {
	mu            sync.Mutex
	asked         []bot.Asked
	feedback      map[string]bot.Feedback // answer id + "/" + user
	feedbackCalls int
	suggestions   []bot.PhrasingSuggestion
	unanswered    []bot.UnansweredGroup
	stats         bot.Stats
}

var (
	_ bot.QuestionLog = (*memLog)(nil)
	_ bot.Reports     = (*memLog)(nil)
)

func (m *memLog) Record(_ context.Context, a bot.Asked) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.asked = append(m.asked, a)
	return nil
}

func (m *memLog) Feedback(_ context.Context, f bot.Feedback) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.feedback == nil {
		m.feedback = map[string]bot.Feedback{}
	}
	m.feedbackCalls++
	m.feedback[f.AnswerID+"/"+f.User] = f
	return nil
}

func (m *memLog) Unanswered(_ context.Context, days int) ([]bot.UnansweredGroup, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]bot.UnansweredGroup(nil), m.unanswered...), nil
}

func (m *memLog) Stats(_ context.Context, days int) (bot.Stats, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.stats
	st.Days = days
	return st, nil
}

func (m *memLog) Suggestions(context.Context) ([]bot.PhrasingSuggestion, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []bot.PhrasingSuggestion
	for _, s := range m.suggestions {
		if s.Status == "open" {
			out = append(out, s)
		}
	}
	return out, nil
}

func (m *memLog) ResolveSuggestion(_ context.Context, id int64, accept bool) (bot.PhrasingSuggestion, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, s := range m.suggestions {
		if s.ID != id {
			continue
		}
		if s.Status != "open" {
			return s, fmt.Errorf("suggestion %d is already %s", id, s.Status)
		}
		m.suggestions[i].Status = "rejected"
		if accept {
			m.suggestions[i].Status = "accepted"
		}
		return m.suggestions[i], nil
	}
	return bot.PhrasingSuggestion{}, fmt.Errorf("no suggestion %d", id)
}

func (m *memLog) suggestion(id int64) bot.PhrasingSuggestion {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.suggestions {
		if s.ID == id {
			return s
		}
	}
	return bot.PhrasingSuggestion{}
}

// modHarness is the adapter with everything real behind it: a knowledge.Store in a
// temporary directory whose changes rebuild an index.Index, the bot.FAQ handler over
// that index wrapped in a bot.Recorder logging to a memLog, and a bot.Moderation with
// mia and max as moderators.
type modHarness struct {
	*harness
	store   *knowledge.Store
	log     *memLog
	rec     *bot.Recorder
	modLogs *logBuffer
}

func startModerated(t *testing.T, s setup) *modHarness {
	t.Helper()
	// The FAQ is written here without the store's fsyncs, which make seeding slow on a
	// busy disk; the store then opens it as it is.
	dir := t.TempDir()
	entries, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, knowledge.FAQDir), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.WriteFile(filepath.Join(dir, knowledge.FAQDir, e.ID+knowledge.Ext), knowledge.Format(e), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var idx *index.Index
	store, err := knowledge.OpenStore(dir, knowledge.OnChange(func(entries []knowledge.Entry) {
		if err := idx.Rebuild(entries); err != nil {
			t.Errorf("rebuilding the index: %v", err)
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	if idx, err = index.New(store.Entries()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	mlog := &memLog{}
	rec := bot.NewRecorder(bot.NewFAQ(idx), mlog)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		rec.Close(ctx)
	})
	modLogs := &logBuffer{}
	mods := bot.Moderators{TelegramUsers: []string{fmt.Sprint(mia.ID), fmt.Sprint(moe.ID)}}
	var ed bot.Editor = store
	if s.editor != nil {
		ed = s.editor(store)
	}
	mod := bot.NewModeration(ed, mods, modLogs.logger())
	s.h = rec
	s.opts = append([]Option{WithModeration(mod), WithReports(mlog)}, s.opts...)
	// A stopped clock for the fake's query expiry: these tests are about what a press
	// does, not how soon it is acknowledged (TestSuggestionAcknowledgedBeforeSlowSave
	// is), and under the race detector on a loaded machine the index rebuilds of a
	// test's earlier steps can hold up the handling of a press.
	stopped := time.Now()
	s.fake = append([]telegramtest.Option{telegramtest.WithClock(func() time.Time { return stopped })}, s.fake...)
	h := start(t, s)
	return &modHarness{harness: h, store: store, log: mlog, rec: rec, modLogs: modLogs}
}

// say sends text in the user's private chat and returns the bot's replies to it.
func (h *modHarness) say(t *testing.T, u tgbotapi.User, text string) []telegramtest.Sent {
	t.Helper()
	return h.sayIn(t, h.fake.PrivateChat(u), u, text)
}

func (h *modHarness) sayIn(t *testing.T, c tgbotapi.Chat, u tgbotapi.User, text string) []telegramtest.Sent {
	t.Helper()
	n := len(h.fake.Messages())
	h.fake.Send(c, u, text, 0)
	h.settle(t)
	return h.fake.Messages()[n:]
}

// press presses the button with the data on a message the bot sent in u's private
// chat, and returns the messages sent and the acknowledgement.
func (h *modHarness) press(t *testing.T, u tgbotapi.User, on telegramtest.Sent, data string) ([]telegramtest.Sent, telegramtest.CallbackAnswer) {
	t.Helper()
	n := len(h.fake.Messages())
	c := h.fake.PrivateChat(u)
	msg := tgbotapi.Message{MessageID: on.MessageID, From: ptr(h.fake.Bot()), Chat: &c, Text: on.Text}
	q := h.fake.Press(u, msg, data)
	h.settle(t)
	var ack telegramtest.CallbackAnswer
	for _, a := range h.fake.CallbackAnswers() {
		if a.QueryID == q {
			ack = a
		}
	}
	if ack.QueryID == "" {
		t.Errorf("the press of %q was not acknowledged", data)
	}
	return h.fake.Messages()[n:], ack
}

// button returns the first message with a button whose data starts with prefix, and
// that data.
func button(t *testing.T, msgs []telegramtest.Sent, prefix string) (telegramtest.Sent, string) {
	t.Helper()
	for _, m := range msgs {
		for _, row := range m.Keyboard {
			for _, b := range row {
				if b.CallbackData != nil && strings.HasPrefix(*b.CallbackData, prefix) {
					return m, *b.CallbackData
				}
			}
		}
	}
	t.Fatalf("no button %q* in %s", prefix, texts(msgs))
	return telegramtest.Sent{}, ""
}

// texts joins what messages say, for checks and failure output.
func texts(msgs []telegramtest.Sent) string {
	var parts []string
	for _, m := range msgs {
		parts = append(parts, m.Text)
	}
	return strings.Join(parts, "\n---\n")
}

// wantIn fails unless every want is in the messages' text.
func wantIn(t *testing.T, what string, msgs []telegramtest.Sent, wants ...string) {
	t.Helper()
	all := texts(msgs)
	for _, w := range wants {
		if !strings.Contains(all, w) {
			t.Errorf("%s: reply lacks %q; got:\n%s", what, w, all)
		}
	}
}

// confirmPreview finds the Confirm button under a preview.
func confirmPreview(t *testing.T, msgs []telegramtest.Sent) (telegramtest.Sent, string) {
	t.Helper()
	return button(t, msgs, cbModerator+"ok:")
}

// audit returns the store's audit log.
func (h *modHarness) audit(t *testing.T) []knowledge.Change {
	t.Helper()
	all, err := h.store.Audit()
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// entry returns an entry from the store, failing if it is missing.
func (h *modHarness) entry(t *testing.T, id string) knowledge.Entry {
	t.Helper()
	e, _, err := h.store.Get(id)
	if err != nil {
		t.Fatalf("store.Get(%q): %v", id, err)
	}
	return e
}

func (h *modHarness) missing(id string) bool {
	_, _, err := h.store.Get(id)
	return errors.Is(err, knowledge.ErrNotFound)
}

// blockingEditor is the real store whose Put waits until the test closes release:
// a save as slow as the test needs, without sleeping. Each Put first sends on entered.
type blockingEditor struct {
	bot.Editor
	entered chan struct{}
	release chan struct{}
}

func (b *blockingEditor) Put(ctx context.Context, e knowledge.Entry, base knowledge.Version, who knowledge.Actor) (knowledge.Version, error) {
	b.entered <- struct{}{}
	select {
	case <-b.release:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return b.Editor.Put(ctx, e, base, who)
}

// pasted formats an entry as a moderator would paste it.
func pasted(e knowledge.Entry) string { return string(knowledge.Format(e)) }
