package main

import (
	"log/slog"

	"github.com/smpbot/smpbot/bot"
)

// telegramFromEnv builds the Telegram adapter from TELEGRAM_* variables, or returns nil
// when TELEGRAM_TOKEN is unset.
func telegramFromEnv(getenv func(string) string, log *slog.Logger) (bot.Adapter, error) {
	return nil, nil // replaced by the Telegram adapter
}
