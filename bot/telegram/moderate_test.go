package telegram

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/telegram/telegramtest"
	"github.com/smpbot/smpbot/knowledge"
	"github.com/smpbot/smpbot/knowledge/storetest"
)

func TestModeratorAddsEntryStepByStep(t *testing.T) {
	t.Parallel()
	h := startModerated(t, setup{})
	const id = "dye-hair-after-smp-removal"
	steps := []struct {
		send string
		want []string // in the reply
	}{
		{"/faq_add", []string{addIntro, "Question (step 1 of 8)"}},
		{"Can I dye my hair after SMP removal?", []string{"Id (step 2 of 8)", "Send - to use " + id + "."}},
		{"-", []string{"Other wordings (step 3 of 8)", "Send - for none."}},
		{"colouring my hair after laser removal\n- hair dye after smp laser", []string{"Answer (step 4 of 8)"}},
		{"Yes, once the scalp has **fully healed**.\n\n- Wait until the scabs are gone.\n- Do a patch test.", []string{"Caveats (step 5 of 8)"}},
		{"Ask your clinic first.", []string{"Tags (step 6 of 8)"}},
		{"hair, aftercare", []string{"Related entries (step 7 of 8)"}},
		// An unknown id is refused at once, naming the field, and the step asked again.
		{"aftercare, no-such-entry", []string{"That doesn't work:", `related: unknown related id: "no-such-entry"`, "Related entries (step 7 of 8)"}},
		{"aftercare", []string{"Sources (step 8 of 8)"}},
		{"just a title", []string{"That doesn't work:", "sources: line 1 has no title and URL", "Sources (step 8 of 8)"}},
		{"not a link | www.example.com", []string{`sources: invalid field: source 1: "www.example.com" is not an http(s) URL`}},
		{"AAD: tattoo removal | https://www.aad.org/public/cosmetic/tattoo-removal", []string{
			"Here is the new entry. Nothing is saved until you press Confirm.",
			"Id: " + id, "Question: Can I dye my hair after SMP removal?",
			"• colouring my hair after laser removal", "• hair dye after smp laser",
			"Yes, once the scalp has fully healed.", "• Wait until the scabs are gone.",
			"• Ask your clinic first.", "Tags: hair, aftercare", "Related: aftercare",
			"• AAD: tattoo removal | https://www.aad.org/public/cosmetic/tattoo-removal"}},
	}
	var last []telegramtest.Sent
	for _, st := range steps {
		last = h.say(t, mia, st.send)
		wantIn(t, st.send, last, st.want...)
		if !h.missing(id) {
			t.Fatalf("after %q the entry is already in the store, before Confirm", st.send)
		}
	}
	preview, data := confirmPreview(t, last)
	msgs, ack := h.press(t, mia, preview, data)
	if ack.ShowAlert || len(msgs) != 1 || !strings.HasPrefix(msgs[0].Text, "Saved.") {
		t.Fatalf("Confirm: ack %+v, replies %q; want a quiet ack and one Saved message", ack, texts(msgs))
	}
	e := h.entry(t, id)
	if e.Question != "Can I dye my hair after SMP removal?" || !slices.Equal(e.Related, []string{"aftercare"}) || e.Updated != time.Now().UTC().Format(time.DateOnly) {
		t.Errorf("stored entry = %+v", e)
	}
	audit := h.audit(t)
	wantActor := knowledge.Actor{Platform: "telegram", User: "44", Name: "Mia", Chat: "44"}
	if len(audit) != 1 || audit[0].Action != "add" || audit[0].ID != id || audit[0].Actor != wantActor {
		t.Errorf("audit = %+v, want one add of %s by %+v", audit, id, wantActor)
	}
	// The index follows the store: the new entry answers at once, for anyone.
	for _, q := range []string{"can i dye my hair after smp removal", "hair dye after smp laser"} {
		got := h.say(t, bob, q)
		if len(got) == 0 || firstLine(got[0].Text) != e.Question {
			t.Errorf("asked %q right after the add, got %q, want the new entry", q, firstLine(texts(got)))
		}
	}
}

// hairDye is a valid new entry, for pasting.
func hairDye() knowledge.Entry {
	return knowledge.Entry{
		ID: "hair-dye", Question: "Can I dye my hair after SMP removal?", Alternates: []string{"hair colour after smp laser"},
		Answer: "Yes, once the scalp has healed.", Caveats: []string{"Ask your clinic first."}, Tags: []string{"hair"},
		Related: []string{"aftercare"}, Sources: []knowledge.Source{{Title: "AAD", URL: "https://www.aad.org/public/cosmetic/tattoo-removal"}}, Updated: "2026-01-31",
	}
}

func TestPastedEntryWithAProblemIsRefused(t *testing.T) {
	t.Parallel()
	h := startModerated(t, setup{})
	with := func(f func(*knowledge.Entry)) string {
		e := hairDye()
		f(&e)
		return pasted(e)
	}
	tests := []struct {
		name  string
		paste string
		want  []string
	}{
		{"source without a scheme", with(func(e *knowledge.Entry) { e.Sources[0].URL = "www.aad.org" }), []string{`sources: invalid field: source 1: "www.aad.org" is not an http(s) URL`}},
		{"id with capitals", with(func(e *knowledge.Entry) { e.ID = "Hair_Dye" }), []string{"id: invalid field"}},
		{"unknown related id", with(func(e *knowledge.Entry) { e.Related = []string{"nope"} }), []string{`related: unknown related id: "nope"`}},
		{"id taken", with(func(e *knowledge.Entry) { e.ID = "aftercare" }), []string{"id: duplicate id", "related: invalid field: an entry cannot be related to itself"}},
		{"question of another entry", with(func(e *knowledge.Entry) { e.Question = "What should I do after a laser removal session?" }),
			[]string{`is also a phrasing of "aftercare"`}},
		{"no answer", with(func(e *knowledge.Entry) { e.Answer = "" }), []string{"answer: missing field"}},
		{"bad date", with(func(e *knowledge.Entry) { e.Updated = "last week" }), []string{`updated: invalid field: "last week" is not a date`}},
		{"unknown key", strings.Replace(pasted(hairDye()), "tags:", "colour: red\ntags:", 1), []string{"line ", "syntax error", "colour"}},
	}
	for _, tt := range tests {
		got := h.say(t, mia, "/faq_add\n"+tt.paste)
		wantIn(t, tt.name, got, append([]string{"The pasted entry can't be saved:"}, tt.want...)...)
		for _, m := range got {
			if len(m.Keyboard) > 0 {
				t.Errorf("%s: a refused entry got buttons %v", tt.name, m.Keyboard)
			}
		}
	}
	if len(h.audit(t)) != 0 || !h.missing("hair-dye") {
		t.Fatalf("a refused paste changed the FAQ: audit %+v", h.audit(t))
	}
	// The session stays open for a corrected paste. Without a date, today's is used.
	e := hairDye()
	e.Updated = ""
	got := h.say(t, mia, pasted(e))
	preview, data := confirmPreview(t, got)
	h.press(t, mia, preview, data)
	if stored := h.entry(t, "hair-dye"); stored.Updated != time.Now().UTC().Format(time.DateOnly) || stored.Answer != e.Answer {
		t.Errorf("stored %+v, want the pasted entry dated today", stored)
	}
}

func TestEditKeepsWhatIsSentAsDash(t *testing.T) {
	t.Parallel()
	h := startModerated(t, setup{})
	orig := h.entry(t, "aftercare")
	first := h.say(t, mia, "/faq_edit aftercare")
	wantIn(t, "/faq_edit", first, "Editing aftercare.", "id: aftercare", "Question (step 1 of 7)", "Now:", orig.Question, "Send - to keep it as it is.")
	if !strings.Contains(first[0].HTML, "<pre>") {
		t.Errorf("the entry to copy is not preformatted: %s", first[0].HTML)
	}
	steps := []struct{ send, next string }{
		{"-", "Other wordings (step 2 of 7)"},
		{"-", "Answer (step 3 of 7)"},
		{"Wash gently and keep out of the sun.", "Caveats (step 4 of 7)"},
		{"-", "Tags (step 5 of 7)"},
		{"none", "Related entries (step 6 of 7)"},
		{"-", "Sources (step 7 of 7)"},
		{"-", "Changed: answer, tags"}, // and updated, unless the entry was reviewed today
	}
	var last []telegramtest.Sent
	for _, st := range steps {
		last = h.say(t, mia, st.send)
		wantIn(t, st.send, last, st.next)
	}
	// Each step shows the value it would keep.
	if h.entry(t, "aftercare").Answer != orig.Answer {
		t.Fatal("the entry changed before Confirm")
	}
	preview, data := confirmPreview(t, last)
	h.press(t, mia, preview, data)
	got := h.entry(t, "aftercare")
	want := orig
	want.Answer, want.Tags, want.Updated = "Wash gently and keep out of the sun.", nil, time.Now().UTC().Format(time.DateOnly)
	if string(knowledge.Format(got)) != string(knowledge.Format(want)) {
		t.Errorf("after the edit the entry is\n%s\nwant\n%s", knowledge.Format(got), knowledge.Format(want))
	}
	// Confirming an edit that changes nothing writes nothing.
	same := h.say(t, mia, "/faq_edit aftercare\n"+pasted(got))
	wantIn(t, "unchanged", same, "(Nothing has changed.)")
	preview, data = confirmPreview(t, same)
	msgs, _ := h.press(t, mia, preview, data)
	wantIn(t, "unchanged confirm", msgs, "Nothing had changed, so nothing was saved.")
	if n := len(h.audit(t)); n != 1 {
		t.Errorf("%d changes recorded, want 1", n)
	}
}

// Telegram clients turn **text** into a bold entity and send the text without the
// asterisks; the entry keeps the Markdown.
func TestBoldFromTheClientIsKeptAsMarkdown(t *testing.T) {
	t.Parallel()
	h := startModerated(t, setup{})
	h.say(t, mia, "/faq_edit aftercare")
	e := h.entry(t, "aftercare")
	e.Answer = "Wash gently until fully healed."
	text := pasted(e)
	c := h.fake.PrivateChat(mia)
	n := len(h.fake.Messages())
	h.fake.SendMessage(c, tgbotapi.Message{From: &mia, Text: text, Entities: []tgbotapi.MessageEntity{
		{Type: "bold", Offset: telegramtest.Len(text[:strings.Index(text, "fully healed")]), Length: len("fully healed")}}}, 0)
	h.settle(t)
	got := h.fake.Messages()[n:]
	preview, data := confirmPreview(t, got)
	if !strings.Contains(preview.HTML, "<b>fully healed</b>") {
		t.Errorf("preview does not show the bold: %s", preview.HTML)
	}
	h.press(t, mia, preview, data)
	if got := h.entry(t, "aftercare").Answer; got != "Wash gently until **fully healed**." {
		t.Errorf("stored answer %q, want the bold as Markdown", got)
	}
}

func TestStaleEditIsRefusedAndNothingIsLost(t *testing.T) {
	t.Parallel()
	h := startModerated(t, setup{})
	h.say(t, mia, "/faq_edit aftercare")
	h.say(t, moe, "/faq_edit aftercare")
	orig := h.entry(t, "aftercare")
	versionA, versionB := orig, orig
	versionA.Answer = "Version A of the aftercare answer."
	versionB.Answer = "Version B of the aftercare answer."
	previewA, dataA := confirmPreview(t, h.say(t, mia, pasted(versionA)))
	previewB, dataB := confirmPreview(t, h.say(t, moe, pasted(versionB)))
	h.press(t, mia, previewA, dataA)
	msgs, _ := h.press(t, moe, previewB, dataB)
	stale := bot.DescribeError(knowledge.ErrStale)
	if len(msgs) < 2 || msgs[0].Text != stale {
		t.Fatalf("the second confirm got %q, want %q and the version to paste again", texts(msgs), stale)
	}
	wantIn(t, "the refused version", msgs[1:], "Your version, to paste again", "Version B of the aftercare answer.")
	if got := h.entry(t, "aftercare").Answer; got != versionA.Answer {
		t.Errorf("answer = %q, want the first moderator's %q", got, versionA.Answer)
	}
	if audit := h.audit(t); len(audit) != 1 || audit[0].Actor.Name != "Mia" {
		t.Errorf("audit = %+v, want only Mia's edit", audit)
	}
}

func TestRemoveNeedsConfirmation(t *testing.T) {
	t.Parallel()
	h := startModerated(t, setup{})
	wantIn(t, "referenced entry", h.say(t, mia, "/faq_remove aftercare"), "aftercare can't be removed:", "list it as related")
	got := h.say(t, mia, "/faq_remove bot-about")
	wantIn(t, "remove", got, "Remove this entry?", "Id: bot-about")
	if h.missing("bot-about") {
		t.Fatal("removed before Confirm")
	}
	// While the removal waits for Confirm, an entry pasted is not taken for an edit.
	e := h.entry(t, "bot-about")
	e.Answer = "Changed."
	if got := texts(h.say(t, mia, pasted(e))); got != previewPending {
		t.Errorf("a paste during a removal got %q, want %q", got, previewPending)
	}
	preview, data := confirmPreview(t, got)
	msgs, _ := h.press(t, mia, preview, data)
	wantIn(t, "confirm", msgs, "Removed bot-about.")
	if !h.missing("bot-about") {
		t.Fatal("still there after Confirm")
	}
	msgs, ack := h.press(t, mia, preview, data)
	if len(msgs) != 0 || ack.Text != staleConfirm {
		t.Errorf("pressing Confirm again: %q and ack %q, want nothing but %q", texts(msgs), ack.Text, staleConfirm)
	}
	wantIn(t, "remove again", h.say(t, mia, "/faq_remove bot-about"), bot.DescribeError(knowledge.ErrNotFound))
	if n := len(h.audit(t)); n != 1 {
		t.Errorf("%d changes recorded, want 1", n)
	}
}

func TestUndoAndHistory(t *testing.T) {
	t.Parallel()
	h := startModerated(t, setup{})
	orig := h.entry(t, "aftercare")
	wantIn(t, "undo without history", h.say(t, mia, "/faq_undo aftercare"), "There is no recorded change to aftercare to undo.")
	edited := orig
	edited.Answer = "An edited answer."
	preview, data := confirmPreview(t, h.say(t, mia, "/faq_edit aftercare\n"+pasted(edited)))
	h.press(t, mia, preview, data)

	got := h.say(t, mia, "/faq_undo aftercare")
	wantIn(t, "undo preview", got, "Undo the last change to aftercare (edit by Mia on telegram", "The entry will be back to:", "Gentle care helps the skin heal")
	if h.entry(t, "aftercare").Answer != edited.Answer {
		t.Fatal("undone before Confirm")
	}
	preview, data = confirmPreview(t, got)
	msgs, _ := h.press(t, mia, preview, data)
	wantIn(t, "undo", msgs, "Undone: aftercare is back to how it was before that change.")
	if v := knowledge.VersionOf(h.entry(t, "aftercare")); v != knowledge.VersionOf(orig) {
		t.Errorf("after undo the entry is version %s, want the original %s", v, knowledge.VersionOf(orig))
	}

	// An undo previewed before someone else's change is refused: it would undo theirs.
	preview, data = confirmPreview(t, h.say(t, mia, "/faq_undo aftercare"))
	moes := orig
	moes.Answer = "Moe's answer."
	p2, d2 := confirmPreview(t, h.say(t, moe, "/faq_edit aftercare\n"+pasted(moes)))
	h.press(t, moe, p2, d2)
	msgs, _ = h.press(t, mia, preview, data)
	wantIn(t, "stale undo", msgs, bot.DescribeError(knowledge.ErrStale))
	if got := h.entry(t, "aftercare").Answer; got != moes.Answer {
		t.Errorf("answer = %q, want Moe's, untouched by the stale undo", got)
	}

	hist := h.say(t, mia, "/faq_history aftercare")
	wantIn(t, "history", hist, "Changes to aftercare, newest first:", "#3 edit by Moe on telegram", "#2 undo by Mia on telegram", "#1 edit by Mia on telegram", "/faq_undo aftercare undoes the newest.")
	if all := texts(hist); strings.Index(all, "#3") > strings.Index(all, "#1") {
		t.Errorf("history is not newest first:\n%s", all)
	}
}

func TestShowAndList(t *testing.T) {
	t.Parallel()
	h := startModerated(t, setup{})
	e := h.entry(t, "aftercare")
	tests := []struct {
		send string
		want []string
	}{
		{"/faq_show aftercare", []string{"Id: aftercare", "Question: " + e.Question, "Caveats:", "Version " + string(knowledge.VersionOf(e)), "/faq_edit aftercare"}},
		{"/faq_show nope", []string{bot.DescribeError(knowledge.ErrNotFound)}},
		{"/faq_show", []string{"Use it like this: /faq_show <id>"}},
		{"/faq_list", []string{"42 entries (id: question):", "aftercare: " + e.Question, "bot-about: "}},
		{"/faq_edit", []string{"Use it like this: /faq_edit <id>"}},
		{"/faq_edit nope", []string{bot.DescribeError(knowledge.ErrNotFound)}},
		{"/faq_history", []string{"Use it like this: /faq_history <id>"}},
		{"/faq_history bot-about", []string{"No change to bot-about has been recorded"}},
	}
	for _, tt := range tests {
		wantIn(t, tt.send, h.say(t, mia, tt.send), tt.want...)
	}
}

func TestCancelWritesNothing(t *testing.T) {
	t.Parallel()
	h := startModerated(t, setup{})
	got := h.say(t, mia, "/faq_add\n"+pasted(hairDye()))
	preview, okData := confirmPreview(t, got)
	_, noData := button(t, got, cbModerator+"no:")
	msgs, ack := h.press(t, mia, preview, noData)
	if ack.ShowAlert || texts(msgs) != cancelledText {
		t.Errorf("Cancel: ack %+v, replies %q; want %q", ack, texts(msgs), cancelledText)
	}
	if msgs, ack := h.press(t, mia, preview, okData); len(msgs) != 0 || ack.Text != staleConfirm {
		t.Errorf("Confirm after Cancel: %q, ack %q; want nothing and %q", texts(msgs), ack.Text, staleConfirm)
	}

	// /cancel in the middle of the steps; what follows is a question again.
	h.say(t, mia, "/faq_edit aftercare")
	wantIn(t, "/cancel", h.say(t, mia, "/cancel"), cancelledText)
	if got := h.say(t, mia, "How many laser sessions will I need?"); len(got) != 1 || firstLine(got[0].Text) != "How many laser sessions does SMP removal take?" {
		t.Errorf("after /cancel a question got %q, want its answer", texts(got))
	}
	wantIn(t, "/cancel again", h.say(t, mia, "/cancel"), nothingPending)

	// A new preview makes the buttons of the one before it stale.
	h.say(t, mia, "/faq_add")
	first := hairDye()
	first.Answer = "First draft."
	p1, d1 := confirmPreview(t, h.say(t, mia, pasted(first)))
	p2, d2 := confirmPreview(t, h.say(t, mia, pasted(hairDye())))
	if msgs, ack := h.press(t, mia, p1, d1); len(msgs) != 0 || ack.Text != staleConfirm {
		t.Errorf("Confirm of an older preview: %q, ack %q; want nothing and %q", texts(msgs), ack.Text, staleConfirm)
	}
	if len(h.audit(t)) != 0 || !h.missing("hair-dye") {
		t.Fatalf("something was written before the last Confirm: %+v", h.audit(t))
	}
	h.press(t, mia, p2, d2)
	if got := h.entry(t, "hair-dye").Answer; got != hairDye().Answer {
		t.Errorf("saved answer %q, want the last preview's", got)
	}
}

func TestNonModeratorIsRefused(t *testing.T) {
	t.Parallel()
	h := startModerated(t, setup{})
	refused := bot.DescribeError(bot.ErrForbidden)
	for _, cmd := range []string{"/faq_add", "/faq_edit aftercare", "/faq_remove bot-about", "/faq_show aftercare", "/faq_list",
		"/faq_history aftercare", "/faq_undo aftercare", "/faq_unanswered", "/faq_stats 7", "/faq_suggestions"} {
		got := h.say(t, bob, cmd)
		if texts(got) != refused {
			t.Errorf("%s from a non-moderator: %q, want %q", cmd, texts(got), refused)
		}
		name, _ := firstWord(strings.TrimPrefix(cmd, "/"))
		if want := "action=" + name; !strings.Contains(h.modLogs.String(), want) {
			t.Errorf("%s: the refusal was not logged with %s:\n%s", cmd, want, h.modLogs.String())
		}
	}
	// No session was started: a pasted entry is just a question.
	for _, m := range h.say(t, bob, pasted(hairDye())) {
		if len(m.Keyboard) > 0 && strings.HasPrefix(*m.Keyboard[0][0].CallbackData, cbModerator) {
			t.Errorf("a non-moderator got moderator buttons: %v", m.Keyboard)
		}
	}
	// Buttons made up by hand are refused too.
	msgs, ack := h.press(t, bob, telegramtest.Sent{MessageID: 1, ChatID: bob.ID}, cbModerator+"ok:whatever")
	if len(msgs) != 0 || ack.Text != refused || !ack.ShowAlert {
		t.Errorf("a non-moderator's Confirm: %q, ack %+v; want an alert %q", texts(msgs), ack, refused)
	}
	wantIn(t, "/cancel", h.say(t, bob, "/cancel"), nothingPending)
	if len(h.audit(t)) != 0 {
		t.Errorf("the FAQ changed: %+v", h.audit(t))
	}
	if !strings.Contains(h.modLogs.String(), "moderator command refused") || !strings.Contains(h.modLogs.String(), "user=43") {
		t.Errorf("refusals not logged with the user:\n%s", h.modLogs.String())
	}
}

func TestModeratorCommandsInGroupAskForPrivateChat(t *testing.T) {
	t.Parallel()
	h := startModerated(t, setup{})
	g := h.fake.Group(-100800, "SMP removal support")
	tests := []struct {
		from tgbotapi.User
		send string
		want string // "" for no reply
	}{
		{mia, "/faq_add", privateOnly},
		{mia, "/faq_edit aftercare", privateOnly},
		{bob, "/faq_suggestions", privateOnly},
		{mia, "/cancel", ""}, // may be another bot's
		{mia, "/cancel@SMPBot", privateOnly},
	}
	// In privacy mode a bot gets commands without @name only once it has spoken in
	// the group.
	if got := h.sayIn(t, g, bob, "/ask@SMPBot how much does removal cost?"); len(got) == 0 {
		t.Fatal("no answer to /ask@SMPBot in the group")
	}
	for _, tt := range tests {
		got := h.sayIn(t, g, tt.from, tt.send)
		if texts(got) != tt.want {
			t.Errorf("%s in a group: %q, want %q", tt.send, texts(got), tt.want)
		}
	}
	// No session was started in the group: mia's private messages are questions.
	if got := h.say(t, mia, "How many laser sessions will I need?"); len(got) != 1 || len(got[0].Keyboard) == 0 || strings.HasPrefix(*got[0].Keyboard[0][0].CallbackData, cbModerator) {
		t.Errorf("mia's question got %q", texts(got))
	}
}

func TestModeratorMenu(t *testing.T) {
	t.Parallel()
	h := startModerated(t, setup{
		opts:   []Option{WithModerators("44", "45", "not-a-number")},
		before: func(f *telegramtest.Server) { f.PrivateChat(mia) }, // moe has never opened a chat
	})
	if !h.fake.Wait(60*time.Second, func() bool { return len(h.fake.ChatCommands(mia.ID)) > 0 }) {
		t.Fatal("no menu was set in the moderator's chat")
	}
	names := func(cs []tgbotapi.BotCommand) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Command)
		}
		return out
	}
	public, mods := names(h.fake.Commands()), names(h.fake.ChatCommands(mia.ID))
	for _, c := range []string{"help", "faq_add", "faq_edit", "faq_suggestions", "cancel"} {
		if !slices.Contains(mods, c) {
			t.Errorf("moderator menu %v lacks %s", mods, c)
		}
	}
	for _, c := range public {
		if strings.HasPrefix(c, "faq_") || c == "cancel" {
			t.Errorf("public menu %v has %s", public, c)
		}
	}
	if got := h.fake.ChatCommands(moe.ID); got != nil {
		t.Errorf("moe's chat got a menu before it existed: %v", got)
	}
	h.say(t, moe, "/faq_list")
	h.say(t, bob, "/faq_list")
	if got := names(h.fake.ChatCommands(moe.ID)); !slices.Contains(got, "faq_add") {
		t.Errorf("moe's menu after a first moderator command = %v, want the moderator commands", got)
	}
	if got := h.fake.ChatCommands(bob.ID); got != nil {
		t.Errorf("a non-moderator got a menu: %v", got)
	}
	if !strings.Contains(h.logs.String(), "a moderator is not a Telegram user id") {
		t.Errorf("the bad moderator id was not logged")
	}
}

// clock is a time source tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestSessionTimesOut(t *testing.T) {
	t.Parallel()
	clk := &clock{now: time.Now()}
	h := startModerated(t, setup{opts: []Option{func(a *Adapter) { a.now = clk.Now }, WithSessionTimeout(15 * time.Minute)}})
	h.say(t, mia, "/faq_add")
	clk.advance(10 * time.Minute)
	wantIn(t, "within the timeout", h.say(t, mia, "Can I dye my hair after SMP removal?"), "Id (step 2 of 8)")
	clk.advance(10 * time.Minute) // 20 minutes since the start, 10 since the last message
	wantIn(t, "still within", h.say(t, mia, "-"), "Other wordings (step 3 of 8)")
	clk.advance(16 * time.Minute)
	wantIn(t, "after the timeout", h.say(t, mia, "some wording"), "Your unfinished /faq_add timed out after 15 minutes", "nothing was saved")
	if got := h.say(t, mia, "How many laser sessions will I need?"); len(got) != 1 || firstLine(got[0].Text) != "How many laser sessions does SMP removal take?" {
		t.Errorf("after the timeout a question got %q, want its answer", texts(got))
	}
	// A preview left too long cannot be confirmed.
	preview, data := confirmPreview(t, h.say(t, mia, "/faq_add\n"+pasted(hairDye())))
	clk.advance(16 * time.Minute)
	if msgs, ack := h.press(t, mia, preview, data); len(msgs) != 0 || ack.Text != staleConfirm {
		t.Errorf("Confirm after the timeout: %q, ack %q; want nothing and %q", texts(msgs), ack.Text, staleConfirm)
	}
	if len(h.audit(t)) != 0 {
		t.Errorf("the FAQ changed: %+v", h.audit(t))
	}
}

func TestFeedbackIsRecordedOncePerPersonAndAnswer(t *testing.T) {
	t.Parallel()
	h := startModerated(t, setup{})
	g := h.fake.Group(-100900, "group")
	answer := h.sayIn(t, g, ann, "/ask@SMPBot How many laser sessions will I need?")
	if len(answer) != 1 {
		t.Fatalf("got %d replies, want 1", len(answer))
	}
	on, yes := button(t, answer, cbFeedback)
	replyID := strings.TrimSuffix(strings.TrimPrefix(yes, cbFeedback), ":y")
	no := cbFeedback + replyID + ":n"
	row := answer[0].Keyboard[len(answer[0].Keyboard)-1]
	if len(row) != 2 || row[0].Text != helpfulLabel || row[1].Text != notHelpfulLabel || *row[1].CallbackData != no {
		t.Errorf("feedback row = %+v, want Helpful and Not helpful for reply %s", row, replyID)
	}
	presses := []struct {
		who  tgbotapi.User
		data string
		ack  string
	}{
		{ann, yes, thanksHelpful},
		{ann, yes, thanksHelpful}, // a double tap
		{bob, yes, thanksHelpful},
		{ann, no, thanksNotHelpful}, // a change of mind
	}
	for i, p := range presses {
		msgs, ack := h.press(t, p.who, on, p.data)
		if len(msgs) != 0 || ack.Text != p.ack || ack.ShowAlert {
			t.Errorf("press %d: sent %q, ack %+v; want no message and a quiet %q", i, texts(msgs), ack, p.ack)
		}
	}
	if err := h.rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.log.mu.Lock()
	calls, stored := h.log.feedbackCalls, h.log.feedback
	h.log.mu.Unlock()
	if calls != 3 {
		t.Errorf("RecordFeedback reached the log %d times, want 3 (the double tap once)", calls)
	}
	want := map[string]bool{replyID + "/42": false, replyID + "/43": true}
	if len(stored) != len(want) {
		t.Errorf("stored feedback %+v, want %v", stored, want)
	}
	for k, helpful := range want {
		if f, ok := stored[k]; !ok || f.Helpful != helpful || f.Platform != "telegram" {
			t.Errorf("feedback %s = %+v, want helpful %v", k, f, helpful)
		}
	}

	// A suggestion or related button links the next question to this answer.
	_, rel := button(t, answer, cbAnswer)
	if !strings.HasSuffix(rel, ":"+replyID) {
		t.Fatalf("related button data %q does not carry the reply id %s", rel, replyID)
	}
	h.press(t, bob, on, rel)
	if err := h.rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.log.mu.Lock()
	last := h.log.asked[len(h.log.asked)-1]
	h.log.mu.Unlock()
	if last.FromAnswer != replyID || last.EntryID != strings.TrimPrefix(strings.TrimSuffix(rel, ":"+replyID), cbAnswer) {
		t.Errorf("the pressed entry was logged as %+v, want FromAnswer %s", last, replyID)
	}

	// A reply that is not an answer gets no feedback buttons.
	for _, m := range h.say(t, ann, "what is the best pizza topping") {
		for _, r := range m.Keyboard {
			if strings.HasPrefix(*r[0].CallbackData, cbFeedback) {
				t.Errorf("a no-match reply has feedback buttons")
			}
		}
	}
}

func TestFeedbackButtonsNeedARecorder(t *testing.T) {
	t.Parallel()
	h := start(t, setup{}) // the plain FAQ handler records nothing
	c := h.fake.PrivateChat(ann)
	h.fake.Send(c, ann, "How many laser sessions will I need?", 0)
	for _, row := range h.messages(t, 1)[0].Keyboard {
		if strings.HasPrefix(*row[0].CallbackData, cbFeedback) {
			t.Errorf("feedback buttons without a FeedbackRecorder: %v", row)
		}
	}
	msg := tgbotapi.Message{MessageID: 1, From: ptr(h.fake.Bot()), Chat: &c}
	h.fake.Press(ann, msg, cbFeedback+"r1:y")
	h.settle(t)
	if acks := h.fake.CallbackAnswers(); len(acks) != 1 || acks[0].Text != staleButton {
		t.Errorf("acks = %+v, want the stale-button notice", acks)
	}
}

func TestSuggestionsAcceptAndReject(t *testing.T) {
	t.Parallel()
	h := startModerated(t, setup{})
	const phrasing = "can i rub coconut oil on my head after the laser"
	h.log.suggestions = []bot.PhrasingSuggestion{
		{ID: 1, EntryID: "aftercare", Question: phrasing, Reason: "chose-suggestion", Count: 3, Status: "open"},
		{ID: 2, EntryID: "aftercare", Question: "laser smp after what now", Reason: "matches-after-edit", Count: 1, Status: "open"},
	}
	got := h.say(t, mia, "/faq_suggestions")
	if len(got) != 3 {
		t.Fatalf("got %d messages, want a heading and one per suggestion: %s", len(got), texts(got))
	}
	wantIn(t, "suggestions", got, "2 suggested new wordings", "“"+phrasing+"”", "as a wording of aftercare (asked 3×")
	msg1, accept := button(t, got[1:2], cbModerator+"sa:")
	msg2, reject := button(t, got[2:3], cbModerator+"sr:")
	if accept != "m:sa:1" || reject != "m:sr:2" {
		t.Fatalf("buttons %q and %q, want m:sa:1 and m:sr:2", accept, reject)
	}

	msgs, ack := h.press(t, mia, msg1, accept)
	if ack.Text != "Saving…" || ack.ShowAlert {
		t.Errorf("accept ack = %+v", ack)
	}
	if len(msgs) != 1 || msgs[0].Method != "editMessageText" || msgs[0].MessageID != msg1.MessageID || len(msgs[0].Keyboard) != 0 ||
		!strings.Contains(msgs[0].Text, "Accepted: it is now a wording of aftercare.") {
		t.Errorf("after accept: %+v, want the suggestion edited to say it was accepted, without buttons", msgs)
	}
	if !slices.Contains(h.entry(t, "aftercare").Alternates, phrasing) {
		t.Errorf("aftercare alternates lack the accepted phrasing")
	}
	if s := h.log.suggestion(1); s.Status != "accepted" {
		t.Errorf("suggestion 1 is %s, want accepted", s.Status)
	}
	if audit := h.audit(t); len(audit) != 1 || audit[0].Action != "edit" || audit[0].Actor.User != "44" {
		t.Errorf("audit = %+v, want one edit by mia", audit)
	}
	if got := h.say(t, bob, phrasing); len(got) == 0 || firstLine(got[0].Text) != h.entry(t, "aftercare").Question {
		t.Errorf("the accepted phrasing is answered with %q", firstLine(texts(got)))
	}

	before := h.entry(t, "aftercare")
	msgs, ack = h.press(t, mia, msg2, reject)
	if ack.Text != "Rejecting…" || len(msgs) != 1 || !strings.Contains(msgs[0].Text, "Rejected.") {
		t.Errorf("reject: ack %+v, messages %q", ack, texts(msgs))
	}
	if s := h.log.suggestion(2); s.Status != "rejected" {
		t.Errorf("suggestion 2 is %s, want rejected", s.Status)
	}
	if knowledge.VersionOf(h.entry(t, "aftercare")) != knowledge.VersionOf(before) {
		t.Errorf("rejecting changed the entry")
	}
	if msgs, ack := h.press(t, mia, msg1, accept); len(msgs) != 1 || msgs[0].Text != alreadyDecided || ack.Text != "Saving…" {
		t.Errorf("accepting again: %q, ack %+v", texts(msgs), ack)
	}
	if _, ack := h.press(t, bob, msg1, "m:sa:2"); ack.Text != bot.DescribeError(bot.ErrForbidden) {
		t.Errorf("a non-moderator's accept: ack %+v", ack)
	}
	wantIn(t, "none left", h.say(t, mia, "/faq_suggestions"), "There are no open suggestions.")
}

// Accepting a suggestion saves the entry and retrains the index, which under load can
// outlast the 15 s in which Telegram accepts an acknowledgement: the press is
// acknowledged before the save starts, and the outcome shown when it ends.
func TestSuggestionAcknowledgedBeforeSlowSave(t *testing.T) {
	t.Parallel()
	clk := &clock{now: time.Now()}
	ed := &blockingEditor{entered: make(chan struct{}, 1), release: make(chan struct{})}
	h := startModerated(t, setup{
		editor: func(s bot.Editor) bot.Editor { ed.Editor = s; return ed },
		fake:   []telegramtest.Option{telegramtest.WithClock(clk.Now)},
	})
	const phrasing = "can i rub coconut oil on my head after the laser"
	h.log.suggestions = []bot.PhrasingSuggestion{
		{ID: 1, EntryID: "aftercare", Question: phrasing, Reason: "chose-suggestion", Count: 3, Status: "open"},
	}
	got := h.say(t, mia, "/faq_suggestions")
	msg, accept := button(t, got, cbModerator+"sa:")
	c := h.fake.PrivateChat(mia)
	n := len(h.fake.Messages())
	q := h.fake.Press(mia, tgbotapi.Message{MessageID: msg.MessageID, From: ptr(h.fake.Bot()), Chat: &c, Text: msg.Text}, accept)
	select {
	case <-ed.entered:
	case <-time.After(60 * time.Second):
		t.Fatal("the save never started")
	}
	// The save is held: the press must be acknowledged already.
	if acks := h.fake.CallbackAnswers(); len(acks) != 1 || acks[0].QueryID != q || acks[0].Text != "Saving…" || acks[0].ShowAlert {
		t.Errorf("acknowledgements while the save is held: %+v, want one toast \"Saving…\" for query %s", acks, q)
	}
	if msgs := h.fake.Messages()[n:]; len(msgs) != 0 {
		t.Errorf("the outcome was shown before the save ended: %q", texts(msgs))
	}
	// The save outlasts the query: an acknowledgement now would be refused.
	clk.advance(telegramtest.QueryTTL + time.Second)
	close(ed.release)
	h.settle(t)
	msgs := h.fake.Messages()[n:]
	if len(msgs) != 1 || msgs[0].Method != "editMessageText" || msgs[0].MessageID != msg.MessageID || len(msgs[0].Keyboard) != 0 ||
		!strings.Contains(msgs[0].Text, "Accepted: it is now a wording of aftercare.") {
		t.Errorf("after the save: %q, want the suggestion edited to say it was accepted, without buttons", texts(msgs))
	}
	if !slices.Contains(h.entry(t, "aftercare").Alternates, phrasing) {
		t.Errorf("aftercare's alternates lack the accepted phrasing")
	}
	if s := h.log.suggestion(1); s.Status != "accepted" {
		t.Errorf("the suggestion is %s, want accepted", s.Status)
	}
	for _, call := range h.fake.Calls("answerCallbackQuery") {
		if call.Status != http.StatusOK {
			t.Errorf("an acknowledgement was refused (status %d): %v", call.Status, call.Params)
		}
	}
}

// A suggestion for an entry at the alternates' limit is refused with what to do, in
// a message; the buttons stay for after the pruning.
func TestSuggestionIntoAFullEntry(t *testing.T) {
	t.Parallel()
	h := startModerated(t, setup{})
	storetest.FillAlternates(t, h.store, "aftercare")
	h.log.suggestions = []bot.PhrasingSuggestion{
		{ID: 1, EntryID: "aftercare", Question: "can i rub coconut oil on my head after the laser", Reason: "chose-suggestion", Count: 3, Status: "open"},
	}
	msg, accept := button(t, h.say(t, mia, "/faq_suggestions"), cbModerator+"sa:")
	msgs, ack := h.press(t, mia, msg, accept)
	if ack.Text != "Saving…" {
		t.Errorf("ack = %+v, want the saving toast", ack)
	}
	if len(msgs) != 1 || msgs[0].Method != "sendMessage" {
		t.Fatalf("after accept: %q, want one message saying why not", texts(msgs))
	}
	wantIn(t, "full entry", msgs, "aftercare already has 40 alternates", "Prune it first", "smpbot faq edit aftercare", "aftercare.md")
	if s := h.log.suggestion(1); s.Status != "open" {
		t.Errorf("the suggestion is %s, want open", s.Status)
	}
}

func TestReports(t *testing.T) {
	t.Parallel()
	h := startModerated(t, setup{})
	h.log.unanswered = []bot.UnansweredGroup{{Question: "is laser removal covered by insurance", Count: 5,
		Examples: []string{"does insurance pay for smp removal"}, Closest: "laser-cost"}}
	h.log.stats = bot.Stats{Asked: 10, Answered: 7, Lost: 1,
		PerDay:     []bot.DayCount{{Day: "2026-01-30", Platform: "telegram", Count: 6}, {Day: "2026-01-31", Platform: "discord", Count: 4}},
		TopEntries: []bot.EntryStats{{EntryID: "laser-cost", Answers: 4, Helpful: 2, NotHelpful: 1}},
		NotHelpful: []bot.EntryStats{{EntryID: "pain", Answers: 2, NotHelpful: 2}}}
	tests := []struct {
		send string
		want []string
	}{
		{"/faq_unanswered", []string{"in the last 7 days", "5× is laser removal covered by insurance", "also: does insurance pay for smp removal", "closest entry: laser-cost"}},
		{"/faq_unanswered 1", []string{"in the last day,"}},
		{"/faq_unanswered lots", []string{"Use it like this: /faq_unanswered 7"}},
		{"/faq_stats 30", []string{"The last 30 days", "10 questions, 7 answered from the FAQ (70%).", "By platform: discord 4, telegram 6.",
			"1 records could not be stored", "Most answered:", "laser-cost: 4 answers, 2 helpful, 1 not helpful", "pain: 2 answers, 0 helpful, 2 not helpful"}},
		{"/faq_stats 0", []string{"Use it like this: /faq_stats 7"}},
	}
	for _, tt := range tests {
		wantIn(t, tt.send, h.say(t, mia, tt.send), tt.want...)
	}
}

func TestReportsNeedTheQuestionLog(t *testing.T) {
	t.Parallel()
	h := startModerated(t, setup{opts: []Option{WithReports(nil)}})
	for _, cmd := range []string{"/faq_unanswered", "/faq_stats", "/faq_suggestions"} {
		if got := texts(h.say(t, mia, cmd)); got != noReports {
			t.Errorf("%s without a question log: %q, want %q", cmd, got, noReports)
		}
	}
}

func TestModeratorCommandsWithoutModeration(t *testing.T) {
	t.Parallel()
	h := start(t, setup{})
	c := h.fake.PrivateChat(mia)
	h.fake.Send(c, mia, "/faq_add", 0)
	if got := h.messages(t, 1)[0].Text; got != notModerated {
		t.Errorf("/faq_add without moderation: %q, want %q", got, notModerated)
	}
}

// After a change, a moderator is told which FAQ files on the server are not valid (by
// name and line, never by path); the change itself goes through.
func TestSavedChangeNotesBrokenFiles(t *testing.T) {
	t.Parallel()
	h := startModerated(t, setup{})
	dir := h.store.Dir()
	if err := os.WriteFile(filepath.Join(dir, knowledge.FAQDir, "zz-broken.md"), []byte("---\nid: zz-broken\nquestion: [\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	edited := h.entry(t, "aftercare")
	edited.Answer = "An edit while another file is broken."
	preview, data := confirmPreview(t, h.say(t, mia, "/faq_edit aftercare\n"+pasted(edited)))
	msgs, _ := h.press(t, mia, preview, data)
	wantIn(t, "saved with a broken file", msgs, "Saved your changes to aftercare.", "zz-broken.md line ")
	if strings.Contains(texts(msgs), dir) {
		t.Errorf("the reply shows the server's path: %q", texts(msgs))
	}
	if got := h.entry(t, "aftercare").Answer; got != edited.Answer {
		t.Errorf("answer = %q, want the edit saved", got)
	}
}
