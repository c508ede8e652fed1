package discordtest

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Opt is a slash command option as the person filled it in.
type Opt struct {
	Name, Value string
	// Focused marks the option being typed, in an autocomplete interaction.
	Focused bool
	// Type is the option type; 0 means a string. An integer's Value is its decimal
	// digits, sent as a JSON number.
	Type discordgo.ApplicationCommandOptionType
	// Options are the options of a subcommand.
	Options []Opt
}

// String is a filled-in string option.
func String(name, value string) Opt { return Opt{Name: name, Value: value} }

// Focused is the string option being typed.
func Focused(name, partial string) Opt { return Opt{Name: name, Value: partial, Focused: true} }

// Int is a filled-in integer option.
func Int(name string, n int) Opt {
	return Opt{Name: name, Value: strconv.Itoa(n), Type: discordgo.ApplicationCommandOptionInteger}
}

// Sub is a subcommand with its options, as in /faq edit id:cost.
func Sub(name string, opts ...Opt) Opt {
	return Opt{Name: name, Type: discordgo.ApplicationCommandOptionSubCommand, Options: opts}
}

// Mention is how Discord writes a mention of u in message content.
func Mention(u User) string { return "<@" + u.ID + ">" }

const (
	timeLayout = "2006-01-02T15:04:05.000000+00:00"
	// permissions are a member's in the guild, allPermissions the bot's where no
	// channel overwrite takes any away.
	permissions    = "2248473465835073"
	allPermissions = int64(2248473465835073)
)

func userObject(u User) map[string]any {
	o := map[string]any{
		"id": u.ID, "username": u.Username, "discriminator": "0", "global_name": nil, "avatar": nil,
		"avatar_decoration_data": nil, "public_flags": 0, "clan": nil, "primary_guild": nil,
	}
	if u.Bot {
		o["bot"] = true
	} else {
		o["global_name"] = strings.ToUpper(u.Username[:1]) + u.Username[1:]
	}
	return o
}

func memberObject(u *User, withPermissions bool) map[string]any {
	roles := []any{}
	if u != nil {
		for _, r := range u.Roles {
			roles = append(roles, r)
		}
	}
	o := map[string]any{
		"roles": roles, "premium_since": nil, "pending": false, "nick": nil, "mute": false, "deaf": false,
		"joined_at": "2024-05-01T10:00:00.000000+00:00", "flags": 0, "communication_disabled_until": nil,
		"banner": nil, "avatar": nil, "unusual_dm_activity_until": nil,
	}
	if u != nil {
		o["user"] = userObject(*u)
	}
	if withPermissions {
		o["permissions"] = permissions
	}
	return o
}

// commandID is the id of the registered command name, as Discord puts in interactions.
func (s *Server) commandID(guildID, name string) string {
	for _, scope := range []string{guildID, ""} {
		for _, c := range s.commands[scope] {
			if c.Name == name {
				return c.ID
			}
		}
	}
	return s.nextID()
}

// interaction dispatches INTERACTION_CREATE with Discord's shape: member and guild for a
// guild, user for a DM.
func (s *Server) interaction(p Place, u User, typ discordgo.InteractionType, data, message map[string]any) Interaction {
	s.mu.Lock()
	id := s.nextID()
	token := "aW50ZXJhY3Rpb246" + id + "OmZha2VUb2tlbg"
	s.ixs[token] = &ixState{id: id, token: token, typ: typ, created: s.clock.Now()}
	appPermissions := strconv.FormatInt(s.botPermissions(p.ChannelID), 10)
	s.mu.Unlock()
	d := map[string]any{
		"id": id, "application_id": s.AppID, "type": int(typ), "data": data, "channel_id": p.ChannelID,
		"token": token, "version": 1, "locale": "en-US", "app_permissions": appPermissions,
		"entitlements": []any{}, "attachment_size_limit": 10485760,
	}
	if p.GuildID != "" {
		d["guild_id"] = p.GuildID
		d["guild_locale"] = "en-US"
		d["guild"] = map[string]any{"id": p.GuildID, "locale": "en-US", "features": []any{}}
		d["member"] = memberObject(&u, true)
		d["context"] = 0
		d["authorizing_integration_owners"] = map[string]any{"0": p.GuildID}
		d["channel"] = map[string]any{"id": p.ChannelID, "type": 0, "guild_id": p.GuildID, "name": "general",
			"position": 0, "permissions": appPermissions, "nsfw": false, "parent_id": nil, "topic": nil, "flags": 0,
			"last_message_id": nil, "rate_limit_per_user": 0, "theme_color": nil, "icon_emoji": nil}
	} else {
		d["user"] = userObject(u)
		d["context"] = 1
		d["authorizing_integration_owners"] = map[string]any{"0": "0"}
		d["channel"] = map[string]any{"id": p.ChannelID, "type": 1, "flags": 0, "last_message_id": nil,
			"recipients": []any{userObject(u)}}
	}
	if message != nil {
		d["message"] = message
	}
	s.Dispatch("INTERACTION_CREATE", d)
	return Interaction{ID: id, Token: token, Type: typ}
}

// optionObjects writes options as Discord does: subcommands hold their options, and
// only the focused option of an autocomplete carries "focused".
func optionObjects(opts []Opt) []any {
	options := make([]any, 0, len(opts))
	for _, o := range opts {
		typ := o.Type
		if typ == 0 {
			typ = discordgo.ApplicationCommandOptionString
		}
		m := map[string]any{"type": int(typ), "name": o.Name}
		switch typ {
		case discordgo.ApplicationCommandOptionSubCommand, discordgo.ApplicationCommandOptionSubCommandGroup:
			m["options"] = optionObjects(o.Options)
		case discordgo.ApplicationCommandOptionInteger, discordgo.ApplicationCommandOptionNumber:
			if o.Focused {
				m["value"] = o.Value // what is typed so far is sent as a string
			} else {
				m["value"] = json.Number(o.Value)
			}
		default:
			m["value"] = o.Value
		}
		if o.Focused {
			m["focused"] = true
		}
		options = append(options, m)
	}
	return options
}

func (s *Server) commandData(p Place, name string, opts []Opt) map[string]any {
	options := optionObjects(opts)
	s.mu.Lock()
	data := map[string]any{"id": s.commandID(p.GuildID, name), "name": name, "type": int(discordgo.ChatApplicationCommand), "options": options}
	s.mu.Unlock()
	if p.GuildID != "" {
		data["guild_id"] = p.GuildID
	}
	return data
}

// Command dispatches a slash command, /name with options, run by u in p.
func (s *Server) Command(p Place, u User, name string, opts ...Opt) Interaction {
	return s.interaction(p, u, discordgo.InteractionApplicationCommand, s.commandData(p, name, opts), nil)
}

// Autocomplete dispatches an autocomplete request while u types /name; one option
// should be Focused.
func (s *Server) Autocomplete(p Place, u User, name string, opts ...Opt) Interaction {
	return s.interaction(p, u, discordgo.InteractionApplicationCommandAutocomplete, s.commandData(p, name, opts), nil)
}

// botMessage is a message of the bot's carrying the component that was used.
func (s *Server) botMessage(p Place, component map[string]any) map[string]any {
	s.mu.Lock()
	id := s.nextID()
	s.mu.Unlock()
	m := map[string]any{
		"type": 0, "tts": false, "timestamp": time.Now().UTC().Format(timeLayout), "pinned": false,
		"mentions": []any{}, "mention_roles": []any{}, "mention_everyone": false, "id": id, "flags": 0,
		"embeds": []any{}, "edited_timestamp": nil, "content": "", "channel_id": p.ChannelID,
		"author": userObject(s.BotUser), "attachments": []any{}, "application_id": s.AppID,
		"components": []any{map[string]any{"type": 1, "id": 1, "components": []any{component}}},
	}
	return m
}

// Button dispatches a press by u of the button customID on a message of the bot's.
func (s *Server) Button(p Place, u User, customID string) Interaction {
	button := map[string]any{"type": int(discordgo.ButtonComponent), "id": 2, "style": int(discordgo.PrimaryButton), "label": "Button", "custom_id": customID}
	data := map[string]any{"custom_id": customID, "component_type": int(discordgo.ButtonComponent), "id": 2}
	return s.interaction(p, u, discordgo.InteractionMessageComponent, data, s.botMessage(p, button))
}

// Select dispatches u's choice of values in the select menu customID.
func (s *Server) Select(p Place, u User, customID string, values ...string) Interaction {
	options := make([]any, 0, len(values))
	for _, v := range values {
		options = append(options, map[string]any{"label": v, "value": v})
	}
	menu := map[string]any{"type": int(discordgo.SelectMenuComponent), "id": 2, "custom_id": customID, "options": options, "min_values": 1, "max_values": 1}
	data := map[string]any{"custom_id": customID, "component_type": int(discordgo.SelectMenuComponent), "values": values, "id": 2}
	return s.interaction(p, u, discordgo.InteractionMessageComponent, data, s.botMessage(p, menu))
}

// SubmitModal dispatches u's submission of a modal the bot opened (a callback of
// response type 9, as recorded in Sent.Modal). Like Discord, it sends every text input:
// with the value in values when there is one, else with the value the bot prefilled.
func (s *Server) SubmitModal(p Place, u User, modal *Modal, values map[string]string) Interaction {
	rows := []any{}
	customID := ""
	if modal != nil {
		customID = modal.CustomID
		for i, in := range modal.Inputs {
			v, ok := values[in.CustomID]
			if !ok {
				v = in.Value
			}
			rows = append(rows, map[string]any{"type": int(discordgo.ActionsRowComponent), "id": 2*i + 1, "components": []any{
				map[string]any{"type": int(discordgo.TextInputComponent), "id": 2*i + 2, "custom_id": in.CustomID, "value": v},
			}})
		}
	}
	data := map[string]any{"custom_id": customID, "components": rows}
	return s.interaction(p, u, discordgo.InteractionModalSubmit, data, nil)
}

// Message dispatches MESSAGE_CREATE: u writes content in p, mentioning mentions (put
// Mention(u) in content for each, as Discord clients do). It returns the message id.
//
// Like Discord, it honours the bot's intents: no guild messages without the Guild
// Messages intent, no DMs without Direct Messages, and, without the privileged Message
// Content intent, guild messages that do not mention the bot arrive with empty content,
// embeds, attachments and components. Before the bot has identified, messages are
// kept whole.
func (s *Server) Message(p Place, u User, content string, mentions ...User) string {
	s.mu.Lock()
	id := s.nextID()
	s.mu.Unlock()
	ms := make([]any, 0, len(mentions))
	mentioned := false
	for _, m := range mentions {
		o := userObject(m)
		if p.GuildID != "" {
			o["member"] = memberObject(nil, false)
		}
		ms = append(ms, o)
		mentioned = mentioned || m.ID == s.BotUser.ID
	}
	d := map[string]any{
		"type": 0, "tts": false, "timestamp": time.Now().UTC().Format(timeLayout), "pinned": false, "nonce": id,
		"mentions": ms, "mention_roles": []any{}, "mention_everyone": strings.Contains(content, "@everyone"),
		"id": id, "flags": 0, "embeds": []any{}, "edited_timestamp": nil, "content": content, "components": []any{},
		"channel_id": p.ChannelID, "author": userObject(u), "attachments": []any{},
	}
	need := discordgo.IntentsDirectMessages
	if p.GuildID != "" {
		d["guild_id"] = p.GuildID
		d["member"] = memberObject(nil, false)
		need = discordgo.IntentsGuildMessages
	} else {
		d["channel_type"] = 1
	}
	s.mu.Lock()
	intents, known := discordgo.Intent(0), s.session != nil
	if known {
		intents = s.session.intents
	}
	s.mu.Unlock()
	if known && intents&need == 0 {
		return id // not subscribed: Discord sends nothing
	}
	if known && p.GuildID != "" && !mentioned && u.ID != s.BotUser.ID && intents&discordgo.IntentsMessageContent == 0 {
		d["content"], d["embeds"], d["attachments"], d["components"] = "", []any{}, []any{}, []any{}
	}
	s.Dispatch("MESSAGE_CREATE", d)
	return id
}
