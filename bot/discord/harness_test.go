package discord

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/discord/discordtest"
	"github.com/smpbot/smpbot/index"
	"github.com/smpbot/smpbot/knowledge"
)

// waitLimit bounds each wait for the bot: far longer than any answer takes, short
// enough that a lost reply fails the test rather than hanging it.
const waitLimit = 30 * time.Second

const testToken = "MTMwMDAwMDAwMDAwMDAwMDAwMQ.Gx1y2z.s3cr3t-t0ken-value_abcdefghijklmnop"

// faq is the real handler over the embedded FAQ, built once for the package.
var faq = sync.OnceValues(func() (*bot.FAQ, error) {
	entries, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		return nil, err
	}
	idx, err := index.New(entries)
	if err != nil {
		return nil, err
	}
	return bot.NewFAQ(idx), nil
})

func realHandler(t testing.TB) *bot.FAQ {
	t.Helper()
	h, err := faq()
	if err != nil {
		t.Fatalf("building the FAQ handler: %v", err)
	}
	return h
}

func entry(t testing.TB, id string) knowledge.Entry {
	t.Helper()
	entries, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.ID == id {
			return e
		}
	}
	t.Fatalf("no FAQ entry %q", id)
	return knowledge.Entry{}
}

// syncBuffer is a log destination safe for the adapter's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// rig is an adapter running against a fake Discord.
type rig struct {
	fake *discordtest.Server
	logs *syncBuffer
}

type rigConfig struct {
	handler bot.Handler
	cfg     Config
	opts    []Option
	fake    []discordtest.Option
	before  func(*discordtest.Server) // runs before the adapter starts
	// cfgFrom, when set, makes the config from the fake instead of cfg.
	cfgFrom func(*discordtest.Server) Config
	// optsFrom, when set, adds options made with the fake (say, moderators' user ids).
	optsFrom func(*discordtest.Server) []Option
}

// start runs an adapter against a new fake and stops both when the test ends, checking
// then that no message could ping anyone and that the token was never logged.
func start(t *testing.T, rc rigConfig) *rig {
	t.Helper()
	fake := discordtest.New(testToken, rc.fake...)
	if rc.before != nil {
		rc.before(fake)
	}
	logs := &syncBuffer{}
	if rc.handler == nil {
		rc.handler = realHandler(t)
	}
	cfg := rc.cfg
	if rc.cfgFrom != nil {
		cfg = rc.cfgFrom(fake)
	}
	cfg.Token, cfg.APIBase = testToken, fake.URL
	opts := append([]Option{WithLogger(slogTo(logs))}, rc.opts...)
	if rc.optsFrom != nil {
		opts = append(opts, rc.optsFrom(fake)...)
	}
	a, err := New(cfg, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- a.Run(ctx, rc.handler) }()
	wait, cancelWait := context.WithTimeout(context.Background(), waitLimit)
	r := &rig{fake: fake, logs: logs}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-errc:
			if err != nil {
				t.Errorf("Run returned %v after a clean stop, want nil", err)
			}
		case <-time.After(waitLimit):
			t.Errorf("Run did not return after its context ended")
		}
		cancelWait()
		fake.Close()
		r.checkNoPings(t)
		if l := logs.String(); strings.Contains(l, strings.TrimPrefix(testToken, "Bot ")) {
			t.Errorf("the token appears in the logs:\n%s", l)
		}
		if t.Failed() {
			t.Logf("adapter logs:\n%s", logs.String())
		}
	})
	if err := fake.WaitReady(wait); err != nil {
		t.Fatalf("the bot never identified: %v\nlogs:\n%s", err, logs.String())
	}
	if _, err := fake.WaitRequest(wait, func(q discordtest.Request) bool {
		return q.Method == "PUT" && strings.HasSuffix(q.Path, "/commands") && q.Status == 200
	}); err != nil {
		t.Fatalf("commands never registered: %v", err)
	}
	return r
}

// checkNoPings checks every message the bot sent.
func (r *rig) checkNoPings(t *testing.T) {
	t.Helper()
	for _, m := range r.fake.Sent() {
		switch m.ResponseType {
		case discordgo.InteractionApplicationCommandAutocompleteResult, discordgo.InteractionResponseModal, discordgo.InteractionResponseDeferredMessageUpdate:
			continue // choices, forms and acknowledgements carry no message to ping from
		}
		if err := m.CheckNoPings(); err != nil {
			t.Errorf("%s %s: %v", m.Request.Method, m.Request.Path, err)
		}
	}
}

// reply waits for the visible reply to an interaction.
func (r *rig) reply(t *testing.T, ix discordtest.Interaction) discordtest.Sent {
	t.Helper()
	got, _, err := r.fake.WaitReply(waitCtx(t), ix)
	if err != nil {
		t.Fatalf("%v\nlogs:\n%s", err, r.logs.String())
	}
	return got
}

// channelReply waits for the bot's reply to message id in a channel.
func (r *rig) channelReply(t *testing.T, channelID, messageID string) discordtest.Sent {
	t.Helper()
	got, err := r.fake.WaitSent(waitCtx(t), func(m discordtest.Sent) bool {
		return discordtest.InChannel(channelID)(m) && m.Message.MessageReference != nil && m.Message.MessageReference.MessageID == messageID
	})
	if err != nil {
		t.Fatalf("no reply to message %s in channel %s: %v\nlogs:\n%s", messageID, channelID, err, r.logs.String())
	}
	return got
}

// waitLog waits until the adapter has logged a line containing all of parts: some
// lines are written by event handlers running beside those that answer.
func (r *rig) waitLog(t *testing.T, parts ...string) {
	t.Helper()
	for deadline := time.Now().Add(waitLimit); ; time.Sleep(5 * time.Millisecond) {
		for _, l := range strings.Split(r.logs.String(), "\n") {
			found := true
			for _, p := range parts {
				found = found && strings.Contains(l, p)
			}
			if found {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line with %q:\n%s", parts, r.logs.String())
		}
	}
}

func slogTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// waitCtx bounds one wait for the bot.
func waitCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	t.Cleanup(cancel)
	return ctx
}

// withCompleteTimeout changes how long an autocomplete search may take.
func withCompleteTimeout(d time.Duration) Option { return func(a *Adapter) { a.completeTimeout = d } }
