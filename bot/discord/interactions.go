package discord

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/smpbot/smpbot/bot"
)

// Custom ids of buttons, select menus and modals are "<kind>:<payload>", at most 100
// characters. Each kind is routed through Adapter.components (or Adapter.modals for
// modal submissions). Ids out on old messages keep their meaning: "a:<entry id>" from
// before answers had ids still answers its entry.
const (
	kindAnswer    = "a" // a:<entry id>[:<reply id>]: answer that entry (suggestion and related buttons)
	kindTopics    = "t" // t:<menu>: a /topics select menu; the chosen value is an entry id
	kindFeedback  = "f" // f:<reply id>:<y|n>: the Helpful / Not helpful buttons
	kindModerator = "m" // m:<action>:...: moderator buttons and modals (see moderation.go)
)

// customID builds a custom id, or returns "" when it would pass Discord's limit.
func customID(kind, payload string) string {
	id := kind + ":" + payload
	if payload == "" || len(id) > maxCustomID {
		return ""
	}
	return id
}

// splitCustomID returns the kind and payload of a custom id.
func splitCustomID(id string) (kind, payload string) {
	kind, payload, _ = strings.Cut(id, ":")
	return kind, payload
}

// request is what an interaction asks, read out of discordgo's types.
type request struct {
	typ     discordgo.InteractionType
	command string            // slash command name
	sub     string            // its subcommand, if any
	options []option          // its (or its subcommand's) options, as given
	kind    string            // component or modal custom id kind
	payload string            // and the rest of the id
	values  []string          // select menu values
	fields  map[string]string // modal text inputs by custom id
	user    string
	name    string   // the user's name as shown in the guild, for the audit log
	roles   []string // the member's role ids, in a guild
	chat    string
}

type option struct {
	name, value string
	focused     bool
}

// parseInteraction reads an interaction defensively: discordgo fills what it could
// decode, and any field may be missing.
func parseInteraction(i *discordgo.Interaction) request {
	req := request{typ: i.Type, chat: i.ChannelID}
	var u *discordgo.User
	switch {
	case i.Member != nil && i.Member.User != nil:
		u = i.Member.User
		req.roles = i.Member.Roles
		req.name = i.Member.Nick
	case i.User != nil:
		u = i.User
	}
	if u != nil {
		req.user = u.ID
		if req.name == "" {
			req.name = u.GlobalName
		}
		if req.name == "" {
			req.name = u.Username
		}
	}
	switch d := i.Data.(type) {
	case discordgo.ApplicationCommandInteractionData:
		req.command = d.Name
		opts := d.Options
		// A subcommand (or one in a group) holds the options that were filled in.
		for depth := 0; depth < 2 && len(opts) == 1 && opts[0] != nil &&
			(opts[0].Type == discordgo.ApplicationCommandOptionSubCommand || opts[0].Type == discordgo.ApplicationCommandOptionSubCommandGroup); depth++ {
			req.sub = strings.TrimSpace(req.sub + " " + opts[0].Name)
			opts = opts[0].Options
		}
		for _, o := range opts {
			if o == nil {
				continue
			}
			req.options = append(req.options, option{name: o.Name, value: optionValue(o.Value), focused: o.Focused})
		}
	case discordgo.MessageComponentInteractionData:
		req.kind, req.payload = splitCustomID(d.CustomID)
		req.values = d.Values
	case discordgo.ModalSubmitInteractionData:
		req.kind, req.payload = splitCustomID(d.CustomID)
		req.fields = map[string]string{}
		for _, c := range d.Components {
			row, ok := c.(*discordgo.ActionsRow)
			if !ok || row == nil {
				continue
			}
			for _, c := range row.Components {
				if in, ok := c.(*discordgo.TextInput); ok && in != nil {
					req.fields[in.CustomID] = in.Value
				}
			}
		}
	}
	return req
}

// optionValue writes an option's value as text: strings as given, numbers in decimal
// (integers without a fraction), booleans as true or false.
func optionValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// option returns the value of the named option.
func (r request) option(name string) string {
	for _, o := range r.options {
		if o.name == name {
			return o.value
		}
	}
	return ""
}

// focused returns the value of the option being typed.
func (r request) focused() string {
	for _, o := range r.options {
		if o.focused {
			return o.value
		}
	}
	return ""
}

type handlerFunc func(ctx context.Context, h bot.Handler, i *discordgo.Interaction, req request)

// componentFunc handles a button, select menu or modal of one custom id kind.
type componentFunc = handlerFunc

// command is a slash command: its definition, what runs it and what completes its
// options while they are typed (nil when none autocompletes).
type command struct {
	def      *discordgo.ApplicationCommand
	run      handlerFunc
	complete handlerFunc
	// guildOnly keeps a global command out of DMs.
	guildOnly bool
}

// routes builds the dispatch tables: a command is one entry in commands, plus the
// custom id kinds of its buttons in components and of its forms in modals.
func (a *Adapter) routes() {
	a.commands = map[string]command{
		"ask": {
			def: &discordgo.ApplicationCommand{
				Name: "ask", Type: discordgo.ChatApplicationCommand,
				Description: "Ask a question about removing or fixing scalp micropigmentation (SMP)",
				Options: []*discordgo.ApplicationCommandOption{{
					Type: discordgo.ApplicationCommandOptionString, Name: "question",
					Description: "Your question, in your own words", Required: true, Autocomplete: true, MaxLength: 500,
				}},
			},
			run:      a.ask,
			complete: a.completeAsk,
		},
		"topics": {
			def: &discordgo.ApplicationCommand{
				Name: "topics", Type: discordgo.ChatApplicationCommand,
				Description: "List the questions I can answer",
			},
			run: a.topics,
		},
	}
	a.components = map[string]componentFunc{
		kindAnswer:   a.pressAnswer,
		kindTopics:   a.chooseTopic,
		kindFeedback: a.pressFeedback,
	}
	a.modals = map[string]componentFunc{}
	if a.mod != nil {
		a.commands["faq"] = command{def: a.faqCommand(), run: a.faq, complete: a.completeFAQ, guildOnly: true}
		a.components[kindModerator] = a.moderatorButton
		a.modals[kindModerator] = a.moderatorForm
	}
}

// commandDefs are the definitions to register, in a stable order.
func (a *Adapter) commandDefs() []*discordgo.ApplicationCommand {
	defs := make([]*discordgo.ApplicationCommand, 0, len(a.commands))
	for _, name := range slices.Sorted(maps.Keys(a.commands)) {
		c := a.commands[name]
		def := *c.def
		if a.cfg.GuildID == "" {
			// Global commands work in servers and in DMs with the bot; contexts only
			// apply to global commands.
			def.Contexts = &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild, discordgo.InteractionContextBotDM}
			if c.guildOnly {
				def.Contexts = &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild}
			}
		}
		defs = append(defs, &def)
	}
	return defs
}

// onInteraction routes an interaction through the tables.
func (a *Adapter) onInteraction(ctx context.Context, h bot.Handler, i *discordgo.Interaction) {
	ctx, cancel := context.WithTimeout(ctx, a.handleTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			a.log.ErrorContext(ctx, "panic while handling an interaction", "interaction", i.ID, "panic", a.red.String(fmt.Sprint(p)))
		}
	}()
	req := parseInteraction(i)
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		if c, ok := a.commands[req.command]; ok {
			c.run(ctx, h, i, req)
			return
		}
	case discordgo.InteractionApplicationCommandAutocomplete:
		if c, ok := a.commands[req.command]; ok && c.complete != nil {
			c.complete(ctx, h, i, req)
			return
		}
		a.choices(ctx, i, nil)
		return
	case discordgo.InteractionMessageComponent:
		if f, ok := a.components[req.kind]; ok {
			f(ctx, h, i, req)
			return
		}
	case discordgo.InteractionModalSubmit:
		if f, ok := a.modals[req.kind]; ok {
			f(ctx, h, i, req)
			return
		}
	default:
		return // pings and future types need no answer on the gateway
	}
	a.log.WarnContext(ctx, "unknown interaction", "interaction", i.ID, "type", i.Type, "command", req.command, "kind", req.kind)
	a.reply(ctx, i, textMessage(goneText), true)
}

func (a *Adapter) ask(ctx context.Context, h bot.Handler, i *discordgo.Interaction, req request) {
	text := strings.TrimSpace(req.option("question"))
	if text == "" {
		a.reply(ctx, i, textMessage(hintText), true)
		return
	}
	a.answer(ctx, h, i, bot.Question{Text: text, Platform: "discord", User: req.user, Chat: req.chat}, false)
}

// pressAnswer answers the entry of a suggestion or related button, for the person who
// pressed it only: the channel already has the message the button is on. The button
// names the answer it was on, when that had an id, for the question log.
func (a *Adapter) pressAnswer(ctx context.Context, h bot.Handler, i *discordgo.Interaction, req request) {
	entryID, from, _ := strings.Cut(req.payload, ":")
	a.answer(ctx, h, i, bot.Question{EntryID: entryID, FromAnswer: from, Platform: "discord", User: req.user, Chat: req.chat}, true)
}

func (a *Adapter) chooseTopic(ctx context.Context, h bot.Handler, i *discordgo.Interaction, req request) {
	if len(req.values) == 0 || req.values[0] == "" {
		a.reply(ctx, i, textMessage(goneText), true)
		return
	}
	a.answer(ctx, h, i, bot.Question{EntryID: req.values[0], Platform: "discord", User: req.user, Chat: req.chat}, true)
}

func (a *Adapter) topics(ctx context.Context, h bot.Handler, i *discordgo.Interaction, _ request) {
	var ts []bot.Suggestion
	if t, ok := h.(bot.Topics); ok {
		ts = t.Topics()
	}
	a.reply(ctx, i, renderTopics(ts), true)
}

// completeAsk offers the FAQ questions best matching what is typed; with nothing typed
// yet, the first topics; with no match, what was typed, so it can still be sent.
func (a *Adapter) completeAsk(ctx context.Context, h bot.Handler, i *discordgo.Interaction, req request) {
	typed := strings.TrimSpace(req.focused())
	var ss []bot.Suggestion
	if c, ok := h.(bot.Completer); ok && typed != "" {
		cctx, cancel := context.WithTimeout(ctx, a.completeTimeout)
		ss = c.Complete(cctx, typed, maxChoices)
		cancel()
	}
	if t, ok := h.(bot.Topics); ok && typed == "" {
		ss = t.Topics()
	}
	if len(ss) == 0 && typed != "" {
		ss = []bot.Suggestion{{Question: typed}}
	}
	a.choices(ctx, i, ss)
}

// choices answers an autocomplete. A choice's value is the question itself, so that
// what the channel sees ("used /ask question: ...") reads as a question.
func (a *Adapter) choices(ctx context.Context, i *discordgo.Interaction, ss []bot.Suggestion) {
	err := a.s.InteractionRespond(i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: buildChoices(ss)},
	}, discordgo.WithContext(ctx))
	if err != nil {
		// Nothing more can be sent: an autocomplete has no message to apologise in.
		a.log.ErrorContext(ctx, "answering an autocomplete failed", "interaction", i.ID, "err", a.red.Err(err))
	}
}

// answer answers q in reply to an interaction.
func (a *Adapter) answer(ctx context.Context, h bot.Handler, i *discordgo.Interaction, q bot.Question, ephemeral bool) {
	if !a.limiter.Allow("discord:"+q.User, time.Now()) {
		a.reply(ctx, i, textMessage(bot.RateLimitedText), true)
		return
	}
	a.respond(ctx, i, ephemeral, false, func(ctx context.Context) message {
		r, err := h.Answer(ctx, q)
		return a.rendered(ctx, i, h, r, err)
	})
}

// respond answers an interaction with what work makes: a new message, or, with update,
// a new version of the message the pressed button is on. When work takes longer than
// deferAfter, the interaction is deferred (Discord shows "thinking") and the result
// edited in when ready.
func (a *Adapter) respond(ctx context.Context, i *discordgo.Interaction, ephemeral, update bool, work func(context.Context) message) {
	done := make(chan message, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				a.log.ErrorContext(ctx, "panic while answering", "interaction", i.ID, "panic", a.red.String(fmt.Sprint(p)))
				done <- apologyMessage()
			}
		}()
		done <- work(ctx)
	}()
	timer := time.NewTimer(a.deferAfter)
	defer timer.Stop()
	var m message
	select {
	case m = <-done:
	case <-timer.C:
		deferral := &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Flags: flags(ephemeral), AllowedMentions: noPings()},
		}
		if update {
			deferral = &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}
		}
		err := a.s.InteractionRespond(i, deferral, discordgo.WithContext(ctx))
		m = <-done
		if err == nil {
			a.edit(ctx, i, m)
			return
		}
		a.log.ErrorContext(ctx, "deferring an interaction failed; answering directly", "interaction", i.ID, "err", a.red.Err(err))
	}
	if update && !m.apology {
		a.update(ctx, i, m)
		return
	}
	a.reply(ctx, i, m, ephemeral)
}

// rendered renders a handler's reply, or an apology when it failed.
func (a *Adapter) rendered(ctx context.Context, i *discordgo.Interaction, h bot.Handler, r bot.Reply, err error) message {
	if err != nil {
		a.log.ErrorContext(ctx, "answering failed", "interaction", i.ID, "err", a.red.Err(err))
		return apologyMessage()
	}
	entry := ""
	if r.Entry != nil {
		entry = r.Entry.ID
	}
	a.log.DebugContext(ctx, "answered", "interaction", i.ID, "kind", r.Kind, "entry", entry, "confidence", r.Confidence, "urgent", r.Urgent)
	return render(r, takesFeedback(h))
}

// reply sends m as the interaction's response. If Discord refuses it, the person gets a
// short apology in its place if the interaction can still be answered.
func (a *Adapter) reply(ctx context.Context, i *discordgo.Interaction, m message, ephemeral bool) {
	ephemeral = ephemeral || m.apology // an apology concerns only the person who asked
	err := a.s.InteractionRespond(i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource, Data: m.responseData(ephemeral),
	}, discordgo.WithContext(ctx))
	if err == nil {
		return
	}
	a.log.ErrorContext(ctx, "responding to an interaction failed", "interaction", i.ID, "err", a.red.Err(err))
	if m.apology {
		return
	}
	err = a.s.InteractionRespond(i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource, Data: apologyMessage().responseData(true),
	}, discordgo.WithContext(ctx))
	if err != nil {
		a.log.ErrorContext(ctx, "sending an apology failed too", "interaction", i.ID, "err", a.red.Err(err))
	}
}

// update replaces the message the pressed button is on with m.
func (a *Adapter) update(ctx context.Context, i *discordgo.Interaction, m message) {
	err := a.s.InteractionRespond(i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseUpdateMessage, Data: m.updateData(),
	}, discordgo.WithContext(ctx))
	if err == nil {
		return
	}
	a.log.ErrorContext(ctx, "updating a message failed", "interaction", i.ID, "err", a.red.Err(err))
	err = a.s.InteractionRespond(i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource, Data: apologyMessage().responseData(true),
	}, discordgo.WithContext(ctx))
	if err != nil {
		a.log.ErrorContext(ctx, "sending an apology failed too", "interaction", i.ID, "err", a.red.Err(err))
	}
}

// edit replaces a deferred response with m; if that fails, an apology follows up.
func (a *Adapter) edit(ctx context.Context, i *discordgo.Interaction, m message) {
	err := a.editOriginal(ctx, i, m.edit())
	if err == nil {
		return
	}
	a.log.ErrorContext(ctx, "editing a deferred response failed", "interaction", i.ID, "err", a.red.Err(err))
	if m.apology {
		return
	}
	if _, err := a.s.FollowupMessageCreate(i, true, apologyMessage().followup(true), discordgo.WithContext(ctx)); err != nil {
		a.log.ErrorContext(ctx, "sending an apology failed too", "interaction", i.ID, "err", a.red.Err(err))
	}
}

// editOriginal edits an interaction's original response. discordgo's
// InteractionResponseEdit files every webhook edit of the process under one rate-limit
// bucket ("webhooks//"), and holds a bucket for the whole round trip: deferred answers
// would be edited in one after the other. Discord limits each interaction's webhook
// on its own, and so does this: one bucket per interaction token.
func (a *Adapter) editOriginal(ctx context.Context, i *discordgo.Interaction, e *discordgo.WebhookEdit) error {
	uri := discordgo.EndpointWebhookMessage(i.AppID, i.Token, "@original")
	_, err := a.s.RequestWithBucketID(http.MethodPatch, uri, e, discordgo.EndpointWebhookToken(i.AppID, i.Token), discordgo.WithContext(ctx))
	return err
}

// buildChoices makes at most 25 distinct autocomplete choices.
func buildChoices(ss []bot.Suggestion) []*discordgo.ApplicationCommandOptionChoice {
	cs := make([]*discordgo.ApplicationCommandOptionChoice, 0, min(len(ss), maxChoices))
	seen := map[string]bool{}
	for _, s := range ss {
		name := trimText(oneLine(s.Question), maxChoiceText)
		value := prefix(oneLine(s.Question), maxChoiceText)
		if name == "" || seen[value] {
			continue
		}
		seen[value] = true
		cs = append(cs, &discordgo.ApplicationCommandOptionChoice{Name: name, Value: value})
		if len(cs) == maxChoices {
			break
		}
	}
	return cs
}
