package discord

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// RequiredPermissions are the channel permissions the bot needs to answer mentions as
// intended: View Channel (1024), Send Messages (2048), Embed Links (16384) and Read
// Message History (65536), 84992 in all, the permissions value of an invite link
// (https://discord.com/oauth2/authorize?client_id=<application id>&scope=bot+applications.commands&permissions=84992).
// Slash commands and buttons need none of them: their answers go through the
// interaction. Without Read Message History a mention is answered with a plain
// message instead of a reply; without Embed Links, with text instead of embeds.
const RequiredPermissions = discordgo.PermissionViewChannel | discordgo.PermissionSendMessages |
	discordgo.PermissionEmbedLinks | discordgo.PermissionReadMessageHistory

// permRecheck is how long the adapter trusts that a channel lacks a permission before
// trying the full form again, in case a moderator granted it since.
const permRecheck = time.Hour

// maxLimitedChannels bounds the memory of channels lacking permissions.
const maxLimitedChannels = 10_000

// channelLimits remembers, per channel, the permissions the bot found missing there,
// so that it answers in a form the channel accepts at once, and logs each missing
// permission once per channel.
type channelLimits struct {
	mu sync.Mutex
	m  map[string]*lacking
}

type lacking struct {
	history, embeds bool // Read Message History, Embed Links
	checked         time.Time
	logged          map[string]bool // permission names already logged
}

func newChannelLimits() *channelLimits { return &channelLimits{m: map[string]*lacking{}} }

// get returns what the channel is known to lack.
func (c *channelLimits) get(channelID string, now time.Time) (history, embeds bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.m[channelID]
	if l == nil || now.Sub(l.checked) > permRecheck {
		return false, false
	}
	return l.history, l.embeds
}

// set records what a channel lacks and returns the permissions not logged before.
func (c *channelLimits) set(channelID string, history, embeds bool, now time.Time) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.m[channelID]
	if l == nil {
		if len(c.m) >= maxLimitedChannels {
			for id, old := range c.m {
				if now.Sub(old.checked) > permRecheck {
					delete(c.m, id)
				}
			}
			if len(c.m) >= maxLimitedChannels {
				clear(c.m) // worst case: the next answers probe again
			}
		}
		l = &lacking{logged: map[string]bool{}}
		c.m[channelID] = l
	}
	l.history, l.embeds, l.checked = history, embeds, now
	var fresh []string
	for name, missing := range map[string]bool{"Read Message History": history, "Embed Links": embeds} {
		if missing && !l.logged[name] {
			l.logged[name] = true
			fresh = append(fresh, name)
		}
	}
	return fresh
}

// shape is how a message goes out in a channel: as a reply or not, with its embeds or
// as text.
type shape struct{ reply, embeds bool }

// shapes lists the shapes to try for msg, best first, leaving out those the channel is
// known to refuse.
func shapes(msg message, noHistory, noEmbeds bool) []shape {
	var fs []shape
	for _, f := range []shape{{true, true}, {false, true}, {true, false}, {false, false}} {
		if (f.reply && noHistory) || (f.embeds && (noEmbeds || len(msg.embeds) == 0)) {
			continue
		}
		fs = append(fs, f)
	}
	return fs
}

// missingPermissions reports whether Discord refused a request for a missing
// permission (403, code 50013).
func missingPermissions(err error) bool {
	var re *discordgo.RESTError
	return errors.As(err, &re) && re.Message != nil && re.Message.Code == discordgo.ErrCodeMissingPermissions
}

// sendIn sends msg to m's channel in the best form the channel accepts: a reply with
// embeds, else without the reply (no Read Message History), else as text (no Embed
// Links). What a channel refused is remembered, and logged once per channel.
func (a *Adapter) sendIn(ctx context.Context, m *discordgo.Message, msg message) error {
	now := time.Now()
	noHistory, noEmbeds := a.limits.get(m.ChannelID, now)
	var err error
	for _, f := range shapes(msg, noHistory, noEmbeds) {
		err = a.sendShape(ctx, m, msg, f)
		if err == nil {
			lacksHistory, lacksEmbeds := noHistory || !f.reply, noEmbeds || (!f.embeds && len(msg.embeds) > 0)
			if lacksHistory || lacksEmbeds {
				for _, p := range a.limits.set(m.ChannelID, lacksHistory, lacksEmbeds, now) {
					a.log.WarnContext(ctx, "the bot lacks a permission in a channel; answering without it",
						"channel", m.ChannelID, "guild", m.GuildID, "permission", p, "required_permissions", RequiredPermissions)
				}
			}
			return nil
		}
		if !missingPermissions(err) {
			return err
		}
	}
	return err
}

// sendShape sends msg in one shape; as text, it may take several messages.
func (a *Adapter) sendShape(ctx context.Context, m *discordgo.Message, msg message, f shape) error {
	parts := []message{msg}
	if !f.embeds {
		parts = plainParts(msg)
	}
	for i, p := range parts {
		var to *discordgo.Message
		if f.reply && i == 0 {
			to = m
		}
		if _, err := a.s.ChannelMessageSendComplex(m.ChannelID, p.send(to), discordgo.WithContext(ctx)); err != nil {
			return err
		}
	}
	return nil
}

// plainParts writes msg as text: its content, then each embed's title (bold),
// description, fields (name in bold) and footer (in italics), cut into messages of at
// most 2,000 characters; the buttons go under the last one.
func plainParts(msg message) []message {
	if len(msg.embeds) == 0 {
		return []message{msg}
	}
	var blocks []string
	if msg.content != "" {
		blocks = append(blocks, msg.content)
	}
	for _, e := range msg.embeds {
		if e.Title != "" {
			blocks = append(blocks, "**"+e.Title+"**")
		}
		if e.Description != "" {
			blocks = append(blocks, e.Description)
		}
		for _, f := range e.Fields {
			blocks = append(blocks, "**"+f.Name+"**\n"+f.Value)
		}
		if e.Footer != nil && e.Footer.Text != "" {
			blocks = append(blocks, "*"+strings.TrimSpace(e.Footer.Text)+"*")
		}
	}
	chunks := splitText(strings.Join(blocks, "\n\n"), maxContent)
	parts := make([]message, 0, len(chunks))
	for _, c := range chunks {
		parts = append(parts, message{content: c, apology: msg.apology})
	}
	parts[len(parts)-1].components = msg.components
	return parts
}
