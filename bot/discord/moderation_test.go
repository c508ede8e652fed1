package discord

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/discord/discordtest"
	"github.com/smpbot/smpbot/knowledge"
)

// A new entry, as a moderator types it into the form.
const (
	petQuestion = "Is my poodle allowed in the treatment room?"
	petAnswer   = "Most clinics do not allow pets in treatment rooms. Ask your clinic before your appointment."
)

func petForm() map[string]string {
	return map[string]string{
		inputQuestion:   petQuestion,
		inputAlternates: "dog at laser appointment\n- pets at the smp removal clinic",
		inputAnswer:     petAnswer,
		inputCaveats:    "Assistance animals are usually allowed.",
		inputMore:       "tags: clinic\nrelated: cost\nsource: Example clinic policy | https://example.org/pets",
	}
}

func TestFAQAddThenAsk(t *testing.T) {
	t.Parallel()
	mr := startModeration(t, modConfig{})
	f := mr.fake
	asker := f.NewUser("ann")
	if got := mr.ask(t, asker, petQuestion); answerTitle(got) != "" {
		t.Fatalf("before the entry exists, %q is answered with %q", petQuestion, answerTitle(got))
	}

	modal := mr.modal(t, mr.faq(mr.mod, "add", discordtest.String("id", "pets-at-clinic")))
	if modal.CustomID != "m:add:pets-at-clinic" || len(modal.Inputs) != 5 {
		t.Fatalf("form %q with %d inputs, want m:add:pets-at-clinic with 5", modal.CustomID, len(modal.Inputs))
	}
	for _, in := range modal.Inputs {
		if in.Value != "" {
			t.Errorf("input %s of a new entry is prefilled with %q", in.CustomID, in.Value)
		}
	}
	saved := mr.private(t, f.SubmitModal(f.Guild(), mr.mod, modal, petForm()))
	if !strings.HasPrefix(saved.Message.Content, "Added **pets-at-clinic**") || answerTitle(saved) != petQuestion {
		t.Errorf("after submitting: %q with title %q, want the added entry shown", saved.Message.Content, answerTitle(saved))
	}

	e, ok := mr.get(t, "pets-at-clinic")
	want := knowledge.Entry{ID: "pets-at-clinic", Question: petQuestion, Answer: petAnswer,
		Alternates: []string{"dog at laser appointment", "pets at the smp removal clinic"},
		Caveats:    []string{"Assistance animals are usually allowed."}, Tags: []string{"clinic"}, Related: []string{"cost"},
		Sources: []knowledge.Source{{Title: "Example clinic policy", URL: "https://example.org/pets"}}, Updated: e.Updated}
	if !ok || !entriesEqual(e, want) || e.Updated == "" {
		t.Errorf("stored entry = %+v, want %+v with today's date", e, want)
	}
	hist, err := mr.store.History("pets-at-clinic")
	if err != nil || len(hist) != 1 || hist[0].Action != "add" || hist[0].Actor != (knowledge.Actor{Platform: "discord", User: mr.mod.ID, Name: "Mia", Chat: f.ChannelID}) {
		t.Errorf("audit log = %+v (%v), want one add by Mia on discord", hist, err)
	}

	// Answered right away, through the rebuilt index.
	for _, q := range []string{petQuestion, "dog at laser appointment"} {
		if got := mr.ask(t, asker, q); answerTitle(got) != petQuestion {
			t.Errorf("asking %q after the add: answer %q, want the new entry", q, answerTitle(got))
		}
	}

	// The id is refused before a form is filled in under it.
	for _, tt := range []struct{ id, want string }{
		{"pets-at-clinic", bot.DescribeError(knowledge.ErrDuplicateID)},
		{"Pets At Clinic", "Not saved: id:"},
	} {
		got := mr.private(t, mr.faq(mr.mod, "add", discordtest.String("id", tt.id)))
		if got.ResponseType != discordgo.InteractionResponseChannelMessageWithSource || !strings.HasPrefix(got.Message.Content, tt.want) {
			t.Errorf("/faq add id:%q: type %d, %q, want a refusal starting %q", tt.id, got.ResponseType, got.Message.Content, tt.want)
		}
	}
}

// entriesEqual compares entries as the form carries them.
func entriesEqual(a, b knowledge.Entry) bool {
	return a.ID == b.ID && a.Question == b.Question && a.Answer == b.Answer && a.Updated == b.Updated &&
		slices.Equal(a.Alternates, b.Alternates) && slices.Equal(a.Caveats, b.Caveats) &&
		slices.Equal(a.Tags, b.Tags) && slices.Equal(a.Related, b.Related) && slices.Equal(a.Sources, b.Sources)
}

func TestFAQEditPrefilled(t *testing.T) {
	t.Parallel()
	mr := startModeration(t, modConfig{})
	f := mr.fake
	before, v, err := mr.store.Get("cost")
	if err != nil {
		t.Fatal(err)
	}
	modal := mr.modal(t, mr.faq(mr.boss, "edit", discordtest.String("id", "cost")))
	if modal.CustomID != "m:edit:cost:"+string(v) {
		t.Errorf("form custom id %q, want m:edit:cost:%s (the version travels with it)", modal.CustomID, v)
	}
	wantValues := map[string]string{
		inputQuestion:   before.Question,
		inputAlternates: strings.Join(before.Alternates, "\n"),
		inputAnswer:     before.Answer,
		inputCaveats:    strings.Join(before.Caveats, "\n"),
	}
	for id, want := range wantValues {
		if in, ok := modal.Input(id); !ok || in.Value != want {
			t.Errorf("input %s prefilled with %q, want %q", id, in.Value, want)
		}
	}
	more, _ := modal.Input(inputMore)
	for _, s := range before.Sources {
		if !strings.Contains(more.Value, "source: "+s.Title+" | "+s.URL) {
			t.Errorf("tags/related/sources %q lacks the source %q", more.Value, s.URL)
		}
	}

	// Only the answer changes; everything else comes back as it was prefilled.
	newAnswer := before.Answer + "\n\nPrices were checked by a moderator this year."
	saved := mr.private(t, f.SubmitModal(f.Guild(), mr.boss, modal, map[string]string{inputAnswer: newAnswer}))
	if !strings.HasPrefix(saved.Message.Content, "Saved **cost**") {
		t.Errorf("after submitting: %q, want it saved", saved.Message.Content)
	}
	after, _ := mr.get(t, "cost")
	want := before
	want.Answer, want.Updated = newAnswer, after.Updated
	if !entriesEqual(after, want) {
		t.Errorf("edited entry = %+v\nwant %+v", after, want)
	}
	got := mr.ask(t, f.NewUser("bo"), before.Question)
	if len(got.Message.Embeds) == 0 || !strings.Contains(got.Message.Embeds[0].Description, "checked by a moderator") {
		t.Errorf("/ask after the edit does not give the new answer: %+v", got.Message.Embeds)
	}
}

func TestFAQStaleEditRefused(t *testing.T) {
	t.Parallel()
	mr := startModeration(t, modConfig{})
	f := mr.fake
	// Both moderators open the same version of the entry.
	first := mr.modal(t, mr.faq(mr.mod, "edit", discordtest.String("id", "laser-pain")))
	second := mr.modal(t, mr.faq(mr.boss, "edit", discordtest.String("id", "laser-pain")))
	if first.CustomID != second.CustomID {
		t.Fatalf("forms %q and %q, want the same version", first.CustomID, second.CustomID)
	}
	mr.private(t, f.SubmitModal(f.Guild(), mr.mod, first, map[string]string{inputAnswer: "First moderator's answer."}))
	refused := mr.private(t, f.SubmitModal(f.Guild(), mr.boss, second, map[string]string{inputAnswer: "Second moderator's answer."}))

	if refused.Message.Content != bot.DescribeError(knowledge.ErrStale) {
		t.Errorf("second submission: %q, want %q", refused.Message.Content, bot.DescribeError(knowledge.ErrStale))
	}
	if len(refused.Message.Embeds) != 1 || !strings.Contains(refused.Message.Embeds[0].Description, "Second moderator's answer.") {
		t.Errorf("the refusal does not show the second moderator's text: %+v", refused.Message.Embeds)
	}
	if e, _ := mr.get(t, "laser-pain"); e.Answer != "First moderator's answer." {
		t.Errorf("stored answer %q, want the first moderator's", e.Answer)
	}
	hist, _ := mr.store.History("laser-pain")
	if len(hist) != 1 {
		t.Errorf("%d changes recorded, want 1", len(hist))
	}
	// The refusal offers the current version, prefilled with the first edit.
	if !hasButton(refused, "m:open:laser-pain") {
		t.Fatalf("buttons %q, want m:open:laser-pain", refused.CustomIDs())
	}
	again := mr.modal(t, f.Button(f.Guild(), mr.boss, "m:open:laser-pain"))
	if in, _ := again.Input(inputAnswer); in.Value != "First moderator's answer." || again.CustomID == second.CustomID {
		t.Errorf("reopened form %q prefilled with %q, want the current version", again.CustomID, in.Value)
	}
}

func TestFAQInvalidEntryRefused(t *testing.T) {
	t.Parallel()
	mr := startModeration(t, modConfig{})
	f := mr.fake
	tests := []struct {
		name    string
		change  map[string]string
		wantErr []string // in the refusal
	}{
		{"no source", map[string]string{inputMore: "tags: clinic"}, []string{"Not saved:", "sources", "at least one source is required"}},
		{"unknown line", map[string]string{inputMore: "tags: clinic\nsauce: https://example.org\nsource: A | https://example.org/a"}, []string{"line 2", `"sauce: https://example.org"`}},
		{"source without title", map[string]string{inputMore: "source: https://example.org/a"}, []string{"line 1", "source: Title | https://…"}},
		{"unknown related id", map[string]string{inputMore: "related: no-such-entry\nsource: A | https://example.org/a"}, []string{"related", "no-such-entry"}},
		{"phrasing of another entry", map[string]string{inputAlternates: entry(t, "cost").Question}, []string{"alternates", `"cost"`}},
		{"bad URL", map[string]string{inputMore: "source: A | ftp://example.org/a"}, []string{"not an http(s) URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			modal := mr.modal(t, mr.faq(mr.mod, "add", discordtest.String("id", "pets-at-clinic")))
			values := petForm()
			for k, v := range tt.change {
				values[k] = v
			}
			refused := mr.private(t, f.SubmitModal(f.Guild(), mr.mod, modal, values))
			for _, w := range tt.wantErr {
				if !strings.Contains(refused.Message.Content, w) {
					t.Errorf("refusal %q does not say %q", refused.Message.Content, w)
				}
			}
			if _, ok := mr.get(t, "pets-at-clinic"); ok {
				t.Fatalf("the invalid entry was stored")
			}
			// "Fix and resubmit" reopens the form as it was filled in.
			reopened := mr.modal(t, f.Button(f.Guild(), mr.mod, buttonWithPrefix(t, refused, "m:draft:")))
			for k, v := range values {
				if in, _ := reopened.Input(k); in.Value != v || reopened.CustomID != "m:add:pets-at-clinic" {
					t.Errorf("reopened %s input %s = %q, want %q", reopened.CustomID, k, in.Value, v)
				}
			}
			// Someone else cannot reopen it.
			other := mr.private(t, f.Button(f.Guild(), mr.boss, buttonWithPrefix(t, refused, "m:draft:")))
			if other.Message.Content != draftGoneText {
				t.Errorf("another moderator reopening the form: %q, want %q", other.Message.Content, draftGoneText)
			}
		})
	}
	// Fixed, it is saved.
	modal := mr.modal(t, mr.faq(mr.mod, "add", discordtest.String("id", "pets-at-clinic")))
	if got := mr.private(t, f.SubmitModal(f.Guild(), mr.mod, modal, petForm())); !strings.HasPrefix(got.Message.Content, "Added") {
		t.Errorf("the fixed entry: %q, want it added", got.Message.Content)
	}
}

func TestFAQRemoveUndoHistory(t *testing.T) {
	t.Parallel()
	mr := startModeration(t, modConfig{})
	f := mr.fake
	asker := f.NewUser("cy")
	question := entry(t, "bot-about").Question

	// An entry others relate to cannot go: the store validates the FAQ without it.
	confirm := mr.private(t, mr.faq(mr.mod, "remove", discordtest.String("id", "laser-pain")))
	refused := mr.private(t, f.Button(f.Guild(), mr.mod, buttonWithPrefix(t, confirm, "m:rm:laser-pain:")))
	if !strings.HasPrefix(refused.Message.Content, "Not saved:") || !strings.Contains(refused.Message.Content, `related: unknown related id: "laser-pain"`) {
		t.Errorf("removing a related entry: %q, want the validation error", refused.Message.Content)
	}
	if _, ok := mr.get(t, "laser-pain"); !ok {
		t.Fatalf("laser-pain was removed although others relate to it")
	}

	confirm = mr.private(t, mr.faq(mr.mod, "remove", discordtest.String("id", "bot-about")))
	if !strings.Contains(confirm.Message.Content, "Remove **bot-about**") || len(confirm.Buttons()) != 2 {
		t.Fatalf("confirmation %q with buttons %q, want a question and two buttons", confirm.Message.Content, confirm.CustomIDs())
	}
	kept := mr.private(t, f.Button(f.Guild(), mr.mod, buttonWithPrefix(t, confirm, "m:keep:")))
	if kept.ResponseType != discordgo.InteractionResponseUpdateMessage || !strings.HasPrefix(kept.Message.Content, "Kept") || len(kept.CustomIDs()) != 0 {
		t.Errorf("keep: type %d %q buttons %q, want the confirmation replaced without buttons", kept.ResponseType, kept.Message.Content, kept.CustomIDs())
	}
	if _, ok := mr.get(t, "bot-about"); !ok {
		t.Fatalf("kept entry is gone")
	}

	confirm = mr.private(t, mr.faq(mr.mod, "remove", discordtest.String("id", "bot-about")))
	removed := mr.private(t, f.Button(f.Guild(), mr.mod, buttonWithPrefix(t, confirm, "m:rm:bot-about:")))
	if removed.ResponseType != discordgo.InteractionResponseUpdateMessage || !strings.HasPrefix(removed.Message.Content, "Removed **bot-about**") || len(removed.CustomIDs()) != 0 {
		t.Errorf("remove: type %d %q buttons %q, want the confirmation replaced", removed.ResponseType, removed.Message.Content, removed.CustomIDs())
	}
	if _, ok := mr.get(t, "bot-about"); ok {
		t.Fatalf("removed entry is still stored")
	}
	if got := mr.ask(t, asker, question); answerTitle(got) == question {
		t.Errorf("the removed entry still answers")
	}
	// A second press of the same confirmation finds nothing to remove.
	if again := mr.private(t, f.Button(f.Guild(), mr.mod, buttonWithPrefix(t, confirm, "m:rm:bot-about:"))); !strings.Contains(again.Message.Content, bot.DescribeError(knowledge.ErrNotFound)) {
		t.Errorf("second removal: %q, want %q", again.Message.Content, bot.DescribeError(knowledge.ErrNotFound))
	}

	undone := mr.private(t, mr.faq(mr.boss, "undo", discordtest.String("id", "bot-about")))
	if !strings.Contains(undone.Message.Content, "**remove** by Mia") || answerTitle(undone) != question {
		t.Errorf("undo: %q with title %q, want the removal by Mia undone and the entry shown", undone.Message.Content, answerTitle(undone))
	}
	if got := mr.ask(t, asker, question); answerTitle(got) != question {
		t.Errorf("after undo, %q is answered with %q", question, answerTitle(got))
	}

	hist := mr.private(t, mr.faq(mr.mod, "history", discordtest.String("id", "bot-about")))
	if len(hist.Message.Embeds) != 1 {
		t.Fatalf("history: %q, want an embed", hist.Message.Content)
	}
	lines := strings.Split(hist.Message.Embeds[0].Description, "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "**undo** by Boss (discord)") || !strings.Contains(lines[1], "**remove** by Mia (discord)") {
		t.Errorf("history lines %q, want the undo then the removal", lines)
	}
	none := mr.private(t, mr.faq(mr.mod, "history", discordtest.String("id", "cost")))
	if !strings.Contains(none.Message.Content, "No change to **cost**") {
		t.Errorf("history of an unchanged entry: %q", none.Message.Content)
	}
}

func TestFAQShowListAutocomplete(t *testing.T) {
	t.Parallel()
	mr := startModeration(t, modConfig{})
	f := mr.fake
	e := entry(t, "aftercare")

	shown := mr.private(t, mr.faq(mr.mod, "show", discordtest.String("id", "aftercare")))
	if answerTitle(shown) != e.Question || shown.Message.Embeds[0].Description != e.Answer {
		t.Errorf("show: %+v, want the entry's question and answer", shown.Message.Embeds)
	}
	var fields []string
	for _, fl := range shown.Message.Embeds[0].Fields {
		fields = append(fields, fl.Name)
	}
	if !slices.Equal(fields, []string{"Caveats", "Sources", "Tags", "Related", "Alternates"}) {
		t.Errorf("show fields %q", fields)
	}
	if gone := mr.private(t, mr.faq(mr.mod, "show", discordtest.String("id", "nope"))); gone.Message.Content != bot.DescribeError(knowledge.ErrNotFound) {
		t.Errorf("show of an unknown id: %q", gone.Message.Content)
	}

	list := mr.private(t, mr.faq(mr.mod, "list"))
	entries := mr.store.Entries()
	if len(list.Message.Embeds) != 1 || strings.Count(list.Message.Embeds[0].Description, "\n")+1 != len(entries) {
		t.Fatalf("list: %+v, want one line per entry (%d)", list.Message.Embeds, len(entries))
	}
	if !strings.Contains(list.Message.Embeds[0].Description, "`aftercare` "+e.Question) {
		t.Errorf("list lacks aftercare: %q", list.Message.Embeds[0].Description)
	}

	ac := mr.reply(t, f.Autocomplete(f.Guild(), mr.mod, "faq", discordtest.Sub("edit", discordtest.Focused("id", "laser"))))
	if len(ac.Choices) == 0 {
		t.Fatalf("no choices for \"laser\"")
	}
	for _, c := range ac.Choices {
		id, _ := c.Value.(string)
		if _, ok := mr.get(t, id); !ok || !strings.HasPrefix(c.Name, id+" — ") {
			t.Errorf("choice %q = %q, want an entry id", c.Name, id)
		}
	}
	if all := mr.reply(t, f.Autocomplete(f.Guild(), mr.mod, "faq", discordtest.Sub("show", discordtest.Focused("id", "")))); len(all.Choices) != maxChoices {
		t.Errorf("with nothing typed, %d choices, want %d", len(all.Choices), maxChoices)
	}
}

func TestFAQRefusesNonModerators(t *testing.T) {
	t.Parallel()
	mr := startModeration(t, modConfig{reports: true})
	f := mr.fake
	mr.qlog.suggestions = []bot.PhrasingSuggestion{{ID: 1, EntryID: "cost", Question: "how pricey is removal", Status: "open"}}
	v := func(id string) string {
		_, v, _ := mr.store.Get(id)
		return string(v)
	}
	tests := []struct {
		name string
		act  func() discordtest.Interaction
	}{
		{"add", func() discordtest.Interaction { return mr.faq(mr.eve, "add", discordtest.String("id", "pets")) }},
		{"edit", func() discordtest.Interaction { return mr.faq(mr.eve, "edit", discordtest.String("id", "cost")) }},
		{"remove", func() discordtest.Interaction { return mr.faq(mr.eve, "remove", discordtest.String("id", "cost")) }},
		{"show", func() discordtest.Interaction { return mr.faq(mr.eve, "show", discordtest.String("id", "cost")) }},
		{"list", func() discordtest.Interaction { return mr.faq(mr.eve, "list") }},
		{"history", func() discordtest.Interaction { return mr.faq(mr.eve, "history", discordtest.String("id", "cost")) }},
		{"undo", func() discordtest.Interaction { return mr.faq(mr.eve, "undo", discordtest.String("id", "cost")) }},
		{"unanswered", func() discordtest.Interaction { return mr.faq(mr.eve, "unanswered", discordtest.Int("days", 3)) }},
		{"stats", func() discordtest.Interaction { return mr.faq(mr.eve, "stats") }},
		{"suggestions", func() discordtest.Interaction { return mr.faq(mr.eve, "suggestions") }},
		{"add form submitted", func() discordtest.Interaction {
			return f.SubmitModal(f.Guild(), mr.eve, &discordtest.Modal{CustomID: "m:add:pets", Inputs: nil}, nil)
		}},
		{"edit form submitted", func() discordtest.Interaction {
			return f.SubmitModal(f.Guild(), mr.eve, &discordtest.Modal{CustomID: "m:edit:cost:" + v("cost")}, nil)
		}},
		{"remove button", func() discordtest.Interaction { return f.Button(f.Guild(), mr.eve, "m:rm:cost:"+v("cost")) }},
		{"edit button", func() discordtest.Interaction { return f.Button(f.Guild(), mr.eve, "m:open:cost") }},
		{"accept button", func() discordtest.Interaction { return f.Button(f.Guild(), mr.eve, "m:sa:1") }},
		{"reject button", func() discordtest.Interaction { return f.Button(f.Guild(), mr.eve, "m:sr:1") }},
		{"in a DM", func() discordtest.Interaction {
			return f.Command(f.DM(mr.eve), mr.eve, "faq", discordtest.Sub("list"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := mr.modLogs.String()
			got := mr.reply(t, tt.act())
			if got.ResponseType != discordgo.InteractionResponseChannelMessageWithSource || !got.Ephemeral() ||
				got.Message.Content != bot.DescribeError(bot.ErrForbidden) || len(got.Message.Embeds) != 0 {
				t.Errorf("type %d, ephemeral %v, %q, want only the ephemeral refusal", got.ResponseType, got.Ephemeral(), got.Message.Content)
			}
			// Refusals are logged once per person and action a minute (bot.Moderation
			// bounds a flood), so an action refused before in this table may be counted
			// instead of logged again.
			logged := strings.TrimPrefix(mr.modLogs.String(), before)
			if !strings.Contains(logged, "moderator command refused") && !strings.Contains(before, "moderator command refused") ||
				!strings.Contains(mr.modLogs.String(), "user="+mr.eve.ID) {
				t.Errorf("the attempt was not logged: %q", logged)
			}
		})
	}
	if e, _ := mr.get(t, "cost"); len(mr.store.Entries()) != len(mustEmbedded(t)) || e.Question != entry(t, "cost").Question {
		t.Errorf("the FAQ changed")
	}
	if hist, _ := mr.store.Audit(); len(hist) != 0 {
		t.Errorf("audit log has %d changes, want none", len(hist))
	}
	if mr.qlog.status(1) != "open" {
		t.Errorf("suggestion 1 is %s, want open", mr.qlog.status(1))
	}
}

func mustEmbedded(t *testing.T) []knowledge.Entry {
	t.Helper()
	es, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestFAQCommandRegistration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		guild     bool
		perms     int64
		wantPerms int64
	}{
		{"global, default permissions", false, 0, discordgo.PermissionManageMessages},
		{"in a guild, configured permissions", true, discordgo.PermissionManageGuild, discordgo.PermissionManageGuild},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := start(t, rigConfig{
				opts: []Option{WithModeration(bot.NewModeration(nil, bot.Moderators{}, nil))},
				cfgFrom: func(f *discordtest.Server) Config {
					c := Config{ModeratorPermissions: tt.perms}
					if tt.guild {
						c.GuildID = f.GuildID
					}
					return c
				},
			})
			scope := ""
			if tt.guild {
				scope = r.fake.GuildID
			}
			var names []string
			for _, c := range r.fake.Commands(scope) {
				names = append(names, c.Name)
				if c.Name != "faq" {
					continue
				}
				if c.DefaultMemberPermissions == nil || *c.DefaultMemberPermissions != tt.wantPerms {
					t.Errorf("/faq default_member_permissions = %v, want %d", c.DefaultMemberPermissions, tt.wantPerms)
				}
				wantCtx := !tt.guild
				if gotCtx := c.Contexts != nil && slices.Equal(*c.Contexts, []discordgo.InteractionContextType{discordgo.InteractionContextGuild}); gotCtx != wantCtx {
					t.Errorf("/faq contexts = %v, want guild only: %v", c.Contexts, wantCtx)
				}
				var subs []string
				for _, o := range c.Options {
					subs = append(subs, o.Name)
					if o.Type != discordgo.ApplicationCommandOptionSubCommand {
						t.Errorf("/faq %s has type %d, want a subcommand", o.Name, o.Type)
					}
				}
				want := []string{"add", "edit", "remove", "show", "list", "history", "undo", "unanswered", "stats", "suggestions"}
				if !slices.Equal(subs, want) {
					t.Errorf("/faq subcommands %q, want %q", subs, want)
				}
			}
			if !slices.Equal(names, []string{"ask", "faq", "topics"}) {
				t.Errorf("commands %q, want ask, faq and topics in one overwrite", names)
			}
		})
	}
}

// gatedEditor changes the FAQ only when the test lets it, to make saving slow on demand.
type gatedEditor struct {
	bot.Editor
	gate chan struct{}
}

func (g gatedEditor) Put(ctx context.Context, e knowledge.Entry, base knowledge.Version, who knowledge.Actor) (knowledge.Version, error) {
	<-g.gate
	return g.Editor.Put(ctx, e, base, who)
}

func (g gatedEditor) Remove(ctx context.Context, id string, base knowledge.Version, who knowledge.Actor) error {
	<-g.gate
	return g.Editor.Remove(ctx, id, base, who)
}

// TestFAQSlowStore checks that a save slower than Discord's 3 s is deferred: an
// ephemeral "thinking" for a form, a deferred update for a button, then the result.
func TestFAQSlowStore(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	mr := startModeration(t, modConfig{
		editor: func(e bot.Editor) bot.Editor { return gatedEditor{e, gate} },
		opts:   []Option{WithDeferAfter(time.Millisecond)},
	})
	f := mr.fake
	tests := []struct {
		name         string
		act          func(t *testing.T) discordtest.Interaction
		wantCallback discordgo.InteractionResponseType
		wantContent  string
	}{
		{"form", func(t *testing.T) discordtest.Interaction {
			modal := mr.modal(t, mr.faq(mr.mod, "add", discordtest.String("id", "pets-at-clinic")))
			return f.SubmitModal(f.Guild(), mr.mod, modal, petForm())
		}, discordgo.InteractionResponseDeferredChannelMessageWithSource, "Added **pets-at-clinic**"},
		{"button", func(t *testing.T) discordtest.Interaction {
			confirm := mr.private(t, mr.faq(mr.mod, "remove", discordtest.String("id", "bot-about")))
			return f.Button(f.Guild(), mr.mod, buttonWithPrefix(t, confirm, "m:rm:"))
		}, discordgo.InteractionResponseDeferredMessageUpdate, "Removed **bot-about**"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix := tt.act(t)
			cb, err := f.WaitSent(waitCtx(t), func(m discordtest.Sent) bool { return ix.Owns(m) && m.Via == discordtest.ViaCallback })
			if err != nil {
				t.Fatal(err)
			}
			if cb.ResponseType != tt.wantCallback || (tt.wantCallback == discordgo.InteractionResponseDeferredChannelMessageWithSource && !cb.Ephemeral()) {
				t.Errorf("callback type %d (ephemeral %v), want %d", cb.ResponseType, cb.Ephemeral(), tt.wantCallback)
			}
			gate <- struct{}{}
			got := mr.reply(t, ix)
			if got.Via != discordtest.ViaEdit || !strings.HasPrefix(got.Message.Content, tt.wantContent) {
				t.Errorf("reply via %s: %q, want an edit starting %q", got.Via, got.Message.Content, tt.wantContent)
			}
		})
	}
}
