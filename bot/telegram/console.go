package telegram

import (
	"context"

	"github.com/smpbot/smpbot/bot"
)

// WithConsoleLinks adds /console, with which a moderator gets a single-use sign-in link
// to the web console made by link, in their private chat with the bot. It needs
// WithModeration.
func WithConsoleLinks(link func(ctx context.Context, who bot.Identity) (string, error)) Option {
	return func(a *Adapter) { a.consoleLink = link }
}

// consoleLinker makes a web console sign-in link for a moderator.
type consoleLinker func(ctx context.Context, who bot.Identity) (string, error)

var consoleCommand = command{name: "console", desc: "A sign-in link to the web console", private: true, moderator: true, run: (*Adapter).cmdConsole}

// cmdConsole sends the link; it is never logged.
func (a *Adapter) cmdConsole(ctx context.Context, _ bot.Handler, ev event) error {
	link, err := a.consoleLink(ctx, a.identity(ev))
	if err != nil {
		a.log.ErrorContext(ctx, "making a web console sign-in link", "err", err)
		return a.text(ctx, ev, "Sorry, I could not make a sign-in link just now. Please try again in a moment.")
	}
	return a.text(ctx, ev, "Your sign-in link to the web console. It works once and only for a few minutes; don't forward it:\n"+link)
}
