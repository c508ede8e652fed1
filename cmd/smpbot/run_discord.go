package main

import (
	"log/slog"

	"github.com/smpbot/smpbot/bot"
)

// discordFromEnv builds the Discord adapter from DISCORD_* variables, or returns nil
// when DISCORD_TOKEN is unset.
func discordFromEnv(getenv func(string) string, log *slog.Logger) (bot.Adapter, error) {
	return nil, nil // replaced by the Discord adapter
}
