package telegram

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/smpbot/smpbot/bot"
)

// maxWebhookBody bounds one update posted to the webhook.
const maxWebhookBody = 1 << 20

// serveWebhook receives updates on an HTTP endpoint until ctx is done. Each update is
// acknowledged at once and put on its chat's queue, since Telegram waits for the
// response before it sends the next update; a chat's updates are handled in the order
// they arrived, chats independently.
func (a *Adapter) serveWebhook(ctx context.Context, h bot.Handler) error {
	w := a.cfg.Webhook
	ln := a.listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", w.ListenAddr); err != nil {
			return fmt.Errorf("telegram: webhook: %w", err)
		}
	}
	defer ln.Close()
	if w.PublicURL != "" {
		hook := strings.TrimRight(w.PublicURL, "/") + w.Path
		params := tgbotapi.Params{"url": hook, "secret_token": w.SecretToken}
		if err := params.AddInterface("allowed_updates", allowedUpdates); err != nil {
			return fmt.Errorf("telegram: webhook: %w", err)
		}
		// MakeRequest, because the library's WebhookConfig cannot carry secret_token.
		err := a.retry(ctx, "setWebhook", func(api botAPI) error {
			_, err := api.MakeRequest("setWebhook", params)
			return err
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("telegram: %w", err)
		}
		a.log.InfoContext(ctx, "webhook registered", "path", w.Path)
	}

	a.connected.Store(true)
	defer a.connected.Store(false)
	hctx, stop := a.handlingContext(ctx)
	defer stop()
	d := a.newDispatcher(hctx, h)
	mux := http.NewServeMux()
	mux.Handle(w.Path, a.webhookHandler(hctx, d))
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.log.InfoContext(ctx, "webhook listening", "addr", ln.Addr().String(), "path", w.Path)
	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("telegram: webhook server: %w", err)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		a.log.WarnContext(ctx, "webhook server shutdown", "err", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		a.log.WarnContext(ctx, "webhook server", "err", err)
	}
	d.wait()
	return nil
}

// webhookHandler checks and acknowledges each update Telegram posts and queues it on
// d. Redeliveries of an update already accepted are dropped; when the queues are full
// the request is refused with 503, and Telegram posts it again later.
func (a *Adapter) webhookHandler(ctx context.Context, d *dispatcher) http.Handler {
	secret := []byte(a.cfg.Webhook.SecretToken)
	seen := newRecent(4096)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if subtle.ConstantTimeCompare([]byte(r.Header.Get(SecretHeader)), secret) != 1 {
			a.log.WarnContext(ctx, "webhook request without the right secret token refused", "remote", r.RemoteAddr)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
		if err != nil {
			a.log.WarnContext(ctx, "webhook body unreadable", "err", err)
			http.Error(w, "bad body", http.StatusRequestEntityTooLarge)
			return
		}
		u, id, _, err := decodeUpdate(body)
		if err != nil {
			// Telegram would post the same bytes again on an error status; they will
			// never decode, so they are acknowledged and dropped.
			a.log.WarnContext(ctx, "malformed update skipped", "update_id", id, "err", err)
			w.WriteHeader(http.StatusOK)
			return
		}
		if !seen.add(id) {
			a.log.DebugContext(ctx, "update delivered again, skipped", "update_id", id)
			w.WriteHeader(http.StatusOK)
			return
		}
		if full, _ := d.full(); full {
			// Saturated: Telegram retries later, which is the backpressure we want.
			seen.remove(id)
			w.Header().Set("Retry-After", "1")
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		ev := route(&u, a.me)
		ev.thread = topicOf(body)
		d.add(ev)
		w.WriteHeader(http.StatusOK)
	})
}

// recent remembers the last n update ids.
type recent struct {
	mu   sync.Mutex
	ids  map[int]bool
	ring []int
	next int
}

func newRecent(n int) *recent { return &recent{ids: map[int]bool{}, ring: make([]int, n)} }

// add records id, reporting false if it was already there.
func (r *recent) add(id int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ids[id] {
		return false
	}
	if old := r.ring[r.next]; r.ids[old] {
		delete(r.ids, old)
	}
	r.ring[r.next] = id
	r.next = (r.next + 1) % len(r.ring)
	r.ids[id] = true
	return true
}

func (r *recent) remove(id int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.ids, id)
}
