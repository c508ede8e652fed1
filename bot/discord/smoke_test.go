package discord

import (
	"testing"

	"github.com/smpbot/smpbot/bot/discord/discordtest"
)

func TestSmoke(t *testing.T) {
	r := start(t, rigConfig{})
	u := r.fake.NewUser("alice")
	ix := r.fake.Command(r.fake.Guild(), u, "ask", discordtest.String("question", "How many laser sessions will I need?"))
	got := r.reply(t, ix)
	t.Logf("%+v", got.Message.Embeds[0])
}
