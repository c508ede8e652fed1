package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "smpbot.toml")
	os.WriteFile(file, []byte(`
data = "/from/file"
[log]
level = "warn"
format = "json"
[telegram]
token = "file-token-123456"
questions_per_minute = 3
moderators = ["1", "2"]
[discord]
shard_count = 4
`), 0o644)
	env := map[string]string{"SMPBOT_LOG_LEVEL": "error", "TELEGRAM_QUESTIONS_PER_MINUTE": "7"}
	flagLevel, flagData := "debug", ""
	cfg, err := loadConfig(file, func(k string) string { return env[k] }, map[string]*string{"SMPBOT_LOG_LEVEL": &flagLevel, "SMPBOT_DATA": &flagData})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ env, want string }{
		{"SMPBOT_DATA", "/from/file"},             // file; an empty flag does not override
		{"SMPBOT_LOG_LEVEL", "debug"},             // flag over environment over file
		{"SMPBOT_LOG_FORMAT", "json"},             // file over default
		{"TELEGRAM_QUESTIONS_PER_MINUTE", "7"},    // environment over file
		{"TELEGRAM_TOKEN", "file-token-123456"},   // file
		{"TELEGRAM_MODERATORS", "1,2"},            // lists become comma-separated
		{"DISCORD_SHARD_COUNT", "4"},              // numbers
		{"SMPBOT_ADMIN_LISTEN", "127.0.0.1:9090"}, // default
		{"DISCORD_QUESTIONS_PER_MINUTE", "10"},    // default
	}
	for _, tt := range tests {
		if got := cfg.Get(tt.env); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.env, got, tt.want)
		}
	}
	var out bytes.Buffer
	cfg.Write(&out)
	if strings.Contains(out.String(), "file-token-123456") || !strings.Contains(out.String(), "<redacted>") {
		t.Errorf("config check output shows the token:\n%s", out.String())
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct{ name, toml, want string }{
		{"unknown key", "[telegram]\ntokn = \"x\"\n", `unknown key "telegram.tokn"`},
		{"unknown section", "[slack]\ntoken = \"x\"\n", `unknown key "slack.token"`},
		{"bad level", "[log]\nlevel = \"loud\"\n", `log.level`},
		{"bad duration", "[shutdown]\ngrace = \"soon\"\n", `not a duration`},
		{"bad number", "[discord]\nshard_id = \"first\"\n", `not a whole number`},
		{"bad toml", "data = \n", `config`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "c.toml")
			os.WriteFile(file, []byte(tt.toml), 0o644)
			_, err := loadConfig(file, func(string) string { return "" }, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("loadConfig = %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
	if _, err := loadConfig("", func(k string) string {
		if k == "SMPBOT_ANSWER_CONFIDENCE" {
			return "2"
		}
		return ""
	}, nil); err == nil || !strings.Contains(err.Error(), "from environment") {
		t.Errorf("a bad environment value: %v", err)
	}
	if _, err := loadConfig("/no/such/file.toml", func(string) string { return "" }, nil); err == nil {
		t.Error("a missing config file was accepted")
	}
}

func TestExampleConfigIsValid(t *testing.T) {
	code, out, errs := runCLI(t, "", "config", "check", "--config", "../../deploy/smpbot.example.toml")
	if code != 0 || !strings.Contains(out, "configuration is valid") || !strings.Contains(out, "/var/lib/smpbot") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
}

func TestLoggerRedactsSecrets(t *testing.T) {
	var buf bytes.Buffer
	log := newLogger(&buf, "debug", "json", []string{"s3cret-token-value"})
	log.Info("calling https://api.example/bots3cret-token-value/getMe", "url", "x/s3cret-token-value/y",
		"err", os.ErrNotExist, slog.Group("g", "inner", "s3cret-token-value"))
	log.With("token", "s3cret-token-value").Warn("with attrs")
	if strings.Contains(buf.String(), "s3cret-token-value") {
		t.Errorf("a secret reached the log:\n%s", buf.String())
	}
	if strings.Count(buf.String(), "<redacted>") < 4 {
		t.Errorf("want the secret redacted in message, attrs, groups and With:\n%s", buf.String())
	}
}

// TestConfigRefusesWebhookURLTelegramRefuses: `config check` and `run` both load the
// configuration, so an http:// webhook or a port Telegram does not deliver to stops
// them with a clear message instead of a 400 from setWebhook at start.
func TestConfigRefusesWebhookURLTelegramRefuses(t *testing.T) {
	for _, tt := range []struct{ url, want string }{
		{"http://bot.example.com", "must be https://"},
		{"https://bot.example.com:8080", "ports 443, 80, 88 and 8443"},
		{"https://bot.example.com:8443", ""},
	} {
		env := map[string]string{"TELEGRAM_WEBHOOK_URL": tt.url}
		_, err := loadConfig("", func(k string) string { return env[k] }, nil)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("TELEGRAM_WEBHOOK_URL=%s: %v, want %q", tt.url, err, tt.want)
		}
	}
}
