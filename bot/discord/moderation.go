package discord

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/knowledge"
)

// WithModeration turns on /faq, with which moderators add, edit, remove and restore FAQ
// entries and read their history. Who is a moderator, and the logging of refused
// attempts, are m's; every change goes through m to the store, which validates it.
func WithModeration(m *bot.Moderation) Option { return func(a *Adapter) { a.mod = m } }

// WithReports lets moderators read the question log with /faq unanswered, /faq stats
// and /faq suggestions (accepting or rejecting proposed phrasings). It needs
// WithModeration.
func WithReports(r bot.Reports) Option { return func(a *Adapter) { a.reports = r } }

// DefaultModeratorPermissions are the permissions a member needs to see /faq when
// Config.ModeratorPermissions is 0: Manage Messages, which a server's moderators
// usually have. Server admins can also grant /faq to a role in Server Settings >
// Integrations. Whoever sees it, only configured moderators may use it.
const DefaultModeratorPermissions int64 = discordgo.PermissionManageMessages

// Moderator custom ids, after "m:". Ids carry what the action needs, so that a button
// still works after a restart; the entry version makes a stale form or confirmation
// fail instead of overwriting a change made since.
const (
	modAdd     = "add"   // modal m:add:<id>: a new entry
	modEdit    = "edit"  // modal m:edit:<id>:<version>: an edit of that version
	modOpen    = "open"  // button m:open:<id>: edit the current version
	modDraft   = "draft" // button m:draft:<token>: reopen a refused form as it was filled in
	modRemove  = "rm"    // button m:rm:<id>:<version>: confirmed removal
	modKeep    = "keep"  // button m:keep:<id>: removal cancelled
	modAccept  = "sa"    // button m:sa:<suggestion id>
	modReject  = "sr"    // button m:sr:<suggestion id>
	daysOption = "days"
	idOption   = "id"
)

// Texts of the moderator front.
const (
	noReportsText = "The question log is not enabled on this bot, so there is nothing to report."
	logErrorText  = "Sorry, I could not read the question log just now. Please try again in a moment."
	draftGoneText = "That form has expired. Start again with /faq add or /faq edit."
)

func (a *Adapter) faqCommand() *discordgo.ApplicationCommand {
	perms := a.cfg.ModeratorPermissions
	if perms == 0 {
		perms = DefaultModeratorPermissions
	}
	id := func(what string, complete bool) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{
			Type: discordgo.ApplicationCommandOptionString, Name: idOption, Description: what,
			Required: true, Autocomplete: complete, MaxLength: knowledge.MaxIDLen,
		}
	}
	one := 1.0
	days := &discordgo.ApplicationCommandOption{
		Type: discordgo.ApplicationCommandOptionInteger, Name: daysOption,
		Description: "How many days back (default 7)", MinValue: &one, MaxValue: 365,
	}
	sub := func(name, desc string, opts ...*discordgo.ApplicationCommandOption) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommand, Name: name, Description: desc, Options: opts}
	}
	cmd := &discordgo.ApplicationCommand{
		Name: "faq", Type: discordgo.ChatApplicationCommand,
		Description:              "Keep the FAQ up to date (moderators)",
		DefaultMemberPermissions: &perms,
		Options: []*discordgo.ApplicationCommandOption{
			sub("add", "Add an entry: opens a form", id("The new entry's id, lower-case-with-hyphens", false)),
			sub("edit", "Edit an entry: opens a form with its current text", id("The entry to edit", true)),
			sub("remove", "Remove an entry, after you confirm", id("The entry to remove", true)),
			sub("show", "Show an entry in full", id("The entry to show", true)),
			sub("list", "List every entry"),
			sub("history", "Show the recorded changes to an entry", id("The entry", true)),
			sub("undo", "Undo the last change to an entry", id("The entry (a removed one too)", true)),
			sub("unanswered", "Questions the bot could not answer well", days),
			sub("stats", "Questions, answers and feedback", days),
			sub("suggestions", "New phrasings to accept or reject"),
		},
	}
	if a.consoleLink != nil {
		cmd.Options = append(cmd.Options, sub("console", "A sign-in link to the web console, for you only"))
	}
	return cmd
}

// identityOf is who made a request, for the permission check and the audit log.
func identityOf(req request) bot.Identity {
	return bot.Identity{Platform: "discord", User: req.user, Name: req.name, Chat: req.chat, Roles: req.roles}
}

// allowed checks that the requester is a moderator (m.Allowed logs a refusal) and
// tells them otherwise.
func (a *Adapter) allowed(ctx context.Context, i *discordgo.Interaction, who bot.Identity, action string) bool {
	if a.mod.Allowed(ctx, who, action) {
		return true
	}
	a.reply(ctx, i, textMessage(bot.DescribeError(bot.ErrForbidden)), true)
	return false
}

// faq runs a /faq subcommand. Every reply is ephemeral: moderation is not a
// conversation for the channel.
func (a *Adapter) faq(ctx context.Context, _ bot.Handler, i *discordgo.Interaction, req request) {
	who := identityOf(req)
	if !a.allowed(ctx, i, who, "faq "+req.sub) {
		return
	}
	id := strings.TrimSpace(req.option(idOption))
	switch req.sub {
	case "add":
		a.openAdd(ctx, i, id)
	case "edit":
		a.openEdit(ctx, i, id)
	case "remove":
		a.confirmRemove(ctx, i, id)
	case "show":
		a.respond(ctx, i, true, false, func(context.Context) message { return a.show(id) })
	case "list":
		a.respond(ctx, i, true, false, func(context.Context) message { return a.list() })
	case "history":
		a.respond(ctx, i, true, false, func(ctx context.Context) message { return a.history(ctx, who, id) })
	case "undo":
		a.respond(ctx, i, true, false, func(ctx context.Context) message { return a.undo(ctx, who, id) })
	case "unanswered", "stats", "suggestions":
		days := 7
		if n, err := strconv.Atoi(req.option(daysOption)); err == nil && n > 0 {
			days = min(n, 365)
		}
		a.respond(ctx, i, true, false, func(ctx context.Context) message { return a.report(ctx, req.sub, days, "") })
	case "console":
		a.respond(ctx, i, true, false, func(ctx context.Context) message { return a.consoleSignIn(ctx, who) })
	default:
		a.reply(ctx, i, textMessage(goneText), true)
	}
}

// completeFAQ offers entries whose id or question contains what is typed. The FAQ is
// public, so anyone typing gets choices; using them is what needs a moderator.
func (a *Adapter) completeFAQ(ctx context.Context, _ bot.Handler, i *discordgo.Interaction, req request) {
	typed := strings.ToLower(strings.TrimSpace(req.focused()))
	var cs []*discordgo.ApplicationCommandOptionChoice
	for _, e := range a.mod.Entries() {
		if typed != "" && !strings.Contains(e.ID, typed) && !strings.Contains(strings.ToLower(e.Question), typed) {
			continue
		}
		if width(e.ID) > maxChoiceText {
			continue
		}
		cs = append(cs, &discordgo.ApplicationCommandOptionChoice{Name: trimText(e.ID+" — "+oneLine(e.Question), maxChoiceText), Value: e.ID})
		if len(cs) == maxChoices {
			break
		}
	}
	err := a.s.InteractionRespond(i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: cs},
	}, discordgo.WithContext(ctx))
	if err != nil {
		a.log.ErrorContext(ctx, "answering an autocomplete failed", "interaction", i.ID, "err", a.red.Err(err))
	}
}

// checkNewID refuses an id the store would refuse, before the moderator fills in a
// form that could not be saved under it.
func (a *Adapter) checkNewID(id string) error {
	if _, _, err := a.mod.Get(id); err == nil {
		return fmt.Errorf("%w: %q already exists", knowledge.ErrDuplicateID, id)
	}
	var errs []error
	for _, err := range bot.Problems(knowledge.ValidateEntries([]knowledge.Entry{{ID: id}})) {
		if ke := (*knowledge.Error)(nil); errors.As(err, &ke) && ke.Field == "id" {
			errs = append(errs, ke.Err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("id: %w", err)
	}
	return nil
}

func (a *Adapter) openAdd(ctx context.Context, i *discordgo.Interaction, id string) {
	if err := a.checkNewID(id); err != nil {
		a.reply(ctx, i, textMessage(bot.DescribeError(err)), true)
		return
	}
	a.openForm(ctx, i, customID(kindModerator, modAdd+":"+id), "Add "+id, form{})
}

func (a *Adapter) openEdit(ctx context.Context, i *discordgo.Interaction, id string) {
	e, v, err := a.mod.Get(id)
	if err != nil {
		a.reply(ctx, i, textMessage(bot.DescribeError(err)), true)
		return
	}
	f := formOf(e)
	if err := f.fits(); err != nil {
		a.reply(ctx, i, textMessage(fmt.Sprintf("%s is too long to edit in a Discord form (%v). Edit its file instead.", id, err)), true)
		return
	}
	a.openForm(ctx, i, customID(kindModerator, modEdit+":"+id+":"+string(v)), "Edit "+id, f)
}

// openForm answers an interaction with the entry form.
func (a *Adapter) openForm(ctx context.Context, i *discordgo.Interaction, customID, title string, f form) {
	if customID == "" {
		a.reply(ctx, i, textMessage(bot.DescribeError(fmt.Errorf("%w: the id is too long", knowledge.ErrInvalidField))), true)
		return
	}
	err := a.s.InteractionRespond(i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseModal,
		Data: &discordgo.InteractionResponseData{CustomID: customID, Title: trimText(title, maxModalTitle), Components: f.inputs()},
	}, discordgo.WithContext(ctx))
	if err != nil {
		a.log.ErrorContext(ctx, "opening a form failed", "interaction", i.ID, "err", a.red.Err(err))
		a.reply(ctx, i, apologyMessage(), true)
	}
}

// moderatorForm saves a submitted entry form. A refused form is kept for a while, so
// the moderator can fix it without typing it again.
func (a *Adapter) moderatorForm(ctx context.Context, _ bot.Handler, i *discordgo.Interaction, req request) {
	action, rest, _ := strings.Cut(req.payload, ":")
	who := identityOf(req)
	if !a.allowed(ctx, i, who, "faq "+action) {
		return
	}
	d := draft{user: req.user, action: action, form: formFrom(req.fields)}
	switch action {
	case modAdd:
		d.id = rest
	case modEdit:
		id, v, _ := strings.Cut(rest, ":")
		d.id, d.base = id, knowledge.Version(v)
	default:
		a.reply(ctx, i, textMessage(goneText), true)
		return
	}
	a.respond(ctx, i, true, false, func(ctx context.Context) message { return a.save(ctx, who, d) })
}

func (a *Adapter) save(ctx context.Context, who bot.Identity, d draft) message {
	e, err := d.form.entry(d.id)
	if err == nil {
		if d.action == modAdd {
			err = a.mod.Add(ctx, who, e)
		} else {
			err = a.mod.Edit(ctx, who, e, d.base)
		}
	}
	if err != nil {
		return a.refused(who, d, err)
	}
	saved, v, err := a.mod.Get(d.id)
	if err != nil {
		return textMessage(fmt.Sprintf("Saved %s.", d.id))
	}
	verb := "Saved"
	if d.action == modAdd {
		verb = "Added"
	}
	m := entryMessage(saved, v)
	m.content = fmt.Sprintf("%s **%s**. People get this answer from now on.", verb, d.id)
	if n := a.mod.Notice(); n != "" {
		m.content = trimText(m.content+"\n"+n, maxContent)
	}
	return m
}

// refused says why a form was not saved and shows what was filled in. A form refused
// for its content can be reopened as it was; one based on a version changed since is
// refused for good, with a button to edit the current version instead.
func (a *Adapter) refused(who bot.Identity, d draft, err error) message {
	m := message{content: trimText(bot.DescribeError(err), maxContent)}
	m.embeds = []*discordgo.MessageEmbed{d.form.embed("Your text (not saved)")}
	var buttons []discordgo.MessageComponent
	switch {
	case errors.Is(err, knowledge.ErrStale):
		if id := customID(kindModerator, modOpen+":"+d.id); id != "" {
			buttons = append(buttons, discordgo.Button{Label: "Edit the current version", Style: discordgo.PrimaryButton, CustomID: id})
		}
	case errors.Is(err, knowledge.ErrDuplicateID), errors.Is(err, knowledge.ErrNotFound), errors.Is(err, bot.ErrForbidden):
	default:
		if id := customID(kindModerator, modDraft+":"+a.drafts.put(d, time.Now())); id != "" {
			buttons = append(buttons, discordgo.Button{Label: "Fix and resubmit", Style: discordgo.PrimaryButton, CustomID: id})
		}
	}
	if len(buttons) > 0 {
		m.components = []discordgo.MessageComponent{discordgo.ActionsRow{Components: buttons}}
	}
	return m
}

// moderatorButton handles the buttons of the moderator front.
func (a *Adapter) moderatorButton(ctx context.Context, _ bot.Handler, i *discordgo.Interaction, req request) {
	action, rest, _ := strings.Cut(req.payload, ":")
	who := identityOf(req)
	if !a.allowed(ctx, i, who, "faq "+action) {
		return
	}
	switch action {
	case modOpen:
		a.openEdit(ctx, i, rest)
	case modDraft:
		d, ok := a.drafts.get(rest, req.user, time.Now())
		if !ok {
			a.reply(ctx, i, textMessage(draftGoneText), true)
			return
		}
		title := "Edit " + d.id
		cid := customID(kindModerator, modEdit+":"+d.id+":"+string(d.base))
		if d.action == modAdd {
			title, cid = "Add "+d.id, customID(kindModerator, modAdd+":"+d.id)
		}
		a.openForm(ctx, i, cid, title, d.form)
	case modRemove:
		id, v, _ := strings.Cut(rest, ":")
		a.respond(ctx, i, true, true, func(ctx context.Context) message {
			if err := a.mod.Remove(ctx, who, id, knowledge.Version(v)); err != nil {
				return textMessage(bot.DescribeError(err))
			}
			return textMessage(fmt.Sprintf("Removed **%s**. `/faq undo id:%s` brings it back.", id, id))
		})
	case modKeep:
		a.update(ctx, i, textMessage(fmt.Sprintf("Kept **%s**; nothing was removed.", rest)))
	case modAccept, modReject:
		n, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			a.reply(ctx, i, textMessage(goneText), true)
			return
		}
		a.respond(ctx, i, true, true, func(ctx context.Context) message { return a.resolve(ctx, who, n, action == modAccept) })
	default:
		a.reply(ctx, i, textMessage(goneText), true)
	}
}

func (a *Adapter) confirmRemove(ctx context.Context, i *discordgo.Interaction, id string) {
	e, v, err := a.mod.Get(id)
	if err != nil {
		a.reply(ctx, i, textMessage(bot.DescribeError(err)), true)
		return
	}
	yes, no := customID(kindModerator, modRemove+":"+id+":"+string(v)), customID(kindModerator, modKeep+":"+id)
	if yes == "" || no == "" {
		a.reply(ctx, i, textMessage(goneText), true)
		return
	}
	m := textMessage(fmt.Sprintf("Remove **%s** (“%s”)? People will no longer get this answer. `/faq undo` can bring it back.", id, oneLine(e.Question)))
	m.components = []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: "Remove", Style: discordgo.DangerButton, CustomID: yes},
		discordgo.Button{Label: "Keep it", Style: discordgo.SecondaryButton, CustomID: no},
	}}}
	a.reply(ctx, i, m, true)
}

func (a *Adapter) show(id string) message {
	e, v, err := a.mod.Get(id)
	if err != nil {
		return textMessage(bot.DescribeError(err))
	}
	return entryMessage(e, v)
}

func (a *Adapter) list() message {
	entries := a.mod.Entries()
	if len(entries) == 0 {
		return textMessage("The FAQ is empty. Add an entry with /faq add.")
	}
	lines := make([]string, len(entries))
	for i, e := range entries {
		lines[i] = "`" + e.ID + "` " + oneLine(e.Question)
	}
	return message{embeds: []*discordgo.MessageEmbed{{
		Type: discordgo.EmbedTypeRich, Title: "FAQ entries", Color: colorAnswer,
		Description: joinLines(lines, maxDescription),
		Footer:      &discordgo.MessageEmbedFooter{Text: fmt.Sprintf("%d entries. /faq show id: shows one in full.", len(entries))},
	}}}
}

// maxHistory bounds the changes /faq history lists, newest first.
const maxHistory = 20

func (a *Adapter) history(ctx context.Context, who bot.Identity, id string) message {
	changes, err := a.mod.History(ctx, who, id)
	if err != nil {
		return textMessage(bot.DescribeError(err))
	}
	if len(changes) == 0 {
		return textMessage(fmt.Sprintf("No change to **%s** was recorded: it is as it came with the bot, or was edited in its file.", id))
	}
	var lines []string
	for k := len(changes) - 1; k >= 0 && len(lines) < maxHistory; k-- {
		lines = append(lines, changeLine(changes[k]))
	}
	footer := "/faq undo reverts the newest change."
	if len(changes) > maxHistory {
		footer = fmt.Sprintf("The newest %d of %d changes. %s", maxHistory, len(changes), footer)
	}
	return message{embeds: []*discordgo.MessageEmbed{{
		Type: discordgo.EmbedTypeRich, Title: trimText("History of "+id, maxEmbedTitle), Color: colorAnswer,
		Description: joinLines(lines, maxDescription), Footer: &discordgo.MessageEmbedFooter{Text: footer},
	}}}
}

// changeLine is one change of an entry's history.
func changeLine(c knowledge.Change) string {
	by := c.Actor.Name
	if by == "" {
		by = c.Actor.User
	}
	if c.Actor.Platform != "" {
		by += " (" + c.Actor.Platform + ")"
	}
	return fmt.Sprintf("`#%d` %s **%s** by %s", c.Seq, c.Time.UTC().Format("2006-01-02 15:04 UTC"), c.Action, oneLine(by))
}

func (a *Adapter) undo(ctx context.Context, who bot.Identity, id string) message {
	undone, err := a.mod.Undo(ctx, who, id)
	if err != nil {
		return textMessage(bot.DescribeError(err))
	}
	text := fmt.Sprintf("Undid change %s.", changeLine(undone))
	e, v, err := a.mod.Get(id)
	if err != nil {
		return textMessage(text + fmt.Sprintf(" **%s** is no longer in the FAQ.", id))
	}
	m := entryMessage(e, v)
	m.content = trimText(text+" This is the entry now:", maxContent)
	return m
}

// entryMessage shows an entry in full, as a moderator needs to see it.
func entryMessage(e knowledge.Entry, v knowledge.Version) message {
	bullets := func(ss []string) []string {
		out := make([]string, 0, len(ss))
		for _, s := range ss {
			out = append(out, "• "+oneLine(s))
		}
		return out
	}
	sources := make([]string, 0, len(e.Sources))
	for _, s := range e.Sources {
		sources = append(sources, "• "+oneLine(s.Title)+" | "+oneLine(s.URL))
	}
	title := trimText(oneLine(e.Question), maxEmbedTitle)
	desc := trimText(e.Answer, maxDescription)
	footer := trimText(fmt.Sprintf("%s · version %s · reviewed %s", e.ID, v, e.Updated), maxFooter)
	em := &discordgo.MessageEmbed{Type: discordgo.EmbedTypeRich, Title: title, Description: desc, Color: colorAnswer,
		Footer: &discordgo.MessageEmbedFooter{Text: footer}}
	// Fields take what the title, answer and footer leave of the 6,000 characters,
	// in order of importance; alternates, often the longest, come last.
	budget := maxEmbedTotal - width(title) - width(desc) - width(footer)
	add := func(name string, lines []string) {
		room := min(maxFieldValue, budget-width(name))
		if room < 20 || len(lines) == 0 {
			return
		}
		if v := joinLines(lines, room); v != "" {
			em.Fields = append(em.Fields, &discordgo.MessageEmbedField{Name: name, Value: v})
			budget -= width(name) + width(v)
		}
	}
	add("Caveats", bullets(e.Caveats))
	add("Sources", sources)
	if len(e.Tags) > 0 {
		add("Tags", []string{strings.Join(e.Tags, ", ")})
	}
	if len(e.Related) > 0 {
		add("Related", []string{strings.Join(e.Related, ", ")})
	}
	add("Alternates", bullets(e.Alternates))
	return message{embeds: []*discordgo.MessageEmbed{em}}
}
