package main

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"unicode"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/discord"
)

// newDiscord builds the Discord adapter from DISCORD_* variables, or returns nil
// when DISCORD_TOKEN is unset:
//
//	DISCORD_TOKEN                 the bot token (enables Discord)
//	DISCORD_GUILD_ID              register the slash commands in this guild only
//	DISCORD_API_BASE              replaces https://discord.com in REST URLs (a REST proxy)
//	DISCORD_SHARD_ID, _COUNT      this process's shard (default 0 of 1)
//	DISCORD_QUESTIONS_PER_MINUTE  per-user limit (default 10; 0 or negative for none)
//	DISCORD_MODERATOR_USERS       user ids that may use /faq, comma-separated
//	DISCORD_MODERATOR_ROLES       role ids whose members may use /faq, comma-separated
//
// /faq needs discord.WithModeration and discord.WithReports.
func newDiscord(getenv func(string) string, log *slog.Logger, opts ...discord.Option) (bot.Adapter, error) {
	token := strings.TrimSpace(getenv("DISCORD_TOKEN"))
	if token == "" {
		return nil, nil
	}
	// Checked here too, so that a mistyped id stops the start rather than a moderator.
	if _, err := discordModerators(getenv); err != nil {
		return nil, err
	}
	cfg := discord.Config{
		Token:   token,
		GuildID: strings.TrimSpace(getenv("DISCORD_GUILD_ID")),
		APIBase: strings.TrimSpace(getenv("DISCORD_API_BASE")),
	}
	ints := []struct {
		name string
		dst  *int
	}{
		{"DISCORD_SHARD_ID", &cfg.ShardID},
		{"DISCORD_SHARD_COUNT", &cfg.ShardCount},
		{"DISCORD_QUESTIONS_PER_MINUTE", &cfg.QuestionsPerMinute},
	}
	for _, v := range ints {
		s := strings.TrimSpace(getenv(v.name))
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("%s=%q is not a whole number", v.name, s)
		}
		*v.dst = n
	}
	if cfg.QuestionsPerMinute == 0 && strings.TrimSpace(getenv("DISCORD_QUESTIONS_PER_MINUTE")) == "0" {
		cfg.QuestionsPerMinute = -1 // "0" written out means no limit, not the default
	}
	a, err := discord.New(cfg, append([]discord.Option{discord.WithLogger(log)}, opts...)...)
	if err != nil {
		return nil, err // a nil *discord.Adapter in a bot.Adapter would not be nil
	}
	return a, nil
}

// discordModerators reads DISCORD_MODERATOR_USERS and DISCORD_MODERATOR_ROLES, lists
// of Discord ids separated by commas or spaces, into the Discord part of
// bot.Moderators.
func discordModerators(getenv func(string) string) (bot.Moderators, error) {
	var m bot.Moderators
	for _, v := range []struct {
		name string
		dst  *[]string
	}{
		{"DISCORD_MODERATOR_USERS", &m.DiscordUsers},
		{"DISCORD_MODERATOR_ROLES", &m.DiscordRoles},
	} {
		for _, id := range strings.FieldsFunc(getenv(v.name), func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
			if _, err := strconv.ParseUint(id, 10, 64); err != nil {
				return bot.Moderators{}, fmt.Errorf("%s: %q is not a Discord id (a number: with Developer Mode on, right-click the user or role and copy its id)", v.name, id)
			}
			*v.dst = append(*v.dst, id)
		}
	}
	return m, nil
}
