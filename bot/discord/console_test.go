package discord

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/web/signin"
)

// TestFAQConsoleLink checks that /faq console gives a moderator, and only them, a
// working sign-in link to the web console that names them, and that it is not logged.
func TestFAQConsoleLink(t *testing.T) {
	t.Parallel()
	links := signin.NewLinks(t.TempDir())
	mint := func(_ context.Context, who bot.Identity) (string, error) {
		token, err := links.Mint(who, signin.DefaultLinkTTL)
		return signin.URL("https://console.example", token), err
	}
	mr := startModeration(t, modConfig{opts: []Option{WithConsoleLinks(mint)}})
	got := mr.private(t, mr.faq(mr.mod, "console"))
	i := strings.Index(got.Message.Content, "https://console.example/signin?t=")
	if i < 0 {
		t.Fatalf("reply %q has no sign-in link", got.Message.Content)
	}
	u, err := url.Parse(strings.Fields(got.Message.Content[i:])[0])
	if err != nil {
		t.Fatal(err)
	}
	token := u.Query().Get("t")
	who, err := links.Redeem(token)
	if err != nil || who.Platform != "discord" || who.User != mr.mod.ID || len(who.Roles) == 0 {
		t.Errorf("the link signs in %+v (%v), want the moderator with their roles", who, err)
	}
	refused := mr.reply(t, mr.faq(mr.eve, "console"))
	if refused.ResponseType != discordgo.InteractionResponseChannelMessageWithSource || !refused.Ephemeral() ||
		refused.Message.Content != bot.DescribeError(bot.ErrForbidden) {
		t.Errorf("a non-moderator got %q, want the refusal", refused.Message.Content)
	}
	if strings.Contains(mr.logs.String(), token) || strings.Contains(mr.modLogs.String(), token) {
		t.Error("the sign-in link reached the log")
	}
}
