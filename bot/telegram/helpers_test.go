package telegram

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/telegram/telegramtest"
	"github.com/smpbot/smpbot/index"
	"github.com/smpbot/smpbot/knowledge"
)

// testToken looks like a real token, so that redaction is tested on a realistic one.
const testToken = "123456789:AAH-fake_TokenForTests0123456789abcdef"

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// faq is the real handler over the embedded FAQ, built once for the package's tests.
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

func handler(t testing.TB) *bot.FAQ {
	t.Helper()
	h, err := faq()
	if err != nil {
		t.Fatalf("building the FAQ handler: %v", err)
	}
	return h
}

// logBuffer collects log lines from concurrent goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// harness is a fake Bot API server with the adapter running against it.
type harness struct {
	fake *telegramtest.Server
	a    *Adapter
	logs *logBuffer
	stop func() error // stops Run and returns its error
}

type setup struct {
	cfg  func(*Config)
	opts []Option
	h    bot.Handler
	// before prepares the fake before the adapter starts (chats that already exist).
	before func(*telegramtest.Server)
	// fake configures the fake server (its flood limits).
	fake []telegramtest.Option
	// editor, for startModerated, wraps the FAQ store the moderators change.
	editor func(bot.Editor) bot.Editor
	// mayBeRefused is how many calls the fake may refuse inside a 429's retry_after:
	// those the adapter made before the 429 reached it. Cleanup checks the rest.
	mayBeRefused int
}

// start runs the adapter, by default with the real FAQ handler, fast backoff and a
// short long-poll timeout, against a new fake server. Cleanup stops it, checks Run
// returned nil and that the token never reached the log.
func start(t testing.TB, s setup) *harness {
	t.Helper()
	fake := telegramtest.NewServer(testToken, s.fake...)
	t.Cleanup(fake.Close)
	if s.before != nil {
		s.before(fake)
	}
	logs := &logBuffer{}
	cfg := Config{Token: testToken, APIEndpoint: fake.Endpoint()}
	if s.cfg != nil {
		s.cfg(&cfg)
	}
	opts := append([]Option{WithLogger(logs.logger()), WithBackoff(10*time.Millisecond, 200*time.Millisecond),
		WithPollTimeout(2 * time.Second)}, s.opts...)
	a, err := New(cfg, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h := s.h
	if h == nil {
		h = handler(t)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- a.Run(ctx, h) }()
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-errc:
			case <-time.After(30 * time.Second):
				runErr = context.DeadlineExceeded
				t.Errorf("Run did not return after its context was cancelled")
			}
		})
		return runErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Run returned %v, want nil after a clean stop", err)
		}
		// The adapter paces its sends: Telegram's flood control never has to.
		if n := fake.FloodRefused(0); n > 0 {
			t.Errorf("the fake's flood control refused %d messages", n)
		}
		// Nor does it call inside a 429's retry_after, when every call is refused.
		if n := fake.Refused(0); n > s.mayBeRefused {
			t.Errorf("the fake refused %d calls made inside a 429's retry_after, want at most %d", n, s.mayBeRefused)
		}
		if strings.Contains(logs.String(), testToken) || strings.Contains(logs.String(), strings.Split(testToken, ":")[1]) {
			t.Errorf("the token appears in the log:\n%s", logs.String())
		}
	})
	return &harness{fake: fake, a: a, logs: logs, stop: stop}
}

// messages waits until the bot has sent at least n messages and returns them all.
func (h *harness) messages(t testing.TB, n int) []telegramtest.Sent {
	t.Helper()
	if !h.fake.Wait(60*time.Second, func() bool { return len(h.fake.Messages()) >= n }) {
		t.Fatalf("got %d messages, want at least %d: %+v", len(h.fake.Messages()), n, h.fake.Messages())
	}
	return h.fake.Messages()
}

// settle waits until every pushed update is confirmed and handled: the adapter confirms
// updates once they are queued, so it then waits for the queues to empty.
func (h *harness) settle(t testing.TB) {
	t.Helper()
	if !h.fake.Wait(60*time.Second, func() bool { return h.fake.Pending() == 0 }) {
		t.Fatalf("%d updates still unconfirmed", h.fake.Pending())
	}
	// Confirmed means queued: wait for the queues to be handled too.
	deadline := time.After(60 * time.Second)
	for {
		n, changed := h.a.busy()
		if n == 0 {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("%d updates still being handled", n)
		}
	}
}
