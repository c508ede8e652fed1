package main

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/discord"
)

// discordFromEnv builds the Discord adapter from DISCORD_* variables, or returns nil
// when DISCORD_TOKEN is unset:
//
//	DISCORD_TOKEN                 the bot token (enables Discord)
//	DISCORD_GUILD_ID              register the slash commands in this guild only
//	DISCORD_API_BASE              replaces https://discord.com in REST URLs (a REST proxy)
//	DISCORD_SHARD_ID, _COUNT      this process's shard (default 0 of 1)
//	DISCORD_QUESTIONS_PER_MINUTE  per-user limit (default 10; 0 or negative for none)
func discordFromEnv(getenv func(string) string, log *slog.Logger) (bot.Adapter, error) {
	token := strings.TrimSpace(getenv("DISCORD_TOKEN"))
	if token == "" {
		return nil, nil
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
	a, err := discord.New(cfg, discord.WithLogger(log))
	if err != nil {
		return nil, err // a nil *discord.Adapter in a bot.Adapter would not be nil
	}
	return a, nil
}
