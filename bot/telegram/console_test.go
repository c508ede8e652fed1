package telegram

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/web/signin"
)

// TestConsoleLink checks that /console gives a moderator, in their private chat, a
// working sign-in link that names them, refuses everyone else, and logs no link.
func TestConsoleLink(t *testing.T) {
	t.Parallel()
	links := signin.NewLinks(t.TempDir())
	mint := func(_ context.Context, who bot.Identity) (string, error) {
		token, err := links.Mint(who, signin.DefaultLinkTTL)
		return signin.URL("https://console.example", token), err
	}
	h := startModerated(t, setup{opts: []Option{WithConsoleLinks(mint)}})
	got := texts(h.say(t, mia, "/console"))
	i := strings.Index(got, "https://console.example/signin?t=")
	if i < 0 {
		t.Fatalf("reply %q has no sign-in link", got)
	}
	u, err := url.Parse(strings.Fields(got[i:])[0])
	if err != nil {
		t.Fatal(err)
	}
	token := u.Query().Get("t")
	who, err := links.Redeem(token)
	if err != nil || who.Platform != "telegram" || who.User != fmt.Sprint(mia.ID) || who.Name != "Mia" {
		t.Errorf("the link signs in %+v (%v), want Mia", who, err)
	}
	wantIn(t, "refusal", h.say(t, bob, "/console"), bot.DescribeError(bot.ErrForbidden))
	if strings.Contains(h.logs.String(), token) || strings.Contains(h.modLogs.String(), token) {
		t.Error("the sign-in link reached the log")
	}
}
