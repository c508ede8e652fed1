package discord

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot/discord/discordtest"
)

// waitLogCount waits until the adapter has logged n lines containing part.
func (r *rig) waitLogCount(t *testing.T, part string, n int) {
	t.Helper()
	for deadline := time.Now().Add(waitLimit); strings.Count(r.logs.String(), part) < n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d log lines with %q, want %d:\n%s", strings.Count(r.logs.String(), part), part, n, r.logs.String())
		}
	}
}

// TestAbsurdRetryAfterGivesUp: a 429 asking for an hour is not sat through (discordgo
// alone would sleep the hour, the answer and its goroutine held). The reply fails at
// once with the reason logged, the apology and the next answer to the channel fail
// without calling Discord, which would refuse them, and another channel is answered.
func TestAbsurdRetryAfterGivesUp(t *testing.T) {
	t.Parallel()
	r := start(t, rigConfig{})
	f := r.fake
	ida, jo := f.NewUser("ida"), f.NewUser("jo")
	path := "/channels/" + f.DM(ida).ChannelID + "/messages"
	f.Inject(discordtest.Fault{Method: "POST", Path: path, Status: http.StatusTooManyRequests, RetryAfter: time.Hour})
	f.Message(f.DM(ida), ida, "How many laser sessions will I need?")
	r.waitLog(t, "sending a reply failed", "retry_after 1h0m0s")
	r.waitLog(t, "sending an apology failed too")
	f.Message(f.DM(ida), ida, "Does laser removal hurt?")
	r.waitLogCount(t, "sending an apology failed too", 2)
	id := f.Message(f.DM(jo), jo, "Does laser removal hurt?")
	r.channelReply(t, f.DM(jo).ChannelID, id)
	if st := requestsTo(f, "POST", path); len(st) != 1 {
		t.Errorf("statuses of the requests to the held channel: %v, want only the first 429", st)
	}
	if n := f.Refused(""); n != 0 {
		t.Errorf("%d requests refused inside the hour, want 0", n)
	}
}

// TestPersistent429GivesUp: a route that answers nothing but 429s is tried max429s
// times, each after the retry_after (never inside it), and then given up, logged.
func TestPersistent429GivesUp(t *testing.T) {
	t.Parallel()
	r := start(t, rigConfig{})
	f := r.fake
	kim := f.NewUser("kim")
	path := "/channels/" + f.DM(kim).ChannelID + "/messages"
	f.Inject(discordtest.Fault{Method: "POST", Path: path, Status: http.StatusTooManyRequests, RetryAfter: 100 * time.Millisecond, Times: 1000})
	f.Message(f.DM(kim), kim, "How many laser sessions will I need?")
	r.waitLog(t, "sending a reply failed", fmt.Sprintf("%d 429s in a row", max429s))
	r.waitLog(t, "sending an apology failed too", fmt.Sprintf("%d 429s in a row", max429s))
	if st := requestsTo(f, "POST", path); len(st) != 2*max429s {
		t.Errorf("%d requests to the channel, want %d for the reply and as many for the apology", len(st), 2*max429s)
	}
	if n := f.Refused(""); n != 0 {
		t.Errorf("%d requests refused inside a retry_after, want 0", n)
	}
}

// TestRateLimitGuardGlobal: after a global 429 too long to wait out, every request but
// interaction responses fails at once without reaching Discord, until the wait is over.
func TestRateLimitGuardGlobal(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var reached []string
	g := newRateLimitGuard(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		reached = append(reached, r.URL.Path)
		if len(reached) == 1 {
			return &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"X-Ratelimit-Global": {"true"}},
				Body: io.NopCloser(strings.NewReader(`{"message":"You are being rate limited.","retry_after":3600,"global":true}`))}, nil
		}
		return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader("{}"))}, nil
	}))
	g.now = func() time.Time { return now }
	do := func(path string) error {
		req, _ := http.NewRequest("POST", "https://discord.com/api/v9"+path, nil)
		resp, err := g.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := do("/channels/1/messages"); !errors.Is(err, errRateLimited) {
		t.Fatalf("a global 429 asking for an hour: %v, want errRateLimited", err)
	}
	if err := do("/channels/2/messages"); !errors.Is(err, errRateLimited) {
		t.Errorf("another channel inside the hour: %v, want errRateLimited", err)
	}
	if err := do("/interactions/3/tok/callback"); err != nil {
		t.Errorf("an interaction response inside the hour: %v, want it through", err)
	}
	now = now.Add(time.Hour)
	if err := do("/channels/2/messages"); err != nil {
		t.Errorf("after the hour: %v", err)
	}
	if want := []string{"/api/v9/channels/1/messages", "/api/v9/interactions/3/tok/callback", "/api/v9/channels/2/messages"}; fmt.Sprint(reached) != fmt.Sprint(want) {
		t.Errorf("requests reaching Discord: %v, want %v", reached, want)
	}
}
