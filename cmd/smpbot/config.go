package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/smpbot/smpbot/bot/telegram"
)

// setting is one configuration value: its key in the TOML file, the environment
// variable that overrides the file, and the flag (if any) that overrides both.
type setting struct {
	key, env, flag string
	def            string
	secret         bool
	check          func(string) error
	help           string
}

// settings lists everything smpbot can be configured with. Adapters read their values
// by environment variable name through config.Get, so the file, the environment and
// the flags all reach them the same way.
var settings = []setting{
	{key: "data", env: "SMPBOT_DATA", flag: "data", help: "data directory: FAQ in DIR/faq, audit log, question log"},
	{key: "log.level", env: "SMPBOT_LOG_LEVEL", flag: "log-level", def: "info", check: oneOf("debug", "info", "warn", "error"), help: "debug logs question texts; info logs one line per answer without them"},
	{key: "log.format", env: "SMPBOT_LOG_FORMAT", flag: "log-format", def: "text", check: oneOf("text", "json"), help: "text for a terminal, json for a log collector"},
	{key: "admin.listen", env: "SMPBOT_ADMIN_LISTEN", flag: "admin-listen", def: "127.0.0.1:9090", help: "address of /healthz, /readyz and /metrics; empty disables"},
	{key: "shutdown.grace", env: "SMPBOT_SHUTDOWN_GRACE", def: "10s", check: isDuration, help: "how long questions in flight may take to finish on SIGTERM"},
	{key: "questions.retention_days", env: "SMPBOT_RETENTION_DAYS", def: "90", check: isInt, help: "days question texts are kept in the question log"},
	{key: "questions.user_key_file", env: "SMPBOT_USER_KEY_FILE", help: "file of the key that hashes user ids (default DATA/questions.key, created 0600); back it up apart from questions.db, or not at all"},
	{key: "database.url", env: "SMPBOT_DATABASE_URL", secret: true, check: isDatabaseURL, help: "PostgreSQL URL (postgres://USER:PASSWORD@HOST:PORT/DB): the FAQ and the question log every replica shares; empty keeps them in DATA/faq and DATA/questions.db"},
	{key: "database.queue", env: "SMPBOT_DATABASE_QUEUE", def: "10000", check: isInt, help: "question log records a replica keeps in memory while the database does not answer; beyond it they are dropped and counted"},
	{key: "database.resync", env: "SMPBOT_DATABASE_RESYNC", def: "30s", check: isPositiveDuration, help: "how often a replica checks that its FAQ is the database's when no change was announced (a restored backup, an edit by hand) and reloads it if not"},
	{key: "console.listen", env: "SMPBOT_CONSOLE_LISTEN", help: "address of the moderators' web console in smpbot run; empty disables"},
	{key: "console.url", env: "SMPBOT_CONSOLE_URL", help: "the console's address as browsers reach it, for sign-in links; https:// marks its cookie Secure"},
	{key: "answer.confidence", env: "SMPBOT_ANSWER_CONFIDENCE", def: "0.5", check: isFraction, help: "confidence an answer needs; below it the bot offers the closest topics"},

	{key: "telegram.token", env: "TELEGRAM_TOKEN", secret: true, help: "Telegram bot token; enables Telegram"},
	{key: "telegram.api_endpoint", env: "TELEGRAM_API_ENDPOINT", help: "Bot API URL format, e.g. http://127.0.0.1:8081/bot%s/%s"},
	{key: "telegram.questions_per_minute", env: "TELEGRAM_QUESTIONS_PER_MINUTE", def: "10", check: isInt, help: "per-user limit"},
	{key: "telegram.moderators", env: "TELEGRAM_MODERATORS", help: "Telegram user ids that may edit the FAQ"},
	{key: "telegram.webhook.listen", env: "TELEGRAM_WEBHOOK_ADDR", help: "webhook mode: address to listen on (empty: long polling)"},
	{key: "telegram.webhook.path", env: "TELEGRAM_WEBHOOK_PATH", help: "webhook mode: secret path"},
	{key: "telegram.webhook.secret", env: "TELEGRAM_WEBHOOK_SECRET", secret: true, help: "webhook mode: secret-token header value"},
	{key: "telegram.webhook.url", env: "TELEGRAM_WEBHOOK_URL", check: telegram.CheckWebhookURL, help: "webhook mode: public URL registered with Telegram"},

	{key: "discord.token", env: "DISCORD_TOKEN", secret: true, help: "Discord bot token; enables Discord"},
	{key: "discord.guild_id", env: "DISCORD_GUILD_ID", help: "register slash commands in this guild only (testing servers)"},
	{key: "discord.api_base", env: "DISCORD_API_BASE", help: "replaces https://discord.com in REST URLs (a REST proxy)"},
	{key: "discord.shard_id", env: "DISCORD_SHARD_ID", check: isInt, help: "this process's shard"},
	{key: "discord.shard_count", env: "DISCORD_SHARD_COUNT", check: isInt, help: "number of shards across processes"},
	{key: "discord.questions_per_minute", env: "DISCORD_QUESTIONS_PER_MINUTE", def: "10", check: isInt, help: "per-user limit"},
	{key: "discord.moderator_users", env: "DISCORD_MODERATOR_USERS", help: "Discord user ids that may edit the FAQ"},
	{key: "discord.moderator_roles", env: "DISCORD_MODERATOR_ROLES", help: "Discord role ids whose members may edit the FAQ"},
}

// config is the effective configuration.
type config struct {
	values map[string]string // by environment variable name
	origin map[string]string // where each value came from
}

// Get returns a setting by its environment variable name; it has the signature of
// os.Getenv so that adapters read every source the same way.
func (c *config) Get(env string) string { return c.values[env] }

// Duration, Int and Float read settings already checked by loadConfig.
func (c *config) Duration(env string) time.Duration {
	d, _ := time.ParseDuration(c.values[env])
	return d
}

func (c *config) Int(env string) int {
	n, _ := strconv.Atoi(c.values[env])
	return n
}

func (c *config) Float(env string) float64 {
	f, _ := strconv.ParseFloat(c.values[env], 64)
	return f
}

// configFlags adds --config and the settings' flags to fs.
func configFlags(fs *flag.FlagSet) (file *string, flags map[string]*string) {
	file = fs.String("config", os.Getenv("SMPBOT_CONFIG"), "configuration file (TOML); default $SMPBOT_CONFIG")
	flags = map[string]*string{}
	for _, s := range settings {
		if s.flag != "" {
			flags[s.env] = fs.String(s.flag, "", s.help+" (overrides "+s.env+")")
		}
	}
	return file, flags
}

// loadConfig merges, lowest precedence first: defaults, the file, the environment,
// the flags; then checks every value.
func loadConfig(file string, getenv func(string) string, flags map[string]*string) (*config, error) {
	c := &config{values: map[string]string{}, origin: map[string]string{}}
	for _, s := range settings {
		if s.def != "" {
			c.values[s.env], c.origin[s.env] = s.def, "default"
		}
	}
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		fromFile, err := parseConfig(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("config %s: %w", file, err)
		}
		for k, v := range fromFile {
			c.values[k], c.origin[k] = v, file
		}
	}
	for _, s := range settings {
		if v, ok := lookup(getenv, s.env); ok {
			c.values[s.env], c.origin[s.env] = v, "environment"
		}
		if p := flags[s.env]; p != nil && *p != "" {
			c.values[s.env], c.origin[s.env] = *p, "--"+s.flag
		}
	}
	for _, s := range settings {
		if v := c.values[s.env]; v != "" && s.check != nil {
			if err := s.check(v); err != nil {
				return nil, fmt.Errorf("config: %s (%s, from %s): %w", s.key, s.env, c.origin[s.env], err)
			}
		}
	}
	return c, nil
}

func lookup(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

// parseConfig reads a TOML configuration. Unknown keys are errors: a typo must not
// silently leave a setting at its default.
func parseConfig(r io.Reader) (map[string]string, error) {
	var raw map[string]any
	if _, err := toml.NewDecoder(r).Decode(&raw); err != nil {
		return nil, err
	}
	byKey := map[string]setting{}
	for _, s := range settings {
		byKey[s.key] = s
	}
	out := map[string]string{}
	var walk func(prefix string, m map[string]any) error
	walk = func(prefix string, m map[string]any) error {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			key := strings.TrimPrefix(prefix+"."+k, ".")
			if sub, ok := m[k].(map[string]any); ok {
				if err := walk(key, sub); err != nil {
					return err
				}
				continue
			}
			s, ok := byKey[key]
			if !ok {
				return fmt.Errorf("unknown key %q", key)
			}
			v, err := scalar(m[k])
			if err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
			out[s.env] = v
		}
		return nil
	}
	return out, walk("", raw)
}

func scalar(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(v), nil
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			s, err := scalar(x)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), nil
	}
	return "", fmt.Errorf("unsupported value %v", v)
}

// Write prints the effective settings, secrets redacted.
func (c *config) Write(w io.Writer) {
	for _, s := range settings {
		v := c.values[s.env]
		if s.secret && v != "" {
			v = "<redacted>"
		}
		origin := c.origin[s.env]
		if origin == "" {
			origin = "unset"
		}
		fmt.Fprintf(w, "%-32s = %-30q # %s, from %s\n", s.key, v, s.env, origin)
	}
}

// secrets returns the configured secret values, for scanning logs.
func (c *config) secrets() []string {
	var out []string
	for _, s := range settings {
		if v := c.values[s.env]; s.secret && v != "" {
			out = append(out, v)
			// A log line may hold the password without the rest of the URL.
			if u, err := url.Parse(v); err == nil && u.User != nil {
				if p, ok := u.User.Password(); ok && p != "" {
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// isDatabaseURL accepts a postgres:// URL; its error never quotes the value, which
// may hold a password.
func isDatabaseURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return errors.New("not a postgres://USER:PASSWORD@HOST:PORT/DATABASE URL")
	}
	return nil
}

func oneOf(allowed ...string) func(string) error {
	return func(v string) error {
		if !slices.Contains(allowed, v) {
			return fmt.Errorf("%q is not one of %s", v, strings.Join(allowed, ", "))
		}
		return nil
	}
}

func isDuration(v string) error {
	if _, err := time.ParseDuration(v); err != nil {
		return fmt.Errorf("%q is not a duration like 10s", v)
	}
	return nil
}

func isPositiveDuration(v string) error {
	if d, err := time.ParseDuration(v); err != nil || d <= 0 {
		return fmt.Errorf("%q is not a duration longer than 0 like 30s", v)
	}
	return nil
}

func isInt(v string) error {
	if _, err := strconv.Atoi(v); err != nil {
		return fmt.Errorf("%q is not a whole number", v)
	}
	return nil
}

func isFraction(v string) error {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > 1 {
		return fmt.Errorf("%q is not a number from 0 to 1", v)
	}
	return nil
}

// configCmd runs `smpbot config check`.
func (e *env) configCmd(args []string) error {
	if len(args) == 0 || args[0] != "check" {
		return fmt.Errorf("%w: config needs the subcommand check", errUsage)
	}
	fs := e.flags("config check")
	file, flags := configFlags(fs)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	cfg, err := loadConfig(*file, os.Getenv, flags)
	if err != nil {
		return err
	}
	cfg.Write(e.stdout)
	var platforms []string
	for _, p := range []string{"TELEGRAM_TOKEN", "DISCORD_TOKEN"} {
		if cfg.Get(p) != "" {
			platforms = append(platforms, strings.ToLower(strings.TrimSuffix(p, "_TOKEN")))
		}
	}
	if len(platforms) == 0 {
		fmt.Fprintln(e.stdout, "configuration is valid, but no platform is enabled: `smpbot run` needs TELEGRAM_TOKEN or DISCORD_TOKEN")
		return nil
	}
	fmt.Fprintf(e.stdout, "configuration is valid; `smpbot run` would serve %s\n", strings.Join(platforms, " and "))
	return nil
}
