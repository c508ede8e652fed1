package discord

import (
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot/discord/discordtest"
)

// TestInvalidSessionWaitsBeforeIdentify: when Discord refuses a resume with an Invalid
// Session, the bot waits 1 to 5 seconds before identifying anew, as Discord asks,
// instead of at once; and it answers again afterwards. Not parallel: an adapter
// stopping meanwhile, in the same process, would skip the wait (see beforeClose).
func TestInvalidSessionWaitsBeforeIdentify(t *testing.T) {
	r := start(t, rigConfig{fake: []discordtest.Option{discordtest.WithClock(discordtest.NewManualClock(time.Now()))}})
	f := r.fake
	if err := f.InvalidateSession(); err != nil {
		t.Fatal(err)
	}
	invalid, err := f.WaitFrame(waitCtx(t), func(fr discordtest.Frame) bool { return !fr.FromBot && fr.Op == discordtest.OpInvalidSession })
	if err != nil {
		t.Fatalf("the bot never tried to resume: %v\nlogs:\n%s", err, r.logs.String())
	}
	identify, err := f.WaitFrame(waitCtx(t), func(fr discordtest.Frame) bool {
		return fr.FromBot && fr.Op == discordtest.OpIdentify && fr.Conn == invalid.Conn
	})
	if err != nil {
		t.Fatalf("the bot never identified after the invalid session: %v\nlogs:\n%s", err, r.logs.String())
	}
	if gap := identify.At.Sub(invalid.At); gap < minReidentifyWait {
		t.Errorf("the bot identified %v after the invalid session, want at least %v", gap, minReidentifyWait)
	}
	// The question goes out once the bot says its new session is up: sent on the
	// heels of the identify, under load it could reach a connection that was then
	// dropped, as a real interaction would be.
	r.waitLog(t, "could not be resumed")
	ix := f.Command(f.Guild(), f.NewUser("ned"), "ask", discordtest.String("question", "How many laser sessions will I need?"))
	checkAnswer(t, r.reply(t, ix), entry(t, "laser-sessions-count"))
}
