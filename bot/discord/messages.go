package discord

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/smpbot/smpbot/bot"
)

// questionFromMessage returns the question in a message the bot should answer: any
// direct message, and channel messages that mention the bot, without the mention. It
// ignores the bot's own messages, other bots, webhooks and system messages.
func questionFromMessage(m *discordgo.Message, botID string) (string, bool) {
	if m == nil || m.Author == nil || m.Author.Bot || m.Author.System || m.WebhookID != "" {
		return "", false
	}
	if botID == "" || m.Author.ID == botID {
		return "", false
	}
	if m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply {
		return "", false
	}
	if m.GuildID != "" && !mentions(m, botID) {
		return "", false
	}
	text := strings.NewReplacer("<@"+botID+">", " ", "<@!"+botID+">", " ").Replace(m.Content)
	return strings.TrimSpace(text), true
}

func mentions(m *discordgo.Message, userID string) bool {
	for _, u := range m.Mentions {
		if u != nil && u.ID == userID {
			return true
		}
	}
	return false
}

// onMessage answers a mention or a direct message with a reply to it.
func (a *Adapter) onMessage(ctx context.Context, h bot.Handler, m *discordgo.Message) {
	ctx, cancel := context.WithTimeout(ctx, a.handleTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			a.log.ErrorContext(ctx, "panic while handling a message", "message", m.ID, "panic", a.red.String(fmt.Sprint(p)))
		}
	}()
	self := a.self.Load()
	if self == nil {
		return // messages come after READY; without it the bot cannot tell what mentions it
	}
	text, ok := questionFromMessage(m, self.userID)
	if !ok {
		return
	}
	key := "discord:" + m.Author.ID
	if !a.limiter.Allow(key, time.Now()) {
		// Say so once a minute, not to every message of a flood.
		if a.notices.Allow(key, time.Now()) {
			a.send(ctx, m, textMessage(bot.RateLimitedText))
		}
		return
	}
	switch strings.ToLower(strings.Trim(text, " ?!.")) {
	case "":
		a.send(ctx, m, textMessage(hintText))
		return
	case "topics", "/topics":
		// What the no-match reply suggests asking for, typed rather than run as /topics.
		var ts []bot.Suggestion
		if t, ok := h.(bot.Topics); ok {
			ts = t.Topics()
		}
		a.send(ctx, m, renderTopics(ts))
		return
	}
	r, err := h.Answer(ctx, bot.Question{Text: text, Platform: "discord", User: m.Author.ID, Chat: m.ChannelID})
	if err != nil {
		a.log.ErrorContext(ctx, "answering failed", "message", m.ID, "channel", m.ChannelID, "err", a.red.Err(err))
		a.send(ctx, m, apologyMessage())
		return
	}
	a.send(ctx, m, render(r, takesFeedback(h)))
}

// send replies to m, in the best form the channel allows (see sendIn); if Discord
// refuses it, it tries a short apology.
func (a *Adapter) send(ctx context.Context, m *discordgo.Message, msg message) {
	err := a.sendIn(ctx, m, msg)
	if err == nil {
		return
	}
	a.log.ErrorContext(ctx, "sending a reply failed", "message", m.ID, "channel", m.ChannelID, "err", a.red.Err(err))
	if msg.apology {
		return
	}
	if err := a.sendIn(ctx, m, apologyMessage()); err != nil {
		a.log.ErrorContext(ctx, "sending an apology failed too", "message", m.ID, "channel", m.ChannelID, "err", a.red.Err(err))
	}
}
