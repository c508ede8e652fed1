package discordtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Clock is the fake's sense of time: it decides when interaction tokens expire and
// when the global rate limit's window moves on. Tests inject a ManualClock so that
// they need not wait three seconds, let alone fifteen minutes.
type Clock interface {
	Now() time.Time
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// ManualClock is a Clock that moves only when told to. The zero value is not ready;
// use NewManualClock.
type ManualClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewManualClock returns a clock standing at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{t: t} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// WithClock replaces the wall clock the fake judges deadlines and rates by. A
// ManualClock that is never advanced keeps every interaction token valid, for tests
// where a slow machine could otherwise miss Discord's 3 seconds.
func WithClock(c Clock) Option { return func(s *Server) { s.clock = c } }

// Discord's deadlines for answering an interaction.
const (
	// InitialResponseDeadline is how long after an interaction is created its first
	// response (the callback) is accepted.
	InitialResponseDeadline = 3 * time.Second
	// TokenLifetime is how long its token accepts edits and follow-ups.
	TokenLifetime = 15 * time.Minute
)

// Privileged gateway intents: requesting one the application was not approved for
// closes the connection with 4014.
const PrivilegedIntents = discordgo.IntentsGuildMembers | discordgo.IntentsGuildPresences | discordgo.IntentsMessageContent

// WithPrivilegedIntents approves privileged intents for the application (none by
// default, as for a new application).
func WithPrivilegedIntents(i discordgo.Intent) Option {
	return func(s *Server) { s.approved = i }
}

// WithGlobalRateLimit sets how many requests a second the bot may make before the
// fake answers with global 429s (default 50, as Discord). Interaction callbacks, edits
// and follow-ups are exempt, as on Discord. Zero or less turns the limit off.
func WithGlobalRateLimit(perSecond int) Option { return func(s *Server) { s.globalLimit = perSecond } }

// DenyPermissions takes permissions (discordgo.Permission* bits) away from the bot in
// a guild channel, as a channel overwrite would. Sending a message there then needs
// Send Messages, a reply Read Message History and embeds Embed Links; Discord answers
// 403 with code 50013 (Missing Permissions) otherwise. Interactions from the channel
// carry the reduced app_permissions, but their responses need none of these: they go
// through the interaction's webhook. DM channels have no permissions to take.
func (s *Server) DenyPermissions(channelID string, perms int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denied[channelID] |= perms
}

// botPermissions is what the bot may do in a channel; s.mu must be held.
func (s *Server) botPermissions(channelID string) int64 {
	return allPermissions &^ s.denied[channelID]
}

// isDM reports whether a channel is a DM channel; s.mu must be held.
func (s *Server) isDM(channelID string) bool {
	for _, ch := range s.dms {
		if ch == channelID {
			return true
		}
	}
	return false
}

// missingPermission names the first permission a channel message lacks, or "".
func (s *Server) missingPermission(channelID string, sent Sent) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.isDM(channelID) {
		return ""
	}
	have := s.botPermissions(channelID)
	switch {
	case have&discordgo.PermissionViewChannel == 0:
		return "View Channel"
	case have&discordgo.PermissionSendMessages == 0:
		return "Send Messages"
	case sent.Message.MessageReference != nil && have&discordgo.PermissionReadMessageHistory == 0:
		return "Read Message History"
	case len(sent.Message.Embeds) > 0 && have&discordgo.PermissionEmbedLinks == 0:
		// Discord refuses a message of embeds alone; with content, it may drop the
		// embeds instead. Either way the answer does not arrive as sent.
		return "Embed Links"
	}
	return ""
}

// globalLimited reports whether a request breaks the global rate limit, and how long
// until it would not; it counts the request when it does not.
func (s *Server) globalLimited(path string) (bool, time.Duration) {
	if s.globalLimit <= 0 || exemptFromGlobal(path) {
		return false, 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	keep := s.recent[:0]
	for _, t := range s.recent {
		if now.Sub(t) < time.Second {
			keep = append(keep, t)
		}
	}
	s.recent = keep
	if len(s.recent) >= s.globalLimit {
		return true, s.recent[0].Add(time.Second).Sub(now)
	}
	s.recent = append(s.recent, now)
	return false, 0
}

// Limits on application commands.
const (
	MaxCommands           = 100
	MaxCommandName        = 32
	MaxCommandDescription = 100
	MaxCommandOptions     = 25
	MaxCommandChoices     = 25
	MaxCommandText        = 4000 // names, descriptions and choices of one command together
	MaxOptionLength       = 6000 // max_length and min_length of a string option
)

// commandName is what Discord accepts as a chat command or option name (lower case
// letters, digits, - and _, and ' in some scripts).
var commandName = regexp.MustCompile(`^[-_'\p{L}\p{N}]{1,32}$`)

// checkCommands refuses a bulk overwrite the way Discord does.
func checkCommands(cmds []*discordgo.ApplicationCommand) error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if len(cmds) > MaxCommands {
		bad("%d commands, at most %d", len(cmds), MaxCommands)
	}
	names := map[string]bool{}
	for i, c := range cmds {
		if c == nil {
			bad("commands[%d]: null", i)
			continue
		}
		typ := c.Type
		if typ == 0 {
			typ = discordgo.ChatApplicationCommand
		}
		where := fmt.Sprintf("commands[%d] (%q)", i, c.Name)
		key := strconv.Itoa(int(typ)) + "/" + c.Name
		if names[key] {
			bad("%s: the name is used twice", where)
		}
		names[key] = true
		switch typ {
		case discordgo.ChatApplicationCommand:
			checkName(bad, where, c.Name)
			if n := chars(c.Description); n < 1 || n > MaxCommandDescription {
				bad("%s: description must have 1 to %d characters, has %d", where, MaxCommandDescription, n)
			}
			checkOptions(bad, where, c.Options, 0)
		case discordgo.UserApplicationCommand, discordgo.MessageApplicationCommand:
			if n := chars(c.Name); n < 1 || n > MaxCommandName {
				bad("%s: name must have 1 to %d characters", where, MaxCommandName)
			}
			if c.Description != "" || len(c.Options) > 0 {
				bad("%s: user and message commands take no description or options", where)
			}
		default:
			bad("%s: unknown command type %d", where, typ)
		}
		if c.Contexts != nil {
			seen := map[discordgo.InteractionContextType]bool{}
			for _, ctx := range *c.Contexts {
				if ctx > discordgo.InteractionContextPrivateChannel || seen[ctx] {
					bad("%s: contexts %v: each of 0, 1, 2 at most once", where, *c.Contexts)
					break
				}
				seen[ctx] = true
			}
		}
		for _, it := range deref(c.IntegrationTypes) {
			if it != discordgo.ApplicationIntegrationGuildInstall && it != discordgo.ApplicationIntegrationUserInstall {
				bad("%s: integration type %d", where, it)
			}
		}
		if n := commandText(c); n > MaxCommandText {
			bad("%s: %d characters of names, descriptions and choices, at most %d", where, n, MaxCommandText)
		}
	}
	return errors.Join(errs...)
}

func checkName(bad func(string, ...any), where, name string) {
	if !commandName.MatchString(name) || strings.ToLower(name) != name {
		bad("%s: name %q must be 1 to %d lower case letters, digits, - or _", where, name, MaxCommandName)
	}
}

// checkOptions checks one level of options; depth 0 is the command's own.
func checkOptions(bad func(string, ...any), where string, opts []*discordgo.ApplicationCommandOption, depth int) {
	if len(opts) > MaxCommandOptions {
		bad("%s: %d options, at most %d", where, len(opts), MaxCommandOptions)
	}
	names := map[string]bool{}
	optional, subs, values := false, 0, 0
	for i, o := range opts {
		if o == nil {
			bad("%s: options[%d]: null", where, i)
			continue
		}
		w := fmt.Sprintf("%s.options[%d] (%q)", where, i, o.Name)
		checkName(bad, w, o.Name)
		if names[o.Name] {
			bad("%s: the name is used twice", w)
		}
		names[o.Name] = true
		if n := chars(o.Description); n < 1 || n > MaxCommandDescription {
			bad("%s: description must have 1 to %d characters, has %d", w, MaxCommandDescription, n)
		}
		switch o.Type {
		case discordgo.ApplicationCommandOptionSubCommandGroup:
			subs++
			if depth > 0 {
				bad("%s: a subcommand group must be at the top", w)
			}
			for _, sub := range o.Options {
				if sub != nil && sub.Type != discordgo.ApplicationCommandOptionSubCommand {
					bad("%s: a subcommand group holds only subcommands", w)
				}
			}
			checkOptions(bad, w, o.Options, depth+1)
		case discordgo.ApplicationCommandOptionSubCommand:
			subs++
			if depth > 1 {
				bad("%s: subcommands nest at most two deep", w)
			}
			for _, sub := range o.Options {
				if sub != nil && (sub.Type == discordgo.ApplicationCommandOptionSubCommand || sub.Type == discordgo.ApplicationCommandOptionSubCommandGroup) {
					bad("%s: a subcommand cannot hold subcommands", w)
				}
			}
			checkOptions(bad, w, o.Options, depth+1)
		case discordgo.ApplicationCommandOptionString, discordgo.ApplicationCommandOptionInteger, discordgo.ApplicationCommandOptionBoolean,
			discordgo.ApplicationCommandOptionUser, discordgo.ApplicationCommandOptionChannel, discordgo.ApplicationCommandOptionRole,
			discordgo.ApplicationCommandOptionMentionable, discordgo.ApplicationCommandOptionNumber, discordgo.ApplicationCommandOptionAttachment:
			values++
			if o.Required && optional {
				bad("%s: required options must come before optional ones", w)
			}
			optional = optional || !o.Required
			if o.Autocomplete && len(o.Choices) > 0 {
				bad("%s: autocomplete and choices exclude each other", w)
			}
			if o.Autocomplete && o.Type != discordgo.ApplicationCommandOptionString && o.Type != discordgo.ApplicationCommandOptionInteger && o.Type != discordgo.ApplicationCommandOptionNumber {
				bad("%s: only string, integer and number options autocomplete", w)
			}
			if len(o.Choices) > MaxCommandChoices {
				bad("%s: %d choices, at most %d", w, len(o.Choices), MaxCommandChoices)
			}
			for _, c := range o.Choices {
				v, isString := c.Value.(string)
				if n := chars(c.Name); n < 1 || n > MaxChoiceText || (isString && chars(v) > MaxChoiceText) {
					bad("%s: choice %q must have a name of 1 to %d characters and a value of at most %d", w, c.Name, MaxChoiceText, MaxChoiceText)
				}
			}
			if o.MinLength != nil && (*o.MinLength < 0 || *o.MinLength > MaxOptionLength) {
				bad("%s: min_length %d, 0 to %d allowed", w, *o.MinLength, MaxOptionLength)
			}
			if o.MaxLength != 0 && (o.MaxLength < 1 || o.MaxLength > MaxOptionLength) {
				bad("%s: max_length %d, 1 to %d allowed", w, o.MaxLength, MaxOptionLength)
			}
			if (o.MinLength != nil || o.MaxLength != 0) && o.Type != discordgo.ApplicationCommandOptionString {
				bad("%s: min_length and max_length apply to string options only", w)
			}
		default:
			bad("%s: unknown option type %d", w, o.Type)
		}
	}
	if subs > 0 && values > 0 {
		bad("%s: subcommands and other options cannot be mixed", where)
	}
}

// commandText counts what Discord counts against a command's 4000 characters.
func commandText(c *discordgo.ApplicationCommand) int {
	n := chars(c.Name) + chars(c.Description)
	var walk func([]*discordgo.ApplicationCommandOption)
	walk = func(opts []*discordgo.ApplicationCommandOption) {
		for _, o := range opts {
			if o == nil {
				continue
			}
			n += chars(o.Name) + chars(o.Description)
			for _, ch := range o.Choices {
				n += chars(ch.Name)
				if v, ok := ch.Value.(string); ok {
					n += chars(v)
				}
			}
			walk(o.Options)
		}
	}
	walk(c.Options)
	return n
}

func deref[T any](p *[]T) []T {
	if p == nil {
		return nil
	}
	return *p
}

// WithLatency delays every REST answer by d, like the round trip to a distant Discord,
// so that what a bot does while waiting for an answer shows.
func WithLatency(d time.Duration) Option { return func(s *Server) { s.latency = d } }

// Hold keeps requests matching method and path (a substring of the URL path; empty
// matches all) unanswered until release is called, so that a test can see which
// requests a bot makes at the same time (WaitHeld).
func (s *Server) Hold(method, path string) (release func()) {
	h := &hold{method: method, path: path, released: make(chan struct{})}
	s.mu.Lock()
	s.holds = append(s.holds, h)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		for i, x := range s.holds {
			if x == h {
				s.holds = append(s.holds[:i], s.holds[i+1:]...)
				break
			}
		}
		s.mu.Unlock()
		h.release()
	}
}

func (h *hold) release() { h.once.Do(func() { close(h.released) }) }

// WaitHeld waits until at least n requests are waiting in holds at the same time.
func (s *Server) WaitHeld(ctx context.Context, n int) error {
	return s.waitFor(ctx, func() bool { return s.held >= n })
}

// WaitNoneHeld waits until no request is waiting in a hold: each was released or its
// client went away. A client that exits is noticed only when the server reads the
// closed connection, after the process is gone, so a test that releases holds once a
// bot has exited waits here first, lest a request whose client left be answered.
func (s *Server) WaitNoneHeld(ctx context.Context) error {
	return s.waitFor(ctx, func() bool { return s.held == 0 })
}

// wait delays a request by the latency and any hold matching it.
func (s *Server) wait(r *http.Request) {
	s.mu.Lock()
	var h *hold
	for _, x := range s.holds {
		if (x.method == "" || x.method == r.Method) && strings.Contains(r.URL.Path, x.path) {
			h = x
			break
		}
	}
	if h != nil {
		s.held++
		s.notify()
	}
	s.mu.Unlock()
	if h != nil {
		select {
		case <-h.released:
		case <-r.Context().Done():
		}
		s.mu.Lock()
		s.held--
		s.notify()
		s.mu.Unlock()
	}
	if s.latency > 0 {
		select {
		case <-time.After(s.latency):
		case <-r.Context().Done():
		}
	}
}
