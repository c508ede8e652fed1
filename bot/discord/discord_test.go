package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/discord/discordtest"
	"github.com/smpbot/smpbot/knowledge"
)

// Key phrases of the handler's fixed texts, fixed here rather than asked of the
// handler, so that a test fails if the handler says something else.
const (
	declinePhrase = "good answer to that"  // no match, with or without suggestions
	removedPhrase = "no longer in the FAQ" // a button's entry was removed
)

// says reports whether content is want, or contains it when want is one of the
// handler's key phrases.
func says(content, want string) bool {
	if want == declinePhrase || want == removedPhrase {
		return strings.Contains(content, want)
	}
	return content == want
}

// checkButtons checks the answer buttons of a message answering e: every entry e
// lists as related, then, unless exact, at most three suggestions of other entries;
// never e itself, nor an entry twice, nor one the FAQ does not have.
func checkButtons(t *testing.T, got discordtest.Sent, e knowledge.Entry, exact bool) {
	t.Helper()
	ids := got.CustomIDs()
	// Under an answer the follow-ups are one list of at most three: the best other
	// match, which may itself be related (not for an entry asked for by id), then
	// e's other related entries in order.
	follow := func(first string) []string {
		var want []string
		if first != "" {
			want = append(want, first)
		}
		for _, id := range e.Related {
			if len(want) == 3 {
				break
			}
			if !slices.Contains(want, "a:"+id) {
				want = append(want, "a:"+id)
			}
		}
		return want
	}
	want := follow("")
	if !exact && len(ids) > 0 && !slices.Equal(ids, want) {
		sid := strings.TrimPrefix(ids[0], "a:")
		if sid == e.ID || entry(t, sid).ID != sid {
			t.Errorf("suggestion button %q: want another FAQ entry", ids[0])
		}
		want = follow(ids[0])
	}
	if !slices.Equal(ids, want) {
		t.Errorf("buttons = %q, want %q (at most three: a suggestion, then the related entries %q)", ids, want, e.Related)
	}
}

// checkAnswer checks a message rendering the answer of entry id.
func checkAnswer(t *testing.T, got discordtest.Sent, e knowledge.Entry) {
	t.Helper()
	if len(got.Message.Embeds) == 0 {
		t.Fatalf("got no embed (content %q), want the answer of %s", got.Message.Content, e.ID)
	}
	first, last := got.Message.Embeds[0], got.Message.Embeds[len(got.Message.Embeds)-1]
	if first.Title != e.Question {
		t.Errorf("embed title = %q, want %q", first.Title, e.Question)
	}
	var desc strings.Builder
	for _, em := range got.Message.Embeds {
		desc.WriteString(em.Description)
	}
	if !strings.HasPrefix(strings.TrimSpace(e.Answer), desc.String()[:min(60, desc.Len())]) || desc.Len() < len(strings.TrimSpace(e.Answer))-2 {
		t.Errorf("embed description = %q, want the answer %q", desc.String(), e.Answer)
	}
	if last.Footer == nil || last.Footer.Text != bot.Disclaimer {
		t.Errorf("footer = %+v, want the disclaimer %q", last.Footer, bot.Disclaimer)
	}
	var names []string
	values := map[string]string{}
	for _, f := range last.Fields {
		names = append(names, f.Name)
		values[f.Name] = f.Value
	}
	var wantNames []string
	if len(e.Caveats) > 0 {
		wantNames = append(wantNames, "Keep in mind")
	}
	if len(e.Sources) > 0 {
		wantNames = append(wantNames, "Sources")
	}
	if !slices.Equal(names, wantNames) {
		t.Errorf("fields = %q, want %q", names, wantNames)
	}
	for _, c := range e.Caveats {
		if !strings.Contains(values["Keep in mind"], strings.Join(strings.Fields(c), " ")) {
			t.Errorf("caveat %q missing from %q", c, values["Keep in mind"])
		}
	}
	for _, s := range e.Sources {
		if !strings.Contains(values["Sources"], s.URL) {
			t.Errorf("source %q missing from %q", s.URL, values["Sources"])
		}
	}
}

func TestAsk(t *testing.T) {
	t.Parallel()
	r := start(t, rigConfig{})
	alice := r.fake.NewUser("alice")
	tests := []struct {
		name     string
		place    discordtest.Place
		question string
		// wantEntry is the answering entry, "" for a reply without one.
		wantEntry  string
		wantNotice bool
		// wantNote: the scope note leads the Keep in mind field (a tattoo, not SMP).
		wantNote bool
	}{
		{"answer in a guild", r.fake.Guild(), "How many laser sessions will I need?", "laser-sessions-count", false, false},
		{"answer in a DM", r.fake.DM(alice), "How many laser sessions will I need?", "laser-sessions-count", false, false},
		{"urgent", r.fake.Guild(), "my scalp has pus and a fever after laser", bot.UrgentEntryID, true, false},
		{"no match", r.fake.Guild(), "what is the best pizza topping", "", false, false},
		{"pings in the question", r.fake.Guild(), "@everyone <@" + alice.ID + "> @here how many laser sessions will I need?", "laser-sessions-count", false, false},
		{"a tattoo, not SMP", r.fake.Guild(), "laser tattoo removal on my forearm, how many sessions will it take?", "laser-sessions-count", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.reply(t, r.fake.Command(tt.place, alice, "ask", discordtest.String("question", tt.question)))
			if got.ResponseType != discordgo.InteractionResponseChannelMessageWithSource {
				t.Errorf("response type = %d, want %d", got.ResponseType, discordgo.InteractionResponseChannelMessageWithSource)
			}
			if got.Ephemeral() {
				t.Errorf("the answer to /ask is ephemeral, want it visible to the channel")
			}
			if tt.wantEntry != "" {
				checkAnswer(t, got, entry(t, tt.wantEntry))
				checkButtons(t, got, entry(t, tt.wantEntry), false)
			} else if len(got.Message.Embeds) != 0 || !strings.Contains(got.Message.Content, declinePhrase) {
				t.Errorf("got content %q and %d embeds, want a decline saying %q and no embed", got.Message.Content, len(got.Message.Embeds), declinePhrase)
			}
			if gotNote := strings.Contains(embedText(got.Message.Embeds), bot.ScopeNote); gotNote != tt.wantNote {
				t.Errorf("scope note in the embeds: %v, want %v", gotNote, tt.wantNote)
			}
			if tt.wantNote {
				last := got.Message.Embeds[len(got.Message.Embeds)-1]
				if len(last.Fields) == 0 || last.Fields[0].Name != "Keep in mind" || !strings.HasPrefix(last.Fields[0].Value, "• "+bot.ScopeNote+"\n") {
					t.Errorf("fields %+v, want Keep in mind first, the scope note its first line", last.Fields)
				}
			}
			if gotNotice := strings.HasPrefix(got.Message.Content, bot.UrgentNotice); gotNotice != tt.wantNotice {
				t.Errorf("content %q starts with the urgent notice: %v, want %v", got.Message.Content, gotNotice, tt.wantNotice)
			}
			if tt.wantNotice && slices.Contains(got.CustomIDs(), "a:"+bot.UrgentEntryID) {
				t.Errorf("the urgent entry is behind a button")
			}
		})
	}
}

// embedText is all the text of embeds, as Discord shows it.
func embedText(embeds []*discordgo.MessageEmbed) string {
	var b strings.Builder
	for _, e := range embeds {
		b.WriteString(e.Title + "\n" + e.Description + "\n")
		for _, f := range e.Fields {
			b.WriteString(f.Name + "\n" + f.Value + "\n")
		}
		if e.Footer != nil {
			b.WriteString(e.Footer.Text + "\n")
		}
	}
	return b.String()
}

// stuckCompleter never finishes a completion before its deadline.
type stuckCompleter struct{ *bot.FAQ }

func (stuckCompleter) Complete(ctx context.Context, _ string, _ int) []bot.Suggestion {
	<-ctx.Done()
	return nil
}

func TestAutocomplete(t *testing.T) {
	t.Parallel()
	// The real search takes about 10 ms, but many times that under the race detector
	// with tests in parallel: the deadline is lifted, except for the stuck completer.
	r := start(t, rigConfig{opts: []Option{withCompleteTimeout(waitLimit)}})
	stuck := start(t, rigConfig{handler: stuckCompleter{realHandler(t)}, opts: []Option{withCompleteTimeout(10 * time.Millisecond)}})
	bob := r.fake.NewUser("bob")
	topics := realHandler(t).Topics()
	tests := []struct {
		name  string
		rig   *rig
		typed string
		want  []string // the first choices, in order
		count int      // how many choices
	}{
		{"partial question", r, "how many laser sess", []string{entry(t, "laser-sessions-count").Question}, 25},
		{"nothing typed yet", r, "", []string{topics[0].Question, topics[1].Question}, 25},
		{"no match offers what was typed", r, "zzqx", []string{"zzqx"}, 1},
		{"search too slow, what was typed is offered in time", stuck, "how many laser sess", []string{"how many laser sess"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.rig
			ix := r.fake.Autocomplete(r.fake.Guild(), bob, "ask", discordtest.Focused("question", tt.typed))
			got := r.reply(t, ix)
			if got.ResponseType != discordgo.InteractionApplicationCommandAutocompleteResult {
				t.Fatalf("response type = %d, want %d", got.ResponseType, discordgo.InteractionApplicationCommandAutocompleteResult)
			}
			var names []string
			for _, c := range got.Choices {
				names = append(names, c.Name)
				if v, _ := c.Value.(string); v != c.Name {
					t.Errorf("choice %q has value %q, want the question itself", c.Name, v)
				}
			}
			if len(names) != tt.count || !slices.Equal(names[:min(len(tt.want), len(names))], tt.want) {
				t.Errorf("choices = %q, want %d starting with %q", names, tt.count, tt.want)
			}
		})
	}
}

func TestButtonsAndMenus(t *testing.T) {
	t.Parallel()
	r := start(t, rigConfig{})
	carol := r.fake.NewUser("carol")
	tests := []struct {
		name        string
		press       func() discordtest.Interaction
		wantEntry   string
		wantContent string
	}{
		{"suggestion button", func() discordtest.Interaction { return r.fake.Button(r.fake.Guild(), carol, "a:laser-pain") }, "laser-pain", ""},
		{"button in a DM", func() discordtest.Interaction { return r.fake.Button(r.fake.DM(carol), carol, "a:cost") }, "cost", ""},
		{"topics menu", func() discordtest.Interaction {
			return r.fake.Select(r.fake.Guild(), carol, "t:1", "saline-removal")
		}, "saline-removal", ""},
		{"entry removed since", func() discordtest.Interaction { return r.fake.Button(r.fake.Guild(), carol, "a:no-such-entry") }, "", removedPhrase},
		{"unknown kind", func() discordtest.Interaction { return r.fake.Button(r.fake.Guild(), carol, "zz:1") }, "", goneText},
		{"reserved feedback kind", func() discordtest.Interaction { return r.fake.Button(r.fake.Guild(), carol, "f:cost:up") }, "", goneText},
		{"empty menu choice", func() discordtest.Interaction { return r.fake.Select(r.fake.Guild(), carol, "t:0") }, "", goneText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.reply(t, tt.press())
			if !got.Ephemeral() {
				t.Errorf("the reply to a button is visible to the channel, want it ephemeral")
			}
			if tt.wantEntry != "" {
				checkAnswer(t, got, entry(t, tt.wantEntry))
				// An entry asked for by id comes with its related entries only.
				checkButtons(t, got, entry(t, tt.wantEntry), true)
				return
			}
			if !says(got.Message.Content, tt.wantContent) || len(got.Message.Embeds) != 0 {
				t.Errorf("got content %q and %d embeds, want %q", got.Message.Content, len(got.Message.Embeds), tt.wantContent)
			}
		})
	}
}

func TestTopics(t *testing.T) {
	t.Parallel()
	r := start(t, rigConfig{})
	topics := realHandler(t).Topics()
	got := r.reply(t, r.fake.Command(r.fake.Guild(), r.fake.NewUser("dan"), "topics"))
	if !got.Ephemeral() {
		t.Errorf("/topics is visible to the channel, want it ephemeral")
	}
	if len(got.Message.Embeds) != 1 {
		t.Fatalf("got %d embeds, want 1", len(got.Message.Embeds))
	}
	lines := strings.Split(got.Message.Embeds[0].Description, "\n")
	if len(lines) != len(topics) {
		t.Errorf("the list has %d lines, want %d topics", len(lines), len(topics))
	}
	for i, tp := range topics {
		if want := fmt.Sprintf("%d. %s", i+1, tp.Question); i < len(lines) && lines[i] != want {
			t.Errorf("line %d = %q, want %q", i+1, lines[i], want)
		}
	}
	var values, wantValues, ids, wantIDs []string
	for _, row := range got.Message.Components {
		for _, c := range row.(*discordgo.ActionsRow).Components {
			m := c.(*discordgo.SelectMenu)
			ids = append(ids, m.CustomID)
			for _, o := range m.Options {
				values = append(values, o.Value)
			}
		}
	}
	for i, tp := range topics {
		wantValues = append(wantValues, tp.ID)
		if i%25 == 0 {
			wantIDs = append(wantIDs, fmt.Sprintf("t:%d", i/25))
		}
	}
	if !slices.Equal(values, wantValues) || !slices.Equal(ids, wantIDs) {
		t.Errorf("menus %q offer %q, want menus %q offering %q", ids, values, wantIDs, wantValues)
	}
}

func TestMentionsAndDMs(t *testing.T) {
	t.Parallel()
	r := start(t, rigConfig{})
	f := r.fake
	erin, other := f.NewUser("erin"), f.NewBotUser("otherbot")
	self := discordtest.User{ID: f.BotUser.ID, Username: f.BotUser.Username, Bot: true}
	q := "how many laser sessions will I need?"
	ignored := []string{
		f.Message(f.Guild(), erin, q),                                      // no mention
		f.Message(f.Guild(), other, discordtest.Mention(self)+" "+q, self), // another bot
		f.Message(f.DM(erin), self, q),                                     // the bot itself
	}
	tests := []struct {
		name        string
		place       discordtest.Place
		content     string
		mention     bool
		wantEntry   string
		wantContent string
	}{
		{"mention", f.Guild(), discordtest.Mention(self) + " " + q, true, "laser-sessions-count", ""},
		{"nickname mention at the end", f.Guild(), q + " <@!" + self.ID + ">", true, "laser-sessions-count", ""},
		{"mention with pings", f.Guild(), discordtest.Mention(self) + " @everyone @here " + q, true, "laser-sessions-count", ""},
		{"DM", f.DM(erin), q, false, "laser-sessions-count", ""},
		{"DM no match", f.DM(erin), "what is the best pizza topping", false, "", declinePhrase},
		{"bare mention", f.Guild(), discordtest.Mention(self), true, "", hintText},
		{"topics typed in a DM", f.DM(erin), "topics?", false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mentions []discordtest.User
			if tt.mention {
				mentions = append(mentions, self)
			}
			id := f.Message(tt.place, erin, tt.content, mentions...)
			got := r.channelReply(t, tt.place.ChannelID, id)
			if ref := got.Message.MessageReference; ref.ChannelID != tt.place.ChannelID || ref.GuildID != tt.place.GuildID ||
				ref.FailIfNotExists == nil || *ref.FailIfNotExists {
				t.Errorf("message_reference = %+v, want a reply to %s in %+v that survives its deletion", ref, id, tt.place)
			}
			if tt.wantEntry != "" {
				checkAnswer(t, got, entry(t, tt.wantEntry))
				return
			}
			if !says(got.Message.Content, tt.wantContent) {
				t.Errorf("content = %q, want %q", got.Message.Content, tt.wantContent)
			}
			if tt.wantContent == "" && (len(got.Message.Embeds) != 1 || got.Message.Embeds[0].Title != "What I can answer" || len(got.CustomIDs()) == 0) {
				t.Errorf("got %d embeds and menus %q, want the topics list", len(got.Message.Embeds), got.CustomIDs())
			}
		})
	}
	for _, m := range f.Sent() {
		if ref := m.Message.MessageReference; ref != nil && slices.Contains(ignored, ref.MessageID) {
			t.Errorf("the bot answered message %s, which it should ignore", ref.MessageID)
		}
	}
}

// requestsTo lists the statuses of requests whose path contains path.
func requestsTo(f *discordtest.Server, method, path string) []int {
	var st []int
	for _, q := range f.Requests() {
		if q.Method == method && strings.Contains(q.Path, path) {
			st = append(st, q.Status)
		}
	}
	return st
}

func TestRESTFaults(t *testing.T) {
	t.Parallel()
	r := start(t, rigConfig{})
	f := r.fake
	fay := f.NewUser("fay")
	q := "How many laser sessions will I need?"
	tests := []struct {
		name  string
		fault discordtest.Fault
		// act dispatches an event; it returns the path of the request the fault hits
		// and a function waiting for the bot's visible reply.
		act          func(t *testing.T) (string, discordtest.Sent)
		wantStatuses []int // of requests to that path
		wantApology  bool
		wantLog      string
	}{
		{
			name:  "429 on an interaction callback",
			fault: discordtest.Fault{Method: "POST", Path: "/callback", Status: 429},
			act: func(t *testing.T) (string, discordtest.Sent) {
				ix := f.Command(f.Guild(), fay, "ask", discordtest.String("question", q))
				return ix.ID, r.reply(t, ix)
			},
			wantStatuses: []int{429, 204},
			wantLog:      "rate limited by Discord",
		},
		{
			name:  "429 on a channel message",
			fault: discordtest.Fault{Method: "POST", Path: "/messages", Status: 429},
			act: func(t *testing.T) (string, discordtest.Sent) {
				id := f.Message(f.DM(fay), fay, q)
				return f.DM(fay).ChannelID + "/messages", r.channelReply(t, f.DM(fay).ChannelID, id)
			},
			wantStatuses: []int{429, 200},
		},
		{
			name:  "global 429 on a channel message",
			fault: discordtest.Fault{Method: "POST", Path: "/messages", Status: 429, Global: true, RetryAfter: 100 * time.Millisecond},
			act: func(t *testing.T) (string, discordtest.Sent) {
				gil := f.NewUser("gil")
				id := f.Message(f.DM(gil), gil, q)
				return f.DM(gil).ChannelID + "/messages", r.channelReply(t, f.DM(gil).ChannelID, id)
			},
			wantStatuses: []int{429, 200},
			wantLog:      "rate limited by Discord",
		},
		{
			name:  "502 on a callback is retried",
			fault: discordtest.Fault{Method: "POST", Path: "/callback", Status: 502},
			act: func(t *testing.T) (string, discordtest.Sent) {
				ix := f.Command(f.Guild(), fay, "ask", discordtest.String("question", q))
				return ix.ID, r.reply(t, ix)
			},
			wantStatuses: []int{502, 204},
		},
		{
			name:  "500 on a callback, then an apology",
			fault: discordtest.Fault{Method: "POST", Path: "/callback", Status: 500, EchoAuthorization: true},
			act: func(t *testing.T) (string, discordtest.Sent) {
				ix := f.Command(f.Guild(), fay, "ask", discordtest.String("question", q))
				return ix.ID, r.reply(t, ix)
			},
			wantStatuses: []int{500, 204},
			wantApology:  true,
			wantLog:      "responding to an interaction failed",
		},
		{
			name:  "500 on a channel message, then an apology",
			fault: discordtest.Fault{Method: "POST", Path: "/messages", Status: 500, EchoAuthorization: true},
			act: func(t *testing.T) (string, discordtest.Sent) {
				id := f.Message(f.Guild(), fay, discordtest.Mention(f.BotUser)+" "+q, f.BotUser)
				return f.ChannelID + "/messages", r.channelReply(t, f.ChannelID, id)
			},
			wantStatuses: []int{500, 200},
			wantApology:  true,
			wantLog:      "sending a reply failed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.Inject(tt.fault)
			path, got := tt.act(t)
			if st := requestsTo(f, tt.fault.Method, path); !slices.Equal(st, tt.wantStatuses) {
				t.Errorf("statuses of %s %s = %v, want %v", tt.fault.Method, path, st, tt.wantStatuses)
			}
			// The fake refuses the route (or, globally, the bot) until the 429's
			// retry_after has passed: the retry waited for it.
			if n := f.Refused(""); n != 0 {
				t.Errorf("%d requests refused inside a 429's wait, want 0", n)
			}
			if tt.wantApology {
				if got.Message.Content != apologyText || len(got.Message.Embeds) != 0 {
					t.Errorf("got content %q and %d embeds, want the apology %q", got.Message.Content, len(got.Message.Embeds), apologyText)
				}
				if got.Via == discordtest.ViaCallback && !got.Ephemeral() {
					t.Errorf("the apology is visible to the channel, want it ephemeral")
				}
			} else {
				checkAnswer(t, got, entry(t, "laser-sessions-count"))
			}
			if tt.wantLog != "" {
				// "rate limited" is logged by discordgo's RateLimit event handler, which
				// runs on its own goroutine: it may land after the retried reply.
				r.waitLog(t, tt.wantLog)
			}
			if got.Via == discordtest.ViaCallback && tt.wantApology && !strings.Contains(r.logs.String(), "interaction="+path) {
				t.Errorf("the failure is not logged with the interaction id %s:\n%s", path, r.logs.String())
			}
		})
	}
}

// gatedHandler answers through the real handler once the test lets it, to make answers
// slow on demand.
type gatedHandler struct {
	bot.Handler
	gate chan struct{}
}

func (g gatedHandler) Answer(ctx context.Context, q bot.Question) (bot.Reply, error) {
	select {
	case <-g.gate:
	case <-ctx.Done():
		return bot.Reply{}, ctx.Err()
	}
	return g.Handler.Answer(ctx, q)
}

func TestDeferredAnswer(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	r := start(t, rigConfig{handler: gatedHandler{realHandler(t), gate}, opts: []Option{WithDeferAfter(time.Millisecond)}})
	f := r.fake
	gus := f.NewUser("gus")
	tests := []struct {
		name        string
		fault       *discordtest.Fault
		wantVia     string
		wantApology bool
	}{
		{"slow answer is edited in", nil, discordtest.ViaEdit, false},
		{"failed edit, apology follows up", &discordtest.Fault{Method: "PATCH", Path: "/messages/@original", Status: 500}, discordtest.ViaFollowup, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fault != nil {
				f.Inject(*tt.fault)
			}
			ix := f.Command(f.Guild(), gus, "ask", discordtest.String("question", "How many laser sessions will I need?"))
			cb, err := f.WaitSent(waitCtx(t), func(m discordtest.Sent) bool { return ix.Owns(m) && m.Via == discordtest.ViaCallback })
			if err != nil {
				t.Fatalf("no callback: %v", err)
			}
			if cb.ResponseType != discordgo.InteractionResponseDeferredChannelMessageWithSource {
				t.Fatalf("callback type = %d, want a deferral (%d)", cb.ResponseType, discordgo.InteractionResponseDeferredChannelMessageWithSource)
			}
			gate <- struct{}{}
			got := r.reply(t, ix)
			if got.Via != tt.wantVia {
				t.Errorf("reply came as %s, want %s", got.Via, tt.wantVia)
			}
			if !got.Original {
				t.Errorf("the reply did not replace the \"thinking\" message")
			}
			if tt.wantApology {
				// The apology follows up in place of "thinking", as visible as the
				// deferral was: Discord ignores the follow-up's own flags.
				if got.Message.Content != apologyText || got.Ephemeral() {
					t.Errorf("got %q (ephemeral %v), want the apology where the channel saw \"thinking\"", got.Message.Content, got.Ephemeral())
				}
				return
			}
			checkAnswer(t, got, entry(t, "laser-sessions-count"))
		})
	}
}

func TestGatewayResume(t *testing.T) {
	t.Parallel()
	// A stopped clock: the interaction dispatched while the bot is away must not pass
	// Discord's 3 s because reconnecting on a loaded machine is slow.
	r := start(t, rigConfig{fake: []discordtest.Option{discordtest.WithClock(discordtest.NewManualClock(time.Now()))}})
	f := r.fake
	hal := f.NewUser("hal")
	q := "How many laser sessions will I need?"
	checkAnswer(t, r.reply(t, f.Command(f.Guild(), hal, "ask", discordtest.String("question", q))), entry(t, "laser-sessions-count"))

	if err := f.DropGateway(); err != nil {
		t.Fatal(err)
	}
	// Dispatched while the bot is away: Discord replays it on resume.
	ix := f.Command(f.Guild(), hal, "ask", discordtest.String("question", "Does laser SMP removal hurt?"))
	checkAnswer(t, r.reply(t, ix), entry(t, "laser-pain"))
	id := f.Message(f.DM(hal), hal, q)
	checkAnswer(t, r.channelReply(t, f.DM(hal).ChannelID, id), entry(t, "laser-sessions-count"))

	ready, err := f.WaitFrame(waitCtx(t), func(fr discordtest.Frame) bool { return fr.Type == "READY" })
	if err != nil {
		t.Fatal(err)
	}
	resume, err := f.WaitFrame(waitCtx(t), func(fr discordtest.Frame) bool { return fr.FromBot && fr.Op == discordtest.OpResume })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(resume.Data), `"session_id":"`+sessionID(t, ready)+`"`) || resume.Conn != 2 {
		t.Errorf("RESUME %s on connection %d, want the session of READY %s on connection 2", resume.Data, resume.Conn, ready.Data)
	}
	if n := f.CountFrames(func(fr discordtest.Frame) bool { return fr.FromBot && fr.Op == discordtest.OpIdentify }); n != 1 {
		t.Errorf("the bot identified %d times, want once (then resume)", n)
	}
}

func sessionID(t *testing.T, ready discordtest.Frame) string {
	t.Helper()
	var d struct {
		SessionID string `json:"session_id"`
	}
	if err := json.Unmarshal(ready.Data, &d); err != nil || d.SessionID == "" {
		t.Fatalf("READY %s: no session id (%v)", ready.Data, err)
	}
	return d.SessionID
}

func TestCommandRegistration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		guild     bool
		fault     *discordtest.Fault
		wantPuts  []int
		wantScope func(*discordtest.Server) string
	}{
		{"global, replacing stale commands", false, nil, []int{200}, func(*discordtest.Server) string { return "" }},
		{"in one guild", true, nil, []int{200}, func(f *discordtest.Server) string { return f.GuildID }},
		{"retried after a 500", false, &discordtest.Fault{Method: "PUT", Path: "/commands", Status: 500}, []int{500, 200}, func(*discordtest.Server) string { return "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := start(t, rigConfig{
				fake: []discordtest.Option{discordtest.WithCommands("", "stale", "ask")},
				before: func(f *discordtest.Server) {
					if tt.fault != nil {
						f.Inject(*tt.fault)
					}
				},
				cfgFrom: func(f *discordtest.Server) Config {
					if tt.guild {
						return Config{GuildID: f.GuildID}
					}
					return Config{}
				},
			})
			f := r.fake
			if st := requestsTo(f, "PUT", "/commands"); !slices.Equal(st, tt.wantPuts) {
				t.Errorf("PUT statuses = %v, want %v", st, tt.wantPuts)
			}
			scope := tt.wantScope(f)
			var names []string
			for _, c := range f.Commands(scope) {
				names = append(names, c.Name)
				if c.Name == "ask" {
					o := c.Options
					if len(o) != 1 || o[0].Name != "question" || !o[0].Required || !o[0].Autocomplete || o[0].Type != discordgo.ApplicationCommandOptionString {
						t.Errorf("/ask options = %+v, want one required, autocompleted string \"question\"", o)
					}
				}
				if gotCtx := c.Contexts != nil; gotCtx == tt.guild {
					t.Errorf("/%s contexts = %v, want them on global commands only", c.Name, c.Contexts)
				}
			}
			if !slices.Equal(names, []string{"ask", "topics"}) {
				t.Errorf("commands in scope %q = %q, want [ask topics]", scope, names)
			}
		})
	}
}

func TestIdentify(t *testing.T) {
	t.Parallel()
	r := start(t, rigConfig{cfg: Config{ShardID: 1, ShardCount: 2}})
	id, err := r.fake.WaitFrame(waitCtx(t), func(fr discordtest.Frame) bool { return fr.FromBot && fr.Op == discordtest.OpIdentify })
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Token   string `json:"token"`
		Intents int    `json:"intents"`
		Shard   [2]int `json:"shard"`
	}
	if err := json.Unmarshal(id.Data, &d); err != nil {
		t.Fatal(err)
	}
	wantIntents := int(discordgo.IntentsGuildMessages | discordgo.IntentsDirectMessages)
	if d.Token != "Bot "+testToken || d.Intents != wantIntents || d.Shard != [2]int{1, 2} {
		t.Errorf("IDENTIFY intents %d shard %v (token ok: %v), want intents %d shard [1 2] and the bot token",
			d.Intents, d.Shard, d.Token == "Bot "+testToken, wantIntents)
	}
}

func TestPerUserLimit(t *testing.T) {
	t.Parallel()
	r := start(t, rigConfig{cfg: Config{QuestionsPerMinute: 2}})
	f := r.fake
	ivy, jon, kim := f.NewUser("ivy"), f.NewUser("jon"), f.NewUser("kim")
	q := "How many laser sessions will I need?"
	for i, want := range []string{"", "", bot.RateLimitedText} {
		got := r.reply(t, f.Command(f.Guild(), ivy, "ask", discordtest.String("question", q)))
		if want == "" {
			checkAnswer(t, got, entry(t, "laser-sessions-count"))
		} else if got.Message.Content != want || !got.Ephemeral() {
			t.Errorf("question %d: got %q (ephemeral %v), want ephemeral %q", i+1, got.Message.Content, got.Ephemeral(), want)
		}
	}
	checkAnswer(t, r.reply(t, f.Command(f.Guild(), jon, "ask", discordtest.String("question", q))), entry(t, "laser-sessions-count"))

	dm := f.DM(kim)
	for i, want := range []string{"", "", bot.RateLimitedText} {
		got := r.channelReply(t, dm.ChannelID, f.Message(dm, kim, q))
		if want == "" {
			checkAnswer(t, got, entry(t, "laser-sessions-count"))
		} else if got.Message.Content != want {
			t.Errorf("DM %d: got %q, want %q", i+1, got.Message.Content, want)
		}
	}
	f.Message(dm, kim, q) // limited, and already told so: no reply
	r.reply(t, f.Command(f.Guild(), jon, "ask", discordtest.String("question", q)))
	if n := len(slices.DeleteFunc(f.Sent(), func(m discordtest.Sent) bool { return !discordtest.InChannel(dm.ChannelID)(m) })); n != 3 {
		t.Errorf("the bot sent %d messages to the flooding user, want 3 (two answers, one notice)", n)
	}

	// Over the limit, a message describing a complication is still answered with the
	// urgent notice, but once a window: urgent words do not skip the limit.
	urgent := "my scalp has pus and a fever after laser"
	got := r.channelReply(t, dm.ChannelID, f.Message(dm, kim, urgent))
	if !strings.HasPrefix(got.Message.Content, bot.UrgentNotice) {
		t.Errorf("urgent message over the limit: got %q, want the urgent notice", got.Message.Content)
	}
	f.Message(dm, kim, urgent) // the window's notice is spent: no reply
	r.reply(t, f.Command(f.Guild(), jon, "ask", discordtest.String("question", q)))
	if n := len(slices.DeleteFunc(f.Sent(), func(m discordtest.Sent) bool { return !discordtest.InChannel(dm.ChannelID)(m) })); n != 4 {
		t.Errorf("the bot sent %d messages to the flooding user, want 4 (two answers, one notice, one urgent answer)", n)
	}
}

func TestLongAnswerFitsDiscordLimits(t *testing.T) {
	t.Parallel()
	huge := hugeReply()
	h := bot.HandlerFunc(func(context.Context, bot.Question) (bot.Reply, error) { return huge, nil })
	r := start(t, rigConfig{handler: h})
	f := r.fake
	liz := f.NewUser("liz")
	// The fake refuses, as Discord does, a message over any limit.
	got := r.reply(t, f.Command(f.Guild(), liz, "ask", discordtest.String("question", "anything")))
	if len(got.Message.Embeds) == 0 || !strings.HasPrefix(got.Message.Content, huge.Notice[:100]) {
		t.Errorf("got %d embeds and content %.100q, want the answer and the notice", len(got.Message.Embeds), got.Message.Content)
	}
	id := f.Message(f.DM(liz), liz, "anything")
	if got := r.channelReply(t, f.DM(liz).ChannelID, id); got.Message.Content == apologyText {
		t.Errorf("the long answer was refused and replaced by the apology")
	}
}

func TestBadToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault *discordtest.Fault
	}{
		{"401", nil},
		{"401 echoing the token", &discordtest.Fault{Path: "/gateway/bot", Status: 401, EchoAuthorization: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := discordtest.New("another-token")
			defer f.Close()
			if tt.fault != nil {
				f.Inject(*tt.fault)
			}
			logs := &syncBuffer{}
			a, err := New(Config{Token: testToken, APIBase: f.URL}, WithLogger(slogTo(logs)))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err = a.Run(ctx, realHandler(t))
			if err == nil || errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Run = %v, want Discord's refusal", err)
			}
			if strings.Contains(err.Error(), testToken) || strings.Contains(logs.String(), testToken) {
				t.Errorf("the token leaks: error %q, logs %q", err, logs.String())
			}
			if !strings.Contains(err.Error(), "401") {
				t.Errorf("error %q does not say what Discord answered", err)
			}
		})
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no token", Config{}, "no token"},
		{"only the prefix", Config{Token: "Bot "}, "no token"},
		{"shard out of range", Config{Token: testToken, ShardID: 2, ShardCount: 2}, "shard"},
		{"negative shard", Config{Token: testToken, ShardID: -1}, "shard"},
		{"API base not a URL", Config{Token: testToken, APIBase: "discord.example"}, "API base"},
		{"API base with a bad scheme", Config{Token: testToken, APIBase: "ftp://proxy.example"}, "API base"},
		{"API base containing the token", Config{Token: testToken, APIBase: "ftp://" + testToken}, "API base"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New = %v, want an error about %q", err, tt.want)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("the error %q contains the token", err)
			}
		})
	}
}

// roundTripFunc lets a test see the requests a transport passes on.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRebase(t *testing.T) {
	tests := []struct {
		name, base, in, want string
	}{
		{"REST call", "http://127.0.0.1:8080", "https://discord.com/api/v9/gateway/bot", "http://127.0.0.1:8080/api/v9/gateway/bot"},
		{"proxy under a path", "https://proxy.example/discord", "https://discord.com/api/v9/channels/1/messages", "https://proxy.example/discord/api/v9/channels/1/messages"},
		{"query kept", "http://127.0.0.1:8080", "https://discord.com/api/v9/webhooks/1/tok?wait=true", "http://127.0.0.1:8080/api/v9/webhooks/1/tok?wait=true"},
		{"other hosts untouched", "http://127.0.0.1:8080", "https://cdn.discordapp.com/avatars/1/2.png", "https://cdn.discordapp.com/avatars/1/2.png"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := New(Config{Token: testToken, APIBase: tt.base})
			if err != nil {
				t.Fatal(err)
			}
			var got string
			rt := a.s.(*discordgo.Session).Client.Transport.(*rateLimitGuard).next.(*rebase)
			rt.next = roundTripFunc(func(r *http.Request) (*http.Response, error) {
				got = r.URL.String()
				return nil, errors.New("stop")
			})
			req, _ := http.NewRequest("GET", tt.in, nil)
			_, _ = rt.RoundTrip(req)
			if got != tt.want {
				t.Errorf("request for %s went to %s, want %s", tt.in, got, tt.want)
			}
			if req.URL.String() != tt.in {
				t.Errorf("the caller's request was changed to %s", req.URL)
			}
		})
	}
}

// countingTransport counts the requests it passes on and remembers their hosts.
type countingTransport struct {
	mu    sync.Mutex
	hosts map[string]int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.hosts[r.URL.Host]++
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func TestConnectedAndHTTPClient(t *testing.T) {
	t.Parallel()
	f := discordtest.New(testToken)
	defer f.Close()
	ct := &countingTransport{hosts: map[string]int{}}
	a, err := New(Config{Token: testToken, APIBase: f.URL}, WithHTTPClient(&http.Client{Transport: ct}))
	if err != nil {
		t.Fatal(err)
	}
	if a.Connected() {
		t.Errorf("connected before Run")
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- a.Run(ctx, realHandler(t)) }()
	if _, err := f.WaitRequest(waitCtx(t), func(q discordtest.Request) bool { return q.Method == "PUT" && q.Status == 200 }); err != nil {
		t.Fatalf("commands never registered: %v", err)
	}
	if !a.Connected() {
		t.Errorf("not connected after READY")
	}
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("Run = %v", err)
	}
	if a.Connected() {
		t.Errorf("still connected after Run returned")
	}
	ct.mu.Lock()
	defer ct.mu.Unlock()
	host := strings.TrimPrefix(f.URL, "http://")
	if n := len(f.Requests()); ct.hosts[host] != n || len(ct.hosts) != 1 {
		t.Errorf("the client's transport saw %v, want all %d requests, to %s", ct.hosts, n, host)
	}
}

// TestMissingPermissions: a mention in a channel where the bot lacks Read Message
// History or Embed Links is still answered, in the form the channel allows, and the
// missing permission is logged once per channel.
func TestMissingPermissions(t *testing.T) {
	t.Parallel()
	r := start(t, rigConfig{})
	f := r.fake
	mo := f.NewUser("mo")
	self := discordtest.User{ID: f.BotUser.ID, Username: f.BotUser.Username, Bot: true}
	q := discordtest.Mention(self) + " how many laser sessions will I need?"
	e := entry(t, "laser-sessions-count")
	tests := []struct {
		name      string
		deny      int64
		wantReply bool
		wantEmbed bool
		wantLog   []string
	}{
		{"no Read Message History", discordgo.PermissionReadMessageHistory, false, true, []string{"Read Message History"}},
		{"no Embed Links", discordgo.PermissionEmbedLinks, true, false, []string{"Embed Links"}},
		{"neither", discordgo.PermissionReadMessageHistory | discordgo.PermissionEmbedLinks, false, false, []string{"Read Message History", "Embed Links"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			place := discordtest.Place{GuildID: f.GuildID, ChannelID: f.NewUser("channel").ID}
			f.DenyPermissions(place.ChannelID, tt.deny)
			for round := 1; round <= 2; round++ {
				last := 0
				for _, m := range f.Sent() {
					last = max(last, m.Request.Seq)
				}
				f.Message(place, mo, q, self)
				got, err := f.WaitSent(waitCtx(t), func(m discordtest.Sent) bool {
					return discordtest.InChannel(place.ChannelID)(m) && m.Request.Seq > last
				})
				if err != nil {
					t.Fatalf("round %d: no answer in the channel: %v\nlogs:\n%s", round, err, r.logs.String())
				}
				if round == 1 {
					// The fake records the answer before the adapter hears back, and the
					// adapter remembers the channel's limits only then.
					r.waitLog(t, "lacks a permission", "channel="+place.ChannelID)
				}
				if isReply := got.Message.MessageReference != nil; isReply != tt.wantReply {
					t.Errorf("round %d: answer is a reply: %v, want %v", round, isReply, tt.wantReply)
				}
				if tt.wantEmbed {
					checkAnswer(t, got, e)
				} else {
					text := got.Message.Content
					for _, want := range append([]string{e.Question, strings.Join(strings.Fields(e.Caveats[0]), " "), bot.Disclaimer}, e.Answer[:40]) {
						if !strings.Contains(text, want) {
							t.Errorf("round %d: the text answer lacks %q:\n%s", round, want, text)
						}
					}
					if len(got.Message.Embeds) != 0 {
						t.Errorf("round %d: %d embeds where they are refused", round, len(got.Message.Embeds))
					}
				}
			}
			// The second answer went straight to the accepted form.
			var refused int
			for _, q := range f.Requests() {
				if strings.Contains(q.Path, "/channels/"+place.ChannelID+"/") && q.Status == http.StatusForbidden {
					refused++
				}
			}
			if max := len(tt.wantLog) + 1; refused == 0 || refused > max {
				t.Errorf("%d requests refused for missing permissions, want 1 to %d, all on the first answer", refused, max)
			}
			for _, p := range tt.wantLog {
				n := 0
				for _, l := range strings.Split(r.logs.String(), "\n") {
					if strings.Contains(l, "lacks a permission") && strings.Contains(l, "channel="+place.ChannelID) && strings.Contains(l, p) {
						n++
					}
				}
				if n != 1 {
					t.Errorf("the missing %s in the channel is logged %d times, want once", p, n)
				}
			}
		})
	}
}
