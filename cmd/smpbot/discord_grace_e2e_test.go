package main

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot/discord/discordtest"
)

// TestDiscordShutdownGrace checks that shutdown.grace reaches the Discord adapter:
// replies being sent at SIGTERM that Discord takes longer to accept than the adapter's
// own 5 s default are all delivered within a 40 s grace; with a grace of 1 s none is,
// and the process stops after about that second instead of waiting for them.
func TestDiscordShutdownGrace(t *testing.T) {
	// Each person asks in their own DM: one channel, one rate-limit bucket each, so
	// discordgo sends all the replies at once.
	const people = 8
	const slow = 7 * time.Second // how long after SIGTERM the fake Discord accepts the replies
	for _, tc := range []struct {
		grace string
		want  int
	}{
		{"40s", people},
		{"1s", 0},
	} {
		t.Run("grace="+tc.grace, func(t *testing.T) {
			fake := discordtest.New(e2eToken)
			defer fake.Close()
			p := startSmpbot(t, "DISCORD_TOKEN="+e2eToken, "DISCORD_API_BASE="+fake.URL, "SMPBOT_SHUTDOWN_GRACE="+tc.grace)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			if _, err := fake.WaitRequest(ctx, func(q discordtest.Request) bool {
				return q.Method == "PUT" && strings.HasSuffix(q.Path, "/commands") && q.Status == 200
			}); err != nil {
				t.Fatalf("smpbot never registered its commands: %v", err)
			}
			release := fake.Hold("POST", "/channels/")
			defer release()
			dms := map[string]bool{}
			for i := range people {
				u := fake.NewUser(fmt.Sprintf("asker%d", i))
				dm := fake.DM(u)
				dms[dm.ChannelID] = true
				fake.Message(dm, u, "How many laser sessions will I need?")
			}
			if err := fake.WaitHeld(ctx, people); err != nil {
				t.Fatalf("%d replies were never being sent at once: %v", people, err)
			}

			start := time.Now()
			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			var exited time.Duration
			select {
			case <-p.exited: // stopped before the replies were accepted
				exited = time.Since(start)
				if p.err != nil {
					t.Errorf("smpbot exited with %v after SIGTERM, want status 0", p.err)
				}
				// Released before the fake has read the closed connections, a held
				// reply would be taken as sent by a client still there.
				if err := fake.WaitNoneHeld(ctx); err != nil {
					t.Fatalf("the fake still holds replies of a process that exited: %v", err)
				}
				release()
			case <-time.After(slow):
				release()
				if !p.wait(40 * time.Second) {
					t.Fatalf("smpbot still running %v after the replies were accepted", 40*time.Second)
				}
				exited = time.Since(start)
				if p.err != nil {
					t.Errorf("smpbot exited with %v after SIGTERM, want status 0", p.err)
				}
			}

			delivered := 0
			for _, m := range fake.Sent() {
				if dms[m.ChannelID] && m.Message.MessageReference != nil && len(m.Message.Embeds) > 0 {
					delivered++
				}
			}
			t.Logf("shutdown.grace %s: %d of %d replies in flight at SIGTERM delivered; exited %v after SIGTERM",
				tc.grace, delivered, people, exited.Round(10*time.Millisecond))
			if delivered != tc.want {
				t.Errorf("%d of %d in-flight replies delivered with shutdown.grace %s, want %d", delivered, people, tc.grace, tc.want)
			}
			if tc.want == 0 && exited >= slow {
				t.Errorf("with shutdown.grace %s smpbot waited %v for the replies", tc.grace, exited)
			}
		})
	}
}
