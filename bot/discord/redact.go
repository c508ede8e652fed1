package discord

import (
	"regexp"
	"strings"
)

// redactor removes secrets from text meant for logs and errors: the bot token, which a
// proxy or a library could echo, and interaction tokens, which discordgo puts in the
// URLs its errors quote and which let anyone answer as the bot for 15 minutes.
type redactor struct {
	token string
}

func newRedactor(token string) redactor { return redactor{token: token} }

// interactionToken matches the token segment of interaction and webhook URLs.
var interactionToken = regexp.MustCompile(`(/(?:interactions|webhooks)/[^/\s]+/)[^/\s?"']+`)

const redacted = "[redacted]"

// String returns s without secrets.
func (r redactor) String(s string) string {
	if r.token != "" {
		s = strings.ReplaceAll(s, r.token, redacted)
	}
	return interactionToken.ReplaceAllString(s, "${1}"+redacted)
}

// Err returns err with a redacted message; errors.Is and errors.As still see the
// original.
func (r redactor) Err(err error) error {
	if err == nil {
		return nil
	}
	return &redactedError{msg: r.String(err.Error()), err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
