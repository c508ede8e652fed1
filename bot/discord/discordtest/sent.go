package discordtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// How a Sent message reached the fake.
const (
	ViaCallback = "callback" // POST /interactions/{id}/{token}/callback
	ViaEdit     = "edit"     // PATCH /webhooks/{app}/{token}/messages/{id}
	ViaFollowup = "followup" // POST /webhooks/{app}/{token}
	ViaChannel  = "channel"  // POST /channels/{id}/messages
)

// Sent is a message (or interaction response) the fake accepted from the bot.
type Sent struct {
	Request Request
	Via     string
	// InteractionID is set for callbacks, InteractionToken for callbacks, edits and
	// follow-ups, ChannelID for channel messages.
	InteractionID    string
	InteractionToken string
	ChannelID        string
	// ResponseType is the interaction response type of a callback.
	ResponseType discordgo.InteractionResponseType
	// Message holds what was sent: content, embeds, components, flags, reference.
	Message discordgo.Message
	// AllowedMentions is the allowed_mentions object exactly as sent (nil when absent),
	// so that "parse": [] and a missing or null field can be told apart.
	AllowedMentions json.RawMessage
	// Choices are an autocomplete result's choices.
	Choices []*discordgo.ApplicationCommandOptionChoice
	// Modal is the modal a callback of response type 9 opened.
	Modal *Modal
	// Original is set on the edit or follow-up that replaced a deferral's "thinking"
	// message; a follow-up doing so has the deferral's flags, not its own.
	Original bool
}

// Modal is a form the bot opened: its custom id, title and text inputs in order.
type Modal struct {
	CustomID string
	Title    string
	Inputs   []discordgo.TextInput
	// Rows holds, for each top-level component, how many text inputs it holds (-1 when
	// it is not an action row of text inputs only).
	Rows []int
}

// Input returns the text input with the custom id, and whether there is one.
func (m *Modal) Input(customID string) (discordgo.TextInput, bool) {
	if m == nil {
		return discordgo.TextInput{}, false
	}
	for _, in := range m.Inputs {
		if in.CustomID == customID {
			return in, true
		}
	}
	return discordgo.TextInput{}, false
}

// Ephemeral reports whether the message is visible only to the person who acted.
func (s Sent) Ephemeral() bool { return s.Message.Flags&discordgo.MessageFlagsEphemeral != 0 }

// Deferred reports whether a callback only acknowledged the interaction.
func (s Sent) Deferred() bool {
	return s.ResponseType == discordgo.InteractionResponseDeferredChannelMessageWithSource ||
		s.ResponseType == discordgo.InteractionResponseDeferredMessageUpdate
}

// CustomIDs lists the custom ids of the message's buttons and select menus, in order.
func (s Sent) CustomIDs() []string {
	var ids []string
	for _, row := range s.Message.Components {
		r, ok := row.(*discordgo.ActionsRow)
		if !ok {
			continue
		}
		for _, c := range r.Components {
			switch c := c.(type) {
			case *discordgo.Button:
				ids = append(ids, c.CustomID)
			case *discordgo.SelectMenu:
				ids = append(ids, c.CustomID)
			}
		}
	}
	return ids
}

// Buttons lists the message's buttons, in order.
func (s Sent) Buttons() []*discordgo.Button {
	var bs []*discordgo.Button
	for _, row := range s.Message.Components {
		if r, ok := row.(*discordgo.ActionsRow); ok {
			for _, c := range r.Components {
				if b, ok := c.(*discordgo.Button); ok {
					bs = append(bs, b)
				}
			}
		}
	}
	return bs
}

// CheckNoPings returns an error unless the message carries allowed_mentions that allow
// no mention at all: "parse" an empty list, no users or roles, replied_user false.
func (s Sent) CheckNoPings() error {
	if len(s.AllowedMentions) == 0 {
		return errors.New("no allowed_mentions: Discord would parse every mention in the content")
	}
	var am struct {
		Parse       *[]string `json:"parse"`
		Users       []string  `json:"users"`
		Roles       []string  `json:"roles"`
		RepliedUser bool      `json:"replied_user"`
	}
	if err := json.Unmarshal(s.AllowedMentions, &am); err != nil {
		return fmt.Errorf("allowed_mentions %s: %w", s.AllowedMentions, err)
	}
	switch {
	case am.Parse == nil:
		return fmt.Errorf("allowed_mentions %s: parse missing or null", s.AllowedMentions)
	case len(*am.Parse) > 0, len(am.Users) > 0, len(am.Roles) > 0, am.RepliedUser:
		return fmt.Errorf("allowed_mentions %s allows pings", s.AllowedMentions)
	}
	return nil
}

// Sent returns every message the fake accepted so far.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// WaitSent waits for an accepted message matching match and returns the first one.
func (s *Server) WaitSent(ctx context.Context, match func(Sent) bool) (Sent, error) {
	var got Sent
	err := s.waitFor(ctx, func() bool {
		for _, m := range s.sent {
			if match(m) {
				got = m
				return true
			}
		}
		return false
	})
	return got, err
}

// Owns reports whether m answers the interaction (its callback, edits or follow-ups).
func (ix Interaction) Owns(m Sent) bool {
	return m.InteractionToken == ix.Token && ix.Token != ""
}

// InChannel matches channel messages sent to a channel.
func InChannel(channelID string) func(Sent) bool {
	return func(m Sent) bool { return m.Via == ViaChannel && m.ChannelID == channelID }
}

// WaitReply waits for the visible reply to an interaction: the callback's message, or,
// when the callback only deferred, the edit or follow-up that came after it. It returns
// the callback too.
func (s *Server) WaitReply(ctx context.Context, ix Interaction) (reply, callback Sent, err error) {
	callback, err = s.WaitSent(ctx, func(m Sent) bool { return ix.Owns(m) && m.Via == ViaCallback })
	if err != nil {
		return Sent{}, Sent{}, fmt.Errorf("waiting for the callback of interaction %s: %w", ix.ID, err)
	}
	if !callback.Deferred() {
		return callback, callback, nil
	}
	reply, err = s.WaitSent(ctx, func(m Sent) bool { return ix.Owns(m) && m.Via != ViaCallback })
	if err != nil {
		return Sent{}, callback, fmt.Errorf("waiting for the reply to deferred interaction %s: %w", ix.ID, err)
	}
	return reply, callback, nil
}

// CheckMessage returns Discord's objections to a message body, as sent to
// POST /channels/{id}/messages, or nil when Discord would accept it.
func CheckMessage(body []byte) error {
	s, err := parseSent(body, false)
	if err != nil {
		return err
	}
	return checkMessage(s, false)
}

// parseSent reads a message body, or an interaction callback's {"type", "data"}.
func parseSent(body []byte, callback bool) (Sent, error) {
	var sent Sent
	data := json.RawMessage(body)
	if callback {
		var cb struct {
			Type discordgo.InteractionResponseType `json:"type"`
			Data json.RawMessage                   `json:"data"`
		}
		if err := json.Unmarshal(body, &cb); err != nil {
			return sent, fmt.Errorf("callback body: %w", err)
		}
		sent.ResponseType = cb.Type
		data = cb.Data
	}
	if len(data) == 0 || string(data) == "null" {
		return sent, nil
	}
	if err := json.Unmarshal(data, &sent.Message); err != nil {
		return sent, fmt.Errorf("message body: %w", err)
	}
	var extra struct {
		AllowedMentions json.RawMessage                             `json:"allowed_mentions"`
		Choices         []*discordgo.ApplicationCommandOptionChoice `json:"choices"`
		CustomID        string                                      `json:"custom_id"`
		Title           string                                      `json:"title"`
	}
	if err := json.Unmarshal(data, &extra); err != nil {
		return sent, fmt.Errorf("message body: %w", err)
	}
	if sent.ResponseType == discordgo.InteractionResponseModal {
		sent.Modal = &Modal{CustomID: extra.CustomID, Title: extra.Title}
		for _, c := range sent.Message.Components {
			row, ok := c.(*discordgo.ActionsRow)
			if !ok {
				sent.Modal.Rows = append(sent.Modal.Rows, -1)
				continue
			}
			n := len(row.Components)
			for _, c := range row.Components {
				if in, ok := c.(*discordgo.TextInput); ok {
					sent.Modal.Inputs = append(sent.Modal.Inputs, *in)
				} else {
					n = -1
				}
			}
			sent.Modal.Rows = append(sent.Modal.Rows, n)
		}
	}
	if string(extra.AllowedMentions) != "null" {
		sent.AllowedMentions = extra.AllowedMentions
	}
	sent.Choices = extra.Choices
	return sent, nil
}

// Discord's limits on what a message may hold.
const (
	MaxContent          = 2000
	MaxEmbeds           = 10
	MaxEmbedTitle       = 256
	MaxEmbedDescription = 4096
	MaxEmbedFields      = 25
	MaxFieldName        = 256
	MaxFieldValue       = 1024
	MaxFooter           = 2048
	MaxEmbedTotal       = 6000
	MaxRows             = 5
	MaxRowButtons       = 5
	MaxButtonLabel      = 80
	MaxCustomID         = 100
	MaxSelectOptions    = 25
	MaxOptionText       = 100
	MaxChoices          = 25
	MaxChoiceText       = 100
)

func chars(s string) int { return utf8.RuneCountInString(s) }

// checkMessage refuses a message the way Discord does when it breaks a limit. An edit
// (partial) may leave everything out.
func checkMessage(s Sent, partial bool) error {
	m := s.Message
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if !partial && m.Content == "" && len(m.Embeds) == 0 && len(m.Components) == 0 {
		bad("cannot send an empty message")
	}
	if n := chars(m.Content); n > MaxContent {
		bad("content: %d characters, at most %d", n, MaxContent)
	}
	if len(m.Embeds) > MaxEmbeds {
		bad("embeds: %d, at most %d", len(m.Embeds), MaxEmbeds)
	}
	total := 0
	for i, e := range m.Embeds {
		check := func(what, v string, max int) {
			total += chars(v)
			if chars(v) > max {
				bad("embeds[%d].%s: %d characters, at most %d", i, what, chars(v), max)
			}
		}
		check("title", e.Title, MaxEmbedTitle)
		check("description", e.Description, MaxEmbedDescription)
		if e.Footer != nil {
			check("footer.text", e.Footer.Text, MaxFooter)
		}
		if e.Author != nil {
			check("author.name", e.Author.Name, MaxEmbedTitle)
		}
		if len(e.Fields) > MaxEmbedFields {
			bad("embeds[%d].fields: %d, at most %d", i, len(e.Fields), MaxEmbedFields)
		}
		for j, f := range e.Fields {
			if f.Name == "" || f.Value == "" {
				bad("embeds[%d].fields[%d]: name and value are required", i, j)
			}
			check(fmt.Sprintf("fields[%d].name", j), f.Name, MaxFieldName)
			check(fmt.Sprintf("fields[%d].value", j), f.Value, MaxFieldValue)
		}
	}
	if total > MaxEmbedTotal {
		bad("embeds: %d characters in all, at most %d", total, MaxEmbedTotal)
	}
	if len(m.Components) > MaxRows {
		bad("components: %d rows, at most %d", len(m.Components), MaxRows)
	}
	ids := map[string]bool{}
	customID := func(id string) {
		switch {
		case id == "":
			bad("components: custom_id is required")
		case chars(id) > MaxCustomID:
			bad("components: custom_id %q is over %d characters", id, MaxCustomID)
		case ids[id]:
			bad("components: custom_id %q is used twice", id)
		}
		ids[id] = true
	}
	for i, c := range m.Components {
		row, ok := c.(*discordgo.ActionsRow)
		if !ok {
			bad("components[%d]: top-level components must be action rows", i)
			continue
		}
		if len(row.Components) == 0 || len(row.Components) > MaxRowButtons {
			bad("components[%d]: %d components, 1 to %d allowed", i, len(row.Components), MaxRowButtons)
		}
		for _, c := range row.Components {
			switch c := c.(type) {
			case *discordgo.Button:
				if c.Label == "" || chars(c.Label) > MaxButtonLabel {
					bad("components[%d]: button label %q must have 1 to %d characters", i, c.Label, MaxButtonLabel)
				}
				if c.Style != discordgo.LinkButton {
					customID(c.CustomID)
				}
			case *discordgo.SelectMenu:
				if len(row.Components) != 1 {
					bad("components[%d]: a select menu must be alone in its row", i)
				}
				customID(c.CustomID)
				if len(c.Options) == 0 || len(c.Options) > MaxSelectOptions {
					bad("components[%d]: %d select options, 1 to %d allowed", i, len(c.Options), MaxSelectOptions)
				}
				values := map[string]bool{}
				for _, o := range c.Options {
					if o.Label == "" || chars(o.Label) > MaxOptionText || o.Value == "" || chars(o.Value) > MaxOptionText {
						bad("components[%d]: select option %q/%q must have 1 to %d characters", i, o.Label, o.Value, MaxOptionText)
					}
					if values[o.Value] {
						bad("components[%d]: select value %q is used twice", i, o.Value)
					}
					values[o.Value] = true
				}
			default:
				bad("components[%d]: unexpected component %T", i, c)
			}
		}
	}
	return errors.Join(errs...)
}

// Discord's limits on a modal.
const (
	MaxModalTitle  = 45
	MaxModalRows   = 5
	MaxInputLabel  = 45
	MaxPlaceholder = 100
	MaxInputLength = 4000
)

// checkModal refuses a modal the way Discord does: a title, one to five action rows
// of one text input each, labels, placeholders, lengths and custom ids within limits,
// a prefilled value that fits its bounds.
func checkModal(m *Modal) error {
	if m == nil {
		return errors.New("modal: no data")
	}
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if m.CustomID == "" || chars(m.CustomID) > MaxCustomID {
		bad("modal custom_id %q must have 1 to %d characters", m.CustomID, MaxCustomID)
	}
	if m.Title == "" || chars(m.Title) > MaxModalTitle {
		bad("modal title %q must have 1 to %d characters", m.Title, MaxModalTitle)
	}
	if len(m.Rows) == 0 || len(m.Rows) > MaxModalRows {
		bad("modal: %d components, 1 to %d allowed", len(m.Rows), MaxModalRows)
	}
	for i, n := range m.Rows {
		if n != 1 {
			bad("modal components[%d]: must be an action row holding one text input", i)
		}
	}
	ids := map[string]bool{}
	for i, in := range m.Inputs {
		switch {
		case in.CustomID == "" || chars(in.CustomID) > MaxCustomID:
			bad("modal input %d: custom_id %q must have 1 to %d characters", i, in.CustomID, MaxCustomID)
		case ids[in.CustomID]:
			bad("modal input %d: custom_id %q is used twice", i, in.CustomID)
		}
		ids[in.CustomID] = true
		if in.Label == "" || chars(in.Label) > MaxInputLabel {
			bad("modal input %d: label %q must have 1 to %d characters", i, in.Label, MaxInputLabel)
		}
		if in.Style != discordgo.TextInputShort && in.Style != discordgo.TextInputParagraph {
			bad("modal input %d: style %d", i, in.Style)
		}
		if chars(in.Placeholder) > MaxPlaceholder {
			bad("modal input %d: placeholder over %d characters", i, MaxPlaceholder)
		}
		if in.MinLength < 0 || in.MinLength > MaxInputLength || in.MaxLength < 0 || in.MaxLength > MaxInputLength ||
			(in.MaxLength > 0 && in.MinLength > in.MaxLength) {
			bad("modal input %d: min_length %d, max_length %d out of range", i, in.MinLength, in.MaxLength)
		}
		limit := MaxInputLength
		if in.MaxLength > 0 {
			limit = in.MaxLength
		}
		if chars(in.Value) > limit {
			bad("modal input %d: value of %d characters, at most %d", i, chars(in.Value), limit)
		}
	}
	return errors.Join(errs...)
}

func checkChoices(cs []*discordgo.ApplicationCommandOptionChoice) error {
	if len(cs) > MaxChoices {
		return fmt.Errorf("choices: %d, at most %d", len(cs), MaxChoices)
	}
	for _, c := range cs {
		v, _ := c.Value.(string)
		if c.Name == "" || chars(c.Name) > MaxChoiceText || chars(v) > MaxChoiceText {
			return fmt.Errorf("choice %q/%q must have 1 to %d characters", c.Name, v, MaxChoiceText)
		}
	}
	return nil
}
