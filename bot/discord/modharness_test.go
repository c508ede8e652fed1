package discord

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/discord/discordtest"
	"github.com/smpbot/smpbot/index"
	"github.com/smpbot/smpbot/knowledge"
)

// memLog is a question log in memory that really keeps what it is given: questions,
// one feedback per person and answer (a second press replaces the first), and
// phrasing suggestions. It implements bot.QuestionLog and bot.Reports.
type memLog struct {
	mu            sync.Mutex
	asked         []bot.Asked
	feedback      map[string]bot.Feedback // by answer id and user
	feedbackCalls int
	suggestions   []bot.PhrasingSuggestion
	failReports   bool
}

var (
	_ bot.QuestionLog = (*memLog)(nil)
	_ bot.Reports     = (*memLog)(nil)
)

func newMemLog() *memLog { return &memLog{feedback: map[string]bot.Feedback{}} }

func (l *memLog) Record(_ context.Context, a bot.Asked) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asked = append(l.asked, a)
	return nil
}

func (l *memLog) Feedback(_ context.Context, f bot.Feedback) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.feedbackCalls++
	l.feedback[f.AnswerID+"/"+f.User] = f
	return nil
}

func (l *memLog) Unanswered(_ context.Context, days int) ([]bot.UnansweredGroup, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failReports {
		return nil, fmt.Errorf("database is locked")
	}
	since := time.Now().AddDate(0, 0, -days)
	counts := map[string]*bot.UnansweredGroup{}
	var order []string
	for _, a := range l.asked {
		if a.Kind != bot.KindNoMatch || a.Time.Before(since) || a.Question == "" {
			continue
		}
		key := strings.ToLower(a.Question)
		g, ok := counts[key]
		if !ok {
			g = &bot.UnansweredGroup{Question: a.Question}
			counts[key] = g
			order = append(order, key)
		}
		g.Count++
		g.LastAsked = a.Time
	}
	var out []bot.UnansweredGroup
	for _, k := range order {
		out = append(out, *counts[k])
	}
	slices.SortStableFunc(out, func(a, b bot.UnansweredGroup) int { return b.Count - a.Count })
	return out, nil
}

func (l *memLog) Stats(_ context.Context, days int) (bot.Stats, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failReports {
		return bot.Stats{}, fmt.Errorf("database is locked")
	}
	st := bot.Stats{Days: days}
	perEntry := map[string]*bot.EntryStats{}
	perDay := map[[2]string]int{}
	for _, a := range l.asked {
		st.Asked++
		perDay[[2]string{a.Time.UTC().Format(time.DateOnly), a.Platform}]++
		if a.Kind == bot.KindAnswer && a.EntryID != "" {
			st.Answered++
			if perEntry[a.EntryID] == nil {
				perEntry[a.EntryID] = &bot.EntryStats{EntryID: a.EntryID}
			}
			perEntry[a.EntryID].Answers++
		}
	}
	for k, n := range perDay {
		st.PerDay = append(st.PerDay, bot.DayCount{Day: k[0], Platform: k[1], Count: n})
	}
	for _, es := range perEntry {
		st.TopEntries = append(st.TopEntries, *es)
	}
	slices.SortFunc(st.TopEntries, func(a, b bot.EntryStats) int { return b.Answers - a.Answers })
	return st, nil
}

func (l *memLog) Suggestions(context.Context) ([]bot.PhrasingSuggestion, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failReports {
		return nil, fmt.Errorf("database is locked")
	}
	var open []bot.PhrasingSuggestion
	for _, s := range l.suggestions {
		if s.Status == "open" {
			open = append(open, s)
		}
	}
	return open, nil
}

func (l *memLog) ResolveSuggestion(_ context.Context, id int64, accept bool) (bot.PhrasingSuggestion, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, s := range l.suggestions {
		if s.ID == id && s.Status == "open" {
			l.suggestions[i].Status = "rejected"
			if accept {
				l.suggestions[i].Status = "accepted"
			}
			return l.suggestions[i], nil
		}
	}
	return bot.PhrasingSuggestion{}, fmt.Errorf("%w: %d", bot.ErrNoSuggestion, id)
}

func (l *memLog) status(id int64) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.suggestions {
		if s.ID == id {
			return s.Status
		}
	}
	return ""
}

// modRole is the Discord role whose members moderate in these tests.
const modRole = "1400000000000000001"

// modRig is an adapter with the moderator front over a real store in a temporary
// directory, whose changes rebuild the real index the real FAQ handler searches.
type modRig struct {
	*rig
	store   *knowledge.Store
	qlog    *memLog
	rec     *bot.Recorder
	modLogs *syncBuffer // the Moderation's log, where refusals go
	// mod moderates by role, boss by user id; eve is no moderator.
	mod, boss, eve discordtest.User
}

type modConfig struct {
	reports  bool // WithReports(the question log)
	recorder bool // answer through a bot.Recorder, which takes feedback
	// editor, when set, wraps the store the moderation changes.
	editor func(bot.Editor) bot.Editor
	opts   []Option
}

func startModeration(t *testing.T, mc modConfig) *modRig {
	t.Helper()
	var idx *index.Index
	store, err := knowledge.OpenStore(t.TempDir(), knowledge.OnChange(func(es []knowledge.Entry) {
		if err := idx.Rebuild(es); err != nil {
			t.Errorf("rebuilding the index: %v", err)
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	idx, err = index.New(store.Entries())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	mr := &modRig{store: store, qlog: newMemLog(), modLogs: &syncBuffer{}}
	var h bot.Handler = bot.NewFAQ(idx)
	if mc.recorder {
		mr.rec = bot.NewRecorder(h, mr.qlog)
		t.Cleanup(func() { mr.rec.Close(context.Background()) })
		h = mr.rec
	}
	opts := mc.opts
	var ed bot.Editor = store
	if mc.editor != nil {
		ed = mc.editor(store)
	}
	if mc.reports {
		opts = append(opts, WithReports(mr.qlog))
	}
	mr.rig = start(t, rigConfig{handler: h, opts: opts, optsFrom: func(f *discordtest.Server) []Option {
		mr.mod, mr.boss, mr.eve = f.NewUser("mia"), f.NewUser("boss"), f.NewUser("eve")
		mr.mod.Roles = []string{"1400000000000000009", modRole}
		mr.eve.Roles = []string{"1400000000000000009"}
		mods := bot.Moderators{DiscordUsers: []string{mr.boss.ID}, DiscordRoles: []string{modRole}}
		return []Option{WithModeration(bot.NewModeration(ed, mods, slogTo(mr.modLogs)))}
	}})
	return mr
}

// faq runs /faq sub as u.
func (mr *modRig) faq(u discordtest.User, sub string, opts ...discordtest.Opt) discordtest.Interaction {
	return mr.fake.Command(mr.fake.Guild(), u, "faq", discordtest.Sub(sub, opts...))
}

// modal waits for the form an interaction opens.
func (mr *modRig) modal(t *testing.T, ix discordtest.Interaction) *discordtest.Modal {
	t.Helper()
	got := mr.reply(t, ix)
	if got.ResponseType != discordgo.InteractionResponseModal || got.Modal == nil {
		t.Fatalf("response type %d (content %q), want a form (type 9)", got.ResponseType, got.Message.Content)
	}
	return got.Modal
}

// private waits for the reply to an interaction, as the moderator sees it, and checks
// that only they see it: an ephemeral message, or an update of one. A reply slow
// enough to be deferred comes as an edit; its type and flags are then the deferral's.
func (mr *modRig) private(t *testing.T, ix discordtest.Interaction) discordtest.Sent {
	t.Helper()
	got, cb, err := mr.fake.WaitReply(waitCtx(t), ix)
	if err != nil {
		t.Fatalf("%v\nlogs:\n%s", err, mr.logs.String())
	}
	switch cb.ResponseType {
	case discordgo.InteractionResponseDeferredMessageUpdate:
		got.ResponseType = discordgo.InteractionResponseUpdateMessage
	case discordgo.InteractionResponseDeferredChannelMessageWithSource:
		got.ResponseType = discordgo.InteractionResponseChannelMessageWithSource
		got.Message.Flags |= cb.Message.Flags
	}
	if !got.Ephemeral() && got.ResponseType != discordgo.InteractionResponseUpdateMessage {
		t.Errorf("reply %q (type %d) is visible to the channel, want it ephemeral", got.Message.Content, got.ResponseType)
	}
	return got
}

// ask asks a question in the channel and returns the visible answer.
func (mr *modRig) ask(t *testing.T, u discordtest.User, q string) discordtest.Sent {
	t.Helper()
	return mr.reply(t, mr.fake.Command(mr.fake.Guild(), u, "ask", discordtest.String("question", q)))
}

// answerTitle is the title of an answer's first embed, or "" for a reply without one.
func answerTitle(m discordtest.Sent) string {
	if len(m.Message.Embeds) == 0 {
		return ""
	}
	return m.Message.Embeds[0].Title
}

func (mr *modRig) get(t *testing.T, id string) (knowledge.Entry, bool) {
	t.Helper()
	e, _, err := mr.store.Get(id)
	return e, err == nil
}

// hasButton reports whether a message offers a button with the custom id.
func hasButton(m discordtest.Sent, customID string) bool {
	return slices.Contains(m.CustomIDs(), customID)
}

// buttonWithPrefix returns the first custom id of a message with the prefix.
func buttonWithPrefix(t *testing.T, m discordtest.Sent, prefix string) string {
	t.Helper()
	for _, id := range m.CustomIDs() {
		if strings.HasPrefix(id, prefix) {
			return id
		}
	}
	t.Fatalf("no button %s… among %q", prefix, m.CustomIDs())
	return ""
}
