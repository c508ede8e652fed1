package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/smpbot/smpbot/bot"
)

// Texts the bot sends.
const (
	sorryText   = "Sorry, something went wrong on my side. Please try again in a moment."
	notTextText = "I can only read text messages. Please type your question in words, or send /help to see how I work."
	askHowText  = "Ask me a question after my name, like: @%s how many laser sessions will I need?"
	askUsage    = "Ask like this: /ask how many laser sessions will I need?"
	unknownCmd  = "I don't know that command. Send /help to see what I can do."
	privateOnly = "Please use a private chat with me for that command."
	noTopics    = "I can't list the topics right now. Just ask your question."
	staleButton = "This button no longer works. Please ask your question again."
	oldMessage  = "This message is too old for its buttons. Please ask your question again."
)

func helpText(username string) string {
	return "I answer questions about removing or fixing scalp micropigmentation (SMP): laser and saline removal, " +
		"cost, pain, healing, side effects and corrections, from a curated FAQ with sources. " +
		"It's general information, not medical advice.\n\n" +
		"How to ask:\n" +
		"• In a private chat with me, just type your question.\n" +
		"• In a group, mention me (@" + username + " does laser removal hurt?), reply to one of my messages, or use /ask followed by your question.\n" +
		"• In any chat, type @" + username + " and a few words to pick an answer to share.\n\n" +
		"/topics lists everything I can answer."
}

// command is one slash command. Commands live in a table so that later ones (a
// moderator's /faq_* commands in a private chat) are rows, not new branches.
type command struct {
	name string
	// desc is shown in Telegram's command menu; "" keeps the command out of the menu.
	desc string
	// private restricts the command to private chats with the bot. Such a command with
	// a desc is listed in moderators' menus only.
	private bool
	// moderator makes it a moderator's command: anyone else is refused, and the attempt
	// logged, by the Moderation.
	moderator bool
	run       func(a *Adapter, ctx context.Context, h bot.Handler, ev event) error
}

func (a *Adapter) commandTable() []command {
	return []command{
		{name: "start", run: (*Adapter).cmdHelp},
		{name: "help", desc: "What I do and how to ask", run: (*Adapter).cmdHelp},
		{name: "topics", desc: "List the questions I can answer", run: (*Adapter).cmdTopics},
		{name: "ask", desc: "Ask a question (in groups: /ask your question)", run: (*Adapter).cmdAsk},
		{name: "faq_add", desc: "Add an FAQ entry", private: true, moderator: true, run: (*Adapter).cmdAdd},
		{name: "faq_edit", desc: "Edit an entry: /faq_edit <id>", private: true, moderator: true, run: (*Adapter).cmdEdit},
		{name: "faq_remove", desc: "Remove an entry: /faq_remove <id>", private: true, moderator: true, run: (*Adapter).cmdRemove},
		{name: "faq_show", desc: "Show an entry: /faq_show <id>", private: true, moderator: true, run: (*Adapter).cmdShow},
		{name: "faq_list", desc: "List the entries and their ids", private: true, moderator: true, run: (*Adapter).cmdList},
		{name: "faq_history", desc: "Changes to an entry: /faq_history <id>", private: true, moderator: true, run: (*Adapter).cmdHistory},
		{name: "faq_undo", desc: "Undo the last change to an entry: /faq_undo <id>", private: true, moderator: true, run: (*Adapter).cmdUndo},
		{name: "faq_unanswered", desc: "Questions I could not answer: /faq_unanswered [days]", private: true, moderator: true, run: (*Adapter).cmdUnanswered},
		{name: "faq_stats", desc: "Question statistics: /faq_stats [days]", private: true, moderator: true, run: (*Adapter).cmdStats},
		{name: "faq_suggestions", desc: "New phrasings to accept or reject", private: true, moderator: true, run: (*Adapter).cmdSuggestions},
		// /cancel is not gated: it only ever ends the sender's own session.
		{name: "cancel", desc: "Stop the FAQ change in progress", private: true, run: (*Adapter).cmdCancel},
	}
}

// callbackRoute handles the buttons whose callback data starts with prefix; payload
// is the rest of the data.
type callbackRoute struct {
	prefix string
	run    func(a *Adapter, ctx context.Context, h bot.Handler, ev event, payload string) error
}

// callbackTable routes button presses by prefix.
func (a *Adapter) callbackTable() []callbackRoute {
	return []callbackRoute{
		{prefix: cbAnswer, run: (*Adapter).cbAnswerEntry},
		{prefix: cbFeedback, run: (*Adapter).cbFeedback},
		{prefix: cbModerator, run: (*Adapter).cbModerator},
	}
}

// menu is the command list for setMyCommands: the public commands, and for moderators
// the private ones too.
func (a *Adapter) menu(moderator bool) []tgbotapi.BotCommand {
	var out []tgbotapi.BotCommand
	for _, c := range a.commands {
		if c.desc != "" && (!c.private || moderator) {
			out = append(out, tgbotapi.BotCommand{Command: c.name, Description: c.desc})
		}
	}
	return out
}

// registerCommands sets the command menu, and the moderators' menu in the private chat
// of each moderator named. A failure is logged, not fatal: the bot answers without a
// menu. A moderator who has never opened a chat with the bot cannot have one yet; they
// get it after their first moderator command.
func (a *Adapter) registerCommands(ctx context.Context) {
	if err := a.request(ctx, "setMyCommands", tgbotapi.NewSetMyCommands(a.menu(false)...)); err != nil && ctx.Err() == nil {
		a.log.WarnContext(ctx, "could not register the command menu", "err", err)
	}
	if a.mod == nil {
		return
	}
	for _, u := range a.moderators {
		id, err := strconv.ParseInt(strings.TrimSpace(u), 10, 64)
		if err != nil || id <= 0 {
			a.log.WarnContext(ctx, "a moderator is not a Telegram user id; no menu for them", "user", u)
			continue
		}
		a.moderatorMenu(ctx, id)
	}
}

// moderatorMenu sets the moderators' menu in the private chat with user, once.
func (a *Adapter) moderatorMenu(ctx context.Context, user int64) {
	a.sessMu.Lock()
	done := a.menus[user]
	a.sessMu.Unlock()
	if done {
		return
	}
	c := tgbotapi.NewSetMyCommandsWithScope(tgbotapi.NewBotCommandScopeChat(user), a.menu(true)...)
	if err := a.request(ctx, "setMyCommands", c); err != nil {
		if ctx.Err() == nil {
			a.log.InfoContext(ctx, "could not set a moderator's command menu", "user", user, "err", err)
		}
		return
	}
	a.sessMu.Lock()
	a.menus[user] = true
	a.sessMu.Unlock()
}

// notableIgnore are the reasons for ignoring an update that are logged at info level:
// updates a person may expect an answer to, or that should not arrive at all. Group
// chatter and other bots' commands are routine and logged at debug level.
var notableIgnore = map[string]bool{
	"edited message":                      true,
	"unsupported update kind":             true,
	"message without chat":                true,
	"callback query without sender or id": true,
	"inline query without sender or id":   true,
}

// errUnhandled marks an update whose handling was cut short by shutdown: it must not be
// confirmed, so that Telegram delivers it again.
var errUnhandled = errors.New("update not handled")

// handle acts on one event. It returns errUnhandled only when ctx ended before the
// event was dealt with; any other failure is logged and the update counts as handled,
// since delivering it again would fail the same way.
func (a *Adapter) handle(ctx context.Context, h bot.Handler, ev event) (err error) {
	log := a.log.With("update_id", ev.update, "kind", ev.kind.String())
	defer func() {
		if p := recover(); p != nil {
			log.ErrorContext(ctx, "handling an update panicked", "panic", fmt.Sprint(p))
			err = nil
		}
	}()
	if ev.clipped {
		log.InfoContext(ctx, "very long message clipped", "max_bytes", maxTextLen)
	}
	switch ev.kind {
	case kindIgnore:
		level := slog.LevelDebug
		if notableIgnore[ev.why] {
			level = slog.LevelInfo
		}
		log.Log(ctx, level, "update ignored", "why", ev.why)
		return nil
	case kindQuestion:
		var done bool
		if done, err = a.sessionInput(ctx, ev); !done {
			err = a.question(ctx, h, ev, ev.text)
		}
	case kindCommand:
		err = a.command(ctx, h, ev)
	case kindCallback:
		err = a.callback(ctx, h, ev)
	case kindInline:
		err = a.inlineQuery(ctx, h, ev)
	case kindNotText:
		log.InfoContext(ctx, "non-text message in a private chat")
		err = a.reply(ctx, ev, []message{{text: plain(notTextText)}})
	}
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return errUnhandled
	}
	log.WarnContext(ctx, "handling an update failed", "err", err)
	return nil
}

// question answers text, asked in ev's chat.
func (a *Adapter) question(ctx context.Context, h bot.Handler, ev event, text string) error {
	if strings.TrimSpace(text) == "" {
		return a.reply(ctx, ev, []message{{text: plain(fmt.Sprintf(askHowText, a.me.user.UserName))}})
	}
	r, err := a.answer(ctx, h, a.questionFor(ev, text, ""))
	switch {
	case errors.Is(err, bot.ErrRateLimited):
		return nil // over the limit and already told so
	case err != nil:
		if ctx.Err() != nil {
			return err
		}
		a.log.ErrorContext(ctx, "the handler failed", "update_id", ev.update, "err", err)
		return a.reply(ctx, ev, []message{{text: plain(sorryText)}})
	case r.Kind == bot.KindRateLimited:
		return a.reply(ctx, ev, []message{{text: plain(r.Message)}})
	}
	return a.reply(ctx, ev, renderReply(r, takesFeedback(h)))
}

// answer asks h through the rate-limit policy, holding one of the answering slots.
func (a *Adapter) answer(ctx context.Context, h bot.Handler, q bot.Question) (bot.Reply, error) {
	select {
	case a.answering <- struct{}{}:
	case <-ctx.Done():
		return bot.Reply{}, ctx.Err()
	}
	defer func() { <-a.answering }()
	return a.limit.With(h).Answer(ctx, q)
}

// overLimit logs a question over the rate limit; dropped ones only at debug level, so
// that a flood does not flood the log.
func (a *Adapter) overLimit(q bot.Question, outcome string) {
	level := slog.LevelInfo
	if outcome == "dropped" {
		level = slog.LevelDebug
	}
	a.log.Log(context.Background(), level, "question over the rate limit", "user", q.User, "outcome", outcome)
}

// dropped logs and counts an update that will not be handled.
func (a *Adapter) dropped(ev event, reason string) {
	a.log.Info("update dropped", "update_id", ev.update, "chat", ev.chatID, "reason", reason)
	if a.drops != nil {
		a.drops(reason)
	}
}

func (a *Adapter) questionFor(ev event, text, entryID string) bot.Question {
	q := bot.Question{Text: text, EntryID: entryID, Platform: "telegram", User: strconv.FormatInt(ev.user, 10)}
	if ev.chatID != 0 {
		q.Chat = strconv.FormatInt(ev.chatID, 10)
	}
	return q
}

// reply sends messages to ev's chat, quoting the asking message in a group.
func (a *Adapter) reply(ctx context.Context, ev event, msgs []message) error {
	for _, m := range msgs {
		if m.text == "" {
			continue
		}
		c := tgbotapi.NewMessage(ev.chatID, m.text)
		c.ParseMode = tgbotapi.ModeHTML
		c.DisableWebPagePreview = true
		c.ReplyToMessageID = ev.replyTo
		// The question may have been deleted meanwhile; the answer is still useful.
		c.AllowSendingWithoutReply = true
		if m.keyboard != nil {
			c.ReplyMarkup = *m.keyboard
		}
		if _, err := a.send(ctx, ev.chatID, "sendMessage", inTopic{c, ev.thread}, false); err != nil {
			return err
		}
	}
	return nil
}

func (a *Adapter) command(ctx context.Context, h bot.Handler, ev event) error {
	for _, c := range a.commands {
		if c.name != ev.cmd {
			continue
		}
		if c.private && !ev.private {
			// A moderator command is this bot's for sure; a generic one like /cancel
			// may be another bot's, so it is answered only when addressed.
			if c.moderator || ev.addressed {
				return a.reply(ctx, ev, []message{{text: plain(privateOnly)}})
			}
			return nil
		}
		if c.moderator {
			if a.mod == nil {
				return a.reply(ctx, ev, []message{{text: plain(notModerated)}})
			}
			if !a.mod.Allowed(ctx, a.identity(ev), c.name) {
				return a.reply(ctx, ev, []message{{text: plain(bot.DescribeError(bot.ErrForbidden))}})
			}
			a.moderatorMenu(ctx, ev.user)
		}
		return c.run(a, ctx, h, ev)
	}
	if ev.private || ev.addressed {
		return a.reply(ctx, ev, []message{{text: plain(unknownCmd)}})
	}
	a.log.DebugContext(ctx, "unknown command ignored", "update_id", ev.update, "command", ev.cmd)
	return nil
}

func (a *Adapter) cmdHelp(ctx context.Context, _ bot.Handler, ev event) error {
	return a.reply(ctx, ev, []message{{text: plain(helpText(a.me.user.UserName))}})
}

func (a *Adapter) cmdTopics(ctx context.Context, h bot.Handler, ev event) error {
	t, ok := h.(bot.Topics)
	if !ok {
		return a.reply(ctx, ev, []message{{text: plain(noTopics)}})
	}
	msgs := topicMessages(t.Topics())
	if len(msgs) == 0 {
		msgs = []message{{text: plain(noTopics)}}
	}
	return a.reply(ctx, ev, msgs)
}

func (a *Adapter) cmdAsk(ctx context.Context, h bot.Handler, ev event) error {
	if ev.text == "" {
		return a.reply(ctx, ev, []message{{text: plain(askUsage)}})
	}
	return a.question(ctx, h, ev, ev.text)
}

// callback dispatches a button press by the prefix of its data. Every press is
// acknowledged, so that the client stops its spinner.
func (a *Adapter) callback(ctx context.Context, h bot.Handler, ev event) error {
	data := ev.callback.Data
	for _, r := range a.callbacks {
		if payload, ok := strings.CutPrefix(data, r.prefix); ok {
			return r.run(a, ctx, h, ev, payload)
		}
	}
	a.log.InfoContext(ctx, "button with unknown data", "update_id", ev.update, "data_len", len(data))
	return a.ack(ctx, ev, staleButton, false)
}

// ack answers a callback query. A query that is too old to answer is not worth failing
// the press for, so that error is only logged.
func (a *Adapter) ack(ctx context.Context, ev event, text string, alert bool) error {
	c := tgbotapi.NewCallback(ev.callback.ID, text)
	c.ShowAlert = alert
	err := a.request(ctx, "answerCallbackQuery", c)
	if err != nil && ctx.Err() == nil {
		a.log.InfoContext(ctx, "could not acknowledge a button press", "update_id", ev.update, "err", err)
		return nil
	}
	return err
}

// cbAnswerEntry answers the entry a suggestion or related button names: in the chat of
// the message the button is on or, for a message sent in inline mode, by editing it.
// The payload is the entry id, then ":" and the id of the reply the button was on, if
// that fitted.
func (a *Adapter) cbAnswerEntry(ctx context.Context, h bot.Handler, ev event, payload string) error {
	cb := ev.callback
	id, from, _ := strings.Cut(payload, ":")
	if id == "" {
		return a.ack(ctx, ev, staleButton, false)
	}
	if ev.chatID == 0 && cb.InlineMessageID == "" {
		return a.ack(ctx, ev, oldMessage, false)
	}
	q := a.questionFor(ev, "", id)
	q.FromAnswer = from
	r, err := a.answer(ctx, h, q)
	if errors.Is(err, bot.ErrRateLimited) || err == nil && r.Kind == bot.KindRateLimited {
		return a.ack(ctx, ev, bot.RateLimitedText, true)
	}
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		a.log.ErrorContext(ctx, "the handler failed", "update_id", ev.update, "err", err)
		return a.ack(ctx, ev, sorryText, true)
	}
	if err := a.ack(ctx, ev, "", false); err != nil {
		return err
	}
	if cb.InlineMessageID != "" {
		m := renderOne(r, takesFeedback(h))
		c := tgbotapi.EditMessageTextConfig{
			BaseEdit:              tgbotapi.BaseEdit{InlineMessageID: cb.InlineMessageID, ReplyMarkup: m.keyboard},
			Text:                  m.text,
			ParseMode:             tgbotapi.ModeHTML,
			DisableWebPagePreview: true,
		}
		// Editing an inline message returns true, not a Message. The same button pressed
		// again finds the message already showing that answer.
		if err := a.request(ctx, "editMessageText", c); err != nil && !notModified(err) {
			return err
		}
		return nil
	}
	return a.reply(ctx, ev, renderReply(r, takesFeedback(h)))
}

// notModified reports whether Telegram refused an edit because the message already
// shows exactly that.
func notModified(err error) bool {
	te, ok := apiError(err)
	return ok && te.Code == http.StatusBadRequest && strings.Contains(te.Message, "message is not modified")
}

// Inline mode limits.
const (
	maxInlineResults = 8
	inlineCacheTime  = 60 // seconds Telegram may reuse an answer to the same query
	maxDescription   = 120
)

// inlineQuery offers the best matching entries for "@bot question": each result
// inserts the entry's full answer. When the question describes an emergency, every
// result starts with the urgent notice.
func (a *Adapter) inlineQuery(ctx context.Context, h bot.Handler, ev event) error {
	q := ev.inline
	query := strings.TrimSpace(clip(q.Query, maxTextLen))
	var ids []string
	var notice, scope string
	if query == "" {
		if t, ok := h.(bot.Topics); ok {
			for _, s := range t.Topics() {
				ids = append(ids, s.ID)
			}
		}
	} else {
		preview := a.questionFor(ev, query, "")
		preview.Preview = true // one per keystroke: not a question asked
		r, err := h.Answer(ctx, preview)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			a.log.WarnContext(ctx, "the handler failed on an inline query", "update_id", ev.update, "err", err)
		}
		if r.Urgent {
			notice = r.Notice
		}
		scope = r.ScopeNote
		if r.Entry != nil {
			ids = append(ids, r.Entry.ID)
		}
		for _, s := range r.Suggestions {
			ids = append(ids, s.ID)
		}
		if c, ok := h.(bot.Completer); ok {
			for _, s := range c.Complete(ctx, query, maxInlineResults) {
				ids = append(ids, s.ID)
			}
		}
	}
	results := []any{}
	seen := map[string]bool{}
	for _, id := range ids {
		if len(results) == maxInlineResults {
			break
		}
		if seen[id] || id == "" || len(id) > 64 {
			continue
		}
		seen[id] = true
		choice := a.questionFor(ev, "", id)
		choice.Preview = true // offered, not yet chosen
		r, err := h.Answer(ctx, choice)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			continue
		}
		if r.Kind != bot.KindAnswer || r.Entry == nil {
			continue
		}
		if notice != "" {
			r.Urgent, r.Notice = true, notice
		}
		// Each result answers the entry chosen by id, which has no words to read: what
		// was typed decides the scope note, as it decides the notice.
		r.ScopeNote = scope
		// No feedback buttons: the result is offered, not yet chosen or read.
		m := renderOne(r, false)
		article := tgbotapi.NewInlineQueryResultArticleHTML(id, r.Entry.Question, m.text)
		if c, ok := article.InputMessageContent.(tgbotapi.InputTextMessageContent); ok {
			c.DisableWebPagePreview = true
			article.InputMessageContent = c
		}
		article.Description = description(r)
		article.ReplyMarkup = m.keyboard
		results = append(results, article)
	}
	// With nothing to offer, a button opens a private chat with the bot. Telegram
	// replaced switch_pm_text and switch_pm_parameter, all the client library knows,
	// with "button", so the call is written out here.
	p := tgbotapi.Params{"inline_query_id": q.ID}
	p.AddNonZero("cache_time", inlineCacheTime)
	if err := p.AddInterface("results", results); err != nil {
		return err
	}
	if len(results) == 0 {
		if err := p.AddInterface("button", inlineButton{Text: "Ask me in a private chat", StartParameter: "inline"}); err != nil {
			return err
		}
	}
	return a.retry(ctx, "answerInlineQuery", func(api botAPI) error {
		_, err := api.MakeRequest("answerInlineQuery", p)
		return err
	})
}

// inlineButton is Telegram's InlineQueryResultsButton, which the client library lacks.
type inlineButton struct {
	Text           string `json:"text"`
	StartParameter string `json:"start_parameter"`
}

// description is the line under an inline result's title: the urgent notice, or the
// start of the answer.
func description(r bot.Reply) string {
	s := r.Entry.Answer
	if r.Urgent && r.Notice != "" {
		s = r.Notice
	}
	s = strings.Join(strings.Fields(strings.NewReplacer("**", "", "\n- ", " ").Replace(s)), " ")
	if utf8.RuneCountInString(s) > maxDescription {
		s = string([]rune(s)[:maxDescription-1]) + "…"
	}
	return s
}
