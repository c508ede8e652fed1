package main

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/telegram"
)

// defaultQuestionsPerMinute is each Telegram user's allowance when
// TELEGRAM_QUESTIONS_PER_MINUTE is unset.
const defaultQuestionsPerMinute = 10

// telegramFromEnv builds the Telegram adapter from TELEGRAM_* variables, or returns nil
// when TELEGRAM_TOKEN is unset:
//
//	TELEGRAM_TOKEN                 the bot's token (required to enable Telegram)
//	TELEGRAM_API_ENDPOINT          Bot API URL format, default https://api.telegram.org/bot%s/%s
//	TELEGRAM_QUESTIONS_PER_MINUTE  per-user limit, default 10; 0 for none
//	TELEGRAM_WEBHOOK_ADDR          listen address; set to receive updates on a webhook
//	TELEGRAM_WEBHOOK_PATH          webhook path, default /telegram/webhook
//	TELEGRAM_WEBHOOK_SECRET        secret token Telegram must send (required for webhooks)
//	TELEGRAM_WEBHOOK_URL           public base URL to register with setWebhook
func telegramFromEnv(getenv func(string) string, log *slog.Logger) (bot.Adapter, error) {
	token := strings.TrimSpace(getenv("TELEGRAM_TOKEN"))
	if token == "" {
		return nil, nil
	}
	cfg := telegram.Config{
		Token:       token,
		APIEndpoint: strings.TrimSpace(getenv("TELEGRAM_API_ENDPOINT")),
		Webhook: telegram.Webhook{
			ListenAddr:  strings.TrimSpace(getenv("TELEGRAM_WEBHOOK_ADDR")),
			Path:        strings.TrimSpace(getenv("TELEGRAM_WEBHOOK_PATH")),
			SecretToken: strings.TrimSpace(getenv("TELEGRAM_WEBHOOK_SECRET")),
			PublicURL:   strings.TrimSpace(getenv("TELEGRAM_WEBHOOK_URL")),
		},
		QuestionsPerMinute: defaultQuestionsPerMinute,
	}
	if v := strings.TrimSpace(getenv("TELEGRAM_QUESTIONS_PER_MINUTE")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("TELEGRAM_QUESTIONS_PER_MINUTE=%q: want a whole number, 0 for no limit", v)
		}
		cfg.QuestionsPerMinute = n
	}
	if cfg.Webhook.ListenAddr == "" && (cfg.Webhook.SecretToken != "" || cfg.Webhook.PublicURL != "") {
		return nil, fmt.Errorf("TELEGRAM_WEBHOOK_SECRET or TELEGRAM_WEBHOOK_URL is set without TELEGRAM_WEBHOOK_ADDR")
	}
	a, err := telegram.New(cfg, telegram.WithLogger(log))
	if err != nil {
		return nil, err
	}
	return a, nil
}
