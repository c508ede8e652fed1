package main

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"unicode"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/telegram"
)

// defaultQuestionsPerMinute is each Telegram user's allowance when
// TELEGRAM_QUESTIONS_PER_MINUTE is unset.
const defaultQuestionsPerMinute = 10

// newTelegram builds the Telegram adapter from TELEGRAM_* variables, or returns nil
// when TELEGRAM_TOKEN is unset:
//
//	TELEGRAM_TOKEN                 the bot's token (required to enable Telegram)
//	TELEGRAM_API_ENDPOINT          Bot API URL format, default https://api.telegram.org/bot%s/%s
//	TELEGRAM_QUESTIONS_PER_MINUTE  per-user limit, default 10; 0 for none
//	TELEGRAM_WEBHOOK_ADDR          listen address; set to receive updates on a webhook
//	TELEGRAM_WEBHOOK_PATH          webhook path, default /telegram/webhook
//	TELEGRAM_WEBHOOK_SECRET        secret token Telegram must send (required for webhooks)
//	TELEGRAM_WEBHOOK_URL           public base URL to register with setWebhook
//	TELEGRAM_MODERATORS            Telegram user ids that may edit the FAQ, comma-separated
//
// The /faq_* commands need telegram.WithModeration and telegram.WithReports.
func newTelegram(getenv func(string) string, log *slog.Logger, opts ...telegram.Option) (bot.Adapter, error) {
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
	// Checked before connecting, so that a mistyped id stops the start rather than a
	// moderator.
	mods, err := telegramModerators(getenv)
	if err != nil {
		return nil, err
	}
	opts = append([]telegram.Option{telegram.WithLogger(log), telegram.WithModerators(mods.TelegramUsers...)}, opts...)
	a, err := telegram.New(cfg, opts...)
	if err != nil {
		return nil, err // a nil *telegram.Adapter in a bot.Adapter would not be nil
	}
	return a, nil
}

// telegramModerators reads TELEGRAM_MODERATORS, Telegram user ids separated by commas
// or spaces, into the Telegram part of bot.Moderators.
func telegramModerators(getenv func(string) string) (bot.Moderators, error) {
	var m bot.Moderators
	for _, id := range strings.FieldsFunc(getenv("TELEGRAM_MODERATORS"), func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
		if n, err := strconv.ParseInt(id, 10, 64); err != nil || n <= 0 {
			return bot.Moderators{}, fmt.Errorf("TELEGRAM_MODERATORS: %q is not a Telegram user id (a positive number, not a @username)", id)
		}
		m.TelegramUsers = append(m.TelegramUsers, id)
	}
	return m, nil
}
