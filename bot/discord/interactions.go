package discord

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/smpbot/smpbot/bot"
)

// Custom ids of buttons and select menus are "<kind>:<payload>", at most 100
// characters. Each kind is routed through Adapter.components (or Adapter.modals for
// modal submissions); the reserved kinds are for features to come, so that ids already
// out on old messages keep their meaning.
const (
	kindAnswer    = "a" // a:<entry id>: answer that entry (suggestion and related buttons)
	kindTopics    = "t" // t:<menu>: a /topics select menu; the chosen value is an entry id
	kindFeedback  = "f" // reserved: f:<entry id>:<vote>, the Helpful / Not helpful buttons
	kindModerator = "m" // reserved: m:<action>:..., moderator actions and their modals
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
	command string   // slash command name
	options []option // its options, as given
	kind    string   // component or modal custom id kind
	payload string   // and the rest of the id
	values  []string // select menu values
	user    string
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
	switch {
	case i.Member != nil && i.Member.User != nil:
		req.user = i.Member.User.ID
	case i.User != nil:
		req.user = i.User.ID
	}
	switch d := i.Data.(type) {
	case discordgo.ApplicationCommandInteractionData:
		req.command = d.Name
		for _, o := range d.Options {
			if o == nil {
				continue
			}
			v, _ := o.Value.(string)
			req.options = append(req.options, option{name: o.Name, value: v, focused: o.Focused})
		}
	case discordgo.MessageComponentInteractionData:
		req.kind, req.payload = splitCustomID(d.CustomID)
		req.values = d.Values
	case discordgo.ModalSubmitInteractionData:
		req.kind, req.payload = splitCustomID(d.CustomID)
	}
	return req
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
}

// routes builds the dispatch tables. A new command (say /faq for moderators, whose
// actions open modals) is one more entry in commands, plus its kinds in components
// and modals.
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
		kindAnswer: a.pressAnswer,
		kindTopics: a.chooseTopic,
	}
	a.modals = map[string]componentFunc{}
}

// commandDefs are the definitions to register, in a stable order.
func (a *Adapter) commandDefs() []*discordgo.ApplicationCommand {
	defs := make([]*discordgo.ApplicationCommand, 0, len(a.commands))
	for _, name := range slices.Sorted(maps.Keys(a.commands)) {
		def := *a.commands[name].def
		if a.cfg.GuildID == "" {
			// Global commands work in servers and in DMs with the bot; contexts only
			// apply to global commands.
			def.Contexts = &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild, discordgo.InteractionContextBotDM}
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
// pressed it only: the channel already has the message the button is on.
func (a *Adapter) pressAnswer(ctx context.Context, h bot.Handler, i *discordgo.Interaction, req request) {
	a.answer(ctx, h, i, bot.Question{EntryID: req.payload, Platform: "discord", User: req.user, Chat: req.chat}, true)
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

// answer answers q in reply to an interaction. When the answer takes longer than
// deferAfter, the interaction is deferred (Discord shows "thinking") and the answer
// edited in when ready.
func (a *Adapter) answer(ctx context.Context, h bot.Handler, i *discordgo.Interaction, q bot.Question, ephemeral bool) {
	if !a.limiter.Allow("discord:"+q.User, time.Now()) {
		a.reply(ctx, i, textMessage(bot.RateLimitedText), true)
		return
	}
	type result struct {
		r   bot.Reply
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{err: fmt.Errorf("handler panic: %v", p)}
			}
		}()
		r, err := h.Answer(ctx, q)
		done <- result{r, err}
	}()
	timer := time.NewTimer(a.deferAfter)
	defer timer.Stop()
	var res result
	select {
	case res = <-done:
	case <-timer.C:
		err := a.s.InteractionRespond(i, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Flags: flags(ephemeral), AllowedMentions: noPings()},
		}, discordgo.WithContext(ctx))
		res = <-done
		if err == nil {
			a.edit(ctx, i, a.rendered(ctx, i, res.r, res.err))
			return
		}
		a.log.ErrorContext(ctx, "deferring an interaction failed; answering directly", "interaction", i.ID, "err", a.red.Err(err))
	}
	a.reply(ctx, i, a.rendered(ctx, i, res.r, res.err), ephemeral)
}

// rendered renders a handler's reply, or an apology when it failed.
func (a *Adapter) rendered(ctx context.Context, i *discordgo.Interaction, r bot.Reply, err error) message {
	if err != nil {
		a.log.ErrorContext(ctx, "answering failed", "interaction", i.ID, "err", a.red.Err(err))
		return apologyMessage()
	}
	entry := ""
	if r.Entry != nil {
		entry = r.Entry.ID
	}
	a.log.DebugContext(ctx, "answered", "interaction", i.ID, "kind", r.Kind, "entry", entry, "confidence", r.Confidence, "urgent", r.Urgent)
	return render(r)
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

// edit replaces a deferred response with m; if that fails, an apology follows up.
func (a *Adapter) edit(ctx context.Context, i *discordgo.Interaction, m message) {
	_, err := a.s.InteractionResponseEdit(i, m.edit(), discordgo.WithContext(ctx))
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
