package discord

import (
	"context"

	"github.com/smpbot/smpbot/bot"
)

// WithConsoleLinks adds /faq console, which gives a moderator a single-use sign-in link
// to the web console made by link, in a reply only they see. It needs WithModeration.
func WithConsoleLinks(link func(ctx context.Context, who bot.Identity) (string, error)) Option {
	return func(a *Adapter) { a.consoleLink = link }
}

// consoleSignIn is the reply to /faq console: the link, never logged.
func (a *Adapter) consoleSignIn(ctx context.Context, who bot.Identity) message {
	if a.consoleLink == nil {
		return textMessage(goneText)
	}
	link, err := a.consoleLink(ctx, who)
	if err != nil {
		a.log.ErrorContext(ctx, "making a web console sign-in link", "err", err)
		return apologyMessage()
	}
	return textMessage("Your sign-in link to the web console, for you only. It works once and only for a few minutes:\n" + link)
}
