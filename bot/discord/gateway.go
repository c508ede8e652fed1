package discord

import (
	"math/rand/v2"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Two gateway rules discordgo v0.29.0 does not follow, and what the adapter can do:
//
//   - After an Invalid Session (op 9), Discord asks for a random wait of 1 to 5
//     seconds before identifying anew; discordgo identifies at once, in the goroutine
//     reading the gateway (onEvent), with no hook but one log line. The adapter delays
//     that identify through the log line: discordgo.Logger, a package variable, is
//     called synchronously just before the identify, from the same goroutine, so a
//     wait there is the wait Discord asks for. This is also why the adapter sets the
//     session's log level to informational and installs a Logger that drops every
//     other line (discordgo stays as quiet as before). discordgo also identifies when
//     op 9 says the session is resumable; that cannot be changed from outside.
//   - READY's resume_gateway_url, where Discord wants resumes to go, is not read:
//     discordgo.Ready has no field for it and reconnects to the URL it cached, in an
//     unexported field, at the first Open; the websocket dialer sees only host and
//     port, not whether the connection is for a resume. Resumes therefore go to the
//     gateway from discovery, which Discord still accepts but may answer with an
//     invalid session more often (the wait above then applies). Closing this needs a
//     discordgo change (a ResumeGatewayURL field in Ready, used by Open when resuming).
const (
	minReidentifyWait = time.Second
	maxReidentifyWait = 5 * time.Second
)

// op9Line is the format of the line discordgo logs right before it identifies after
// an invalid session (wsapi.go, onEvent). TestInvalidSessionWaitsBeforeIdentify fails
// if an upgrade changes it.
const op9Line = "sending identify packet to gateway in response to Op9"

// reidentify is the process-wide state of the waits: discordgo.Logger is one for the
// whole process, and it cannot tell which session logs. A wait must not outlast its
// session's Close (discordgo would then identify on a connection Close has taken away,
// a nil pointer), so while an adapter closes, invalid sessions are not waited on, and
// the adapter waits for waits in progress (at most 5 s) before closing.
var reidentify struct {
	once     sync.Once
	mu       sync.Mutex
	stopping int // adapters closing their session
	waits    sync.WaitGroup
}

// installReidentifyWait makes discordgo wait before identifying after an invalid
// session; the first adapter installs it for the process.
func installReidentifyWait() {
	reidentify.once.Do(func() {
		discordgo.Logger = func(_, _ int, format string, _ ...any) {
			if format != op9Line {
				return
			}
			reidentify.mu.Lock()
			if reidentify.stopping > 0 {
				reidentify.mu.Unlock()
				return
			}
			reidentify.waits.Add(1)
			reidentify.mu.Unlock()
			defer reidentify.waits.Done()
			time.Sleep(minReidentifyWait + rand.N(maxReidentifyWait-minReidentifyWait))
		}
	})
}

// beforeClose stops new waits before a re-identify and waits for those in progress,
// so that discordgo does not identify on a connection Close has taken away; call done
// once the session is closed.
func beforeClose() (done func()) {
	reidentify.mu.Lock()
	reidentify.stopping++
	reidentify.mu.Unlock()
	reidentify.waits.Wait()
	return func() {
		reidentify.mu.Lock()
		defer reidentify.mu.Unlock()
		reidentify.stopping--
	}
}
