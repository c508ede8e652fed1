package discord

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/discord/discordtest"
)

func TestFeedbackButtons(t *testing.T) {
	t.Parallel()
	mr := startModeration(t, modConfig{recorder: true})
	f := mr.fake
	ann, bob := f.NewUser("ann"), f.NewUser("bob")

	answer := mr.ask(t, ann, "How many laser sessions will I need?")
	ids := answer.CustomIDs()
	if len(ids) < 2 {
		t.Fatalf("buttons %q, want at least the feedback pair", ids)
	}
	yes, no := ids[len(ids)-2], ids[len(ids)-1]
	replyID := strings.TrimSuffix(strings.TrimPrefix(yes, "f:"), ":y")
	if replyID == "" || yes != "f:"+replyID+":y" || no != "f:"+replyID+":n" {
		t.Fatalf("last buttons %q, %q, want f:<reply id>:y and f:<reply id>:n", yes, no)
	}
	if rows := answer.Message.Components; len(rows) < 2 || len(rows[len(rows)-1].(*discordgo.ActionsRow).Components) != 2 {
		t.Errorf("the feedback buttons are not a row of their own")
	}
	// Suggestion and related buttons name the answer they are on.
	for _, id := range ids[:len(ids)-2] {
		if !strings.HasPrefix(id, "a:") || !strings.HasSuffix(id, ":"+replyID) {
			t.Errorf("button %q does not carry the reply id %s", id, replyID)
		}
	}
	if noMatch := mr.ask(t, ann, "what is the best pizza topping"); slices.ContainsFunc(noMatch.CustomIDs(), func(id string) bool { return strings.HasPrefix(id, "f:") }) {
		t.Errorf("a no-match reply has feedback buttons: %q", noMatch.CustomIDs())
	}

	presses := []struct {
		who         discordtest.User
		button      string
		wantThanks  string
		wantRecords int // feedback writes so far
	}{
		{ann, yes, thanksHelpfulText, 1},
		{ann, yes, thanksHelpfulText, 1}, // pressed again: thanked, not recorded twice
		{ann, no, thanksNotHelpfulText, 2},
		{bob, yes, thanksHelpfulText, 3},
		{bob, "f:" + replyID + ":maybe", goneText, 3},
	}
	for i, p := range presses {
		got := mr.reply(t, f.Button(f.Guild(), p.who, p.button))
		if got.Message.Content != p.wantThanks || !got.Ephemeral() || len(got.CustomIDs()) != 0 {
			t.Errorf("press %d: %q (ephemeral %v), want only %q to the presser", i+1, got.Message.Content, got.Ephemeral(), p.wantThanks)
		}
		if err := mr.rec.Flush(waitCtx(t)); err != nil {
			t.Fatal(err)
		}
		mr.qlog.mu.Lock()
		n := mr.qlog.feedbackCalls
		mr.qlog.mu.Unlock()
		if n != p.wantRecords {
			t.Errorf("press %d: %d feedback records written, want %d", i+1, n, p.wantRecords)
		}
	}
	mr.qlog.mu.Lock()
	got := map[string]bool{}
	for _, fb := range mr.qlog.feedback {
		if fb.AnswerID != replyID || fb.Platform != "discord" {
			t.Errorf("feedback %+v, want it on answer %s from discord", fb, replyID)
		}
		got[fb.User] = fb.Helpful
	}
	mr.qlog.mu.Unlock()
	if want := map[string]bool{ann.ID: false, bob.ID: true}; len(got) != 2 || got[ann.ID] != want[ann.ID] || got[bob.ID] != want[bob.ID] {
		t.Errorf("feedback kept = %v, want %v (one per person, the latest)", got, want)
	}

	// A suggestion pressed after the answer is linked to it in the log.
	pressed := mr.reply(t, f.Button(f.Guild(), bob, ids[0]))
	if len(pressed.Message.Embeds) == 0 {
		t.Fatalf("the suggestion button gave %q", pressed.Message.Content)
	}
	if err := mr.rec.Flush(waitCtx(t)); err != nil {
		t.Fatal(err)
	}
	entryID := strings.TrimSuffix(strings.TrimPrefix(ids[0], "a:"), ":"+replyID)
	mr.qlog.mu.Lock()
	last := mr.qlog.asked[len(mr.qlog.asked)-1]
	mr.qlog.mu.Unlock()
	if last.FromAnswer != replyID || last.EntryID != entryID || last.User != bob.ID {
		t.Errorf("logged %+v, want %s answered for bob from answer %s", last, entryID, replyID)
	}
}

// failingRecorder takes no feedback.
type failingRecorder struct{ *bot.FAQ }

func (failingRecorder) RecordFeedback(context.Context, bot.Feedback) error { return bot.ErrNotRecorded }

func TestFeedbackNotRecorded(t *testing.T) {
	t.Parallel()
	r := start(t, rigConfig{handler: failingRecorder{realHandler(t)}})
	f := r.fake
	got := r.reply(t, f.Button(f.Guild(), f.NewUser("cat"), "f:abc:y"))
	if got.Message.Content != feedbackLostText || !got.Ephemeral() {
		t.Errorf("got %q (ephemeral %v), want %q", got.Message.Content, got.Ephemeral(), feedbackLostText)
	}
	if !strings.Contains(r.logs.String(), "recording feedback failed") {
		t.Errorf("the failure is not logged")
	}
}

func TestFAQReports(t *testing.T) {
	t.Parallel()
	mr := startModeration(t, modConfig{reports: true, recorder: true})
	f := mr.fake
	ann := f.NewUser("ann")
	const phrasing = "what's the damage to my wallet"
	mr.qlog.suggestions = []bot.PhrasingSuggestion{
		{ID: 1, EntryID: "cost", Question: phrasing, Reason: "chose-suggestion", Count: 3, Status: "open"},
		{ID: 2, EntryID: "laser-pain", Question: "does zapping sting", Reason: "matches-after-edit", Count: 1, Status: "open"},
	}
	if got := mr.ask(t, ann, phrasing); answerTitle(got) == entry(t, "cost").Question {
		t.Fatalf("%q is answered before the phrasing is accepted; the test proves nothing", phrasing)
	}
	for range 2 {
		mr.ask(t, ann, "what is the best pizza topping")
	}
	mr.ask(t, ann, "How many laser sessions will I need?")
	if err := mr.rec.Flush(waitCtx(t)); err != nil {
		t.Fatal(err)
	}

	un := mr.private(t, mr.faq(mr.mod, "unanswered", discordtest.Int("days", 30)))
	if len(un.Message.Embeds) != 1 || !strings.Contains(un.Message.Embeds[0].Title, "last 30 days") ||
		!strings.Contains(un.Message.Embeds[0].Description, "**2×** what is the best pizza topping") {
		t.Errorf("unanswered: %+v", un.Message.Embeds)
	}
	st := mr.private(t, mr.faq(mr.mod, "stats"))
	if len(st.Message.Embeds) != 1 || !strings.Contains(st.Message.Embeds[0].Description, "**4** questions") ||
		!strings.Contains(st.Message.Embeds[0].Title, "7 days") {
		t.Errorf("stats: %+v", st.Message.Embeds)
	}

	list := mr.private(t, mr.faq(mr.mod, "suggestions"))
	if want := []string{"m:sa:1", "m:sr:1", "m:sa:2", "m:sr:2"}; !slices.Equal(list.CustomIDs(), want) {
		t.Fatalf("suggestion buttons %q, want %q", list.CustomIDs(), want)
	}
	accepted := mr.private(t, f.Button(f.Guild(), mr.mod, "m:sa:1"))
	if accepted.ResponseType != discordgo.InteractionResponseUpdateMessage || !strings.HasPrefix(accepted.Message.Content, "Accepted suggestion #1") ||
		!slices.Equal(accepted.CustomIDs(), []string{"m:sa:2", "m:sr:2"}) {
		t.Errorf("accept: type %d %q buttons %q, want the list updated", accepted.ResponseType, accepted.Message.Content, accepted.CustomIDs())
	}
	if e, _ := mr.get(t, "cost"); !slices.Contains(e.Alternates, phrasing) || mr.qlog.status(1) != "accepted" {
		t.Errorf("after accepting: alternates %q, status %s", e.Alternates, mr.qlog.status(1))
	}
	if hist, _ := mr.store.History("cost"); len(hist) != 1 || hist[0].Actor.User != mr.mod.ID {
		t.Errorf("the accepted phrasing is not an audited edit by the moderator: %+v", hist)
	}
	if got := mr.ask(t, ann, phrasing); answerTitle(got) != entry(t, "cost").Question {
		t.Errorf("after accepting, %q is answered with %q", phrasing, answerTitle(got))
	}

	rejected := mr.private(t, f.Button(f.Guild(), mr.mod, "m:sr:2"))
	if !strings.HasPrefix(rejected.Message.Content, "Rejected suggestion #2") || len(rejected.CustomIDs()) != 0 || mr.qlog.status(2) != "rejected" {
		t.Errorf("reject: %q buttons %q status %s", rejected.Message.Content, rejected.CustomIDs(), mr.qlog.status(2))
	}
	if e, _ := mr.get(t, "laser-pain"); slices.Contains(e.Alternates, "does zapping sting") {
		t.Errorf("a rejected phrasing was added")
	}
	again := mr.private(t, f.Button(f.Guild(), mr.boss, "m:sa:1"))
	if !strings.Contains(again.Message.Content, "not accepted") {
		t.Errorf("accepting twice: %q, want a refusal", again.Message.Content)
	}

	mr.qlog.mu.Lock()
	mr.qlog.failReports = true
	mr.qlog.mu.Unlock()
	if got := mr.private(t, mr.faq(mr.mod, "stats")); got.Message.Content != logErrorText {
		t.Errorf("with the log failing: %q, want %q", got.Message.Content, logErrorText)
	}
}

func TestFAQReportsNotConfigured(t *testing.T) {
	t.Parallel()
	mr := startModeration(t, modConfig{})
	for _, sub := range []string{"unanswered", "stats", "suggestions"} {
		if got := mr.private(t, mr.faq(mr.mod, sub)); got.Message.Content != noReportsText {
			t.Errorf("/faq %s: %q, want %q", sub, got.Message.Content, noReportsText)
		}
	}
}
