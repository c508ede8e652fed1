package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/smpbot/smpbot/bot"
)

// Run implements bot.Adapter: it registers the command menu, then receives updates by
// long polling, or on the webhook when one is configured, until ctx is done.
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	mode := "polling"
	if a.webhookMode() {
		mode = "webhook"
	}
	a.log.InfoContext(ctx, "telegram adapter starting", "bot", a.me.user.UserName, "mode", mode)
	a.registerCommands(ctx)
	var err error
	if a.webhookMode() {
		err = a.serveWebhook(ctx, h)
	} else {
		err = a.poll(ctx, h)
	}
	if err != nil {
		return err
	}
	a.log.InfoContext(ctx, "telegram adapter stopped")
	return nil
}

// allowedUpdates are the update kinds the bot asks for. Edited messages are included
// only to be logged: answering an edit would answer the question twice.
var allowedUpdates = []string{"message", "edited_message", "callback_query", "inline_query"}

// maxBatch is how many updates one getUpdates call may return (Telegram's maximum).
const maxBatch = 100

// poll is the long-polling loop. Each batch is put on per-chat queues and confirmed (by
// asking for the next offset) at once, so that a slow chat never holds up the others'
// updates; on shutdown the queues get the grace period to finish. Telegram can only
// confirm everything below an offset, so waiting for every chat before confirming
// would make every chat wait for the slowest.
func (a *Adapter) poll(ctx context.Context, h bot.Handler) error {
	// getUpdates fails while a webhook is set; a bot moved back from webhook mode needs it gone.
	if err := a.request(ctx, "deleteWebhook", tgbotapi.DeleteWebhookConfig{}); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		a.log.WarnContext(ctx, "could not delete the webhook before polling", "err", err)
	} else {
		a.connected.Store(true) // the Bot API answers; the first long poll may take a while
	}
	hctx, stop := a.handlingContext(ctx)
	defer stop()
	d := a.newDispatcher(hctx, h)
	offset, confirmed, failures := 0, 0, 0
	defer a.connected.Store(false)
	for ctx.Err() == nil {
		if full, space := d.full(); full {
			// Every queue is long: fetch no more until they drain.
			select {
			case <-space:
			case <-ctx.Done():
			}
			continue
		}
		raws, err := a.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			a.connected.Store(false)
			failures++
			wait, _ := a.retryWait(err, failures)
			if te, ok := apiError(err); ok {
				switch te.Code {
				case http.StatusUnauthorized, http.StatusNotFound:
					// The token was revoked or the endpoint is wrong: retrying cannot help.
					d.wait()
					return fmt.Errorf("telegram: getUpdates: %w", err)
				case http.StatusTooManyRequests:
				default:
					if te.Code < 500 {
						wait = a.backoff(failures)
					}
				}
			}
			a.log.WarnContext(ctx, "getUpdates failed", "err", err, "failures", failures, "retry_in", wait.String())
			if !sleep(ctx, wait) {
				break
			}
			continue
		}
		failures = 0
		a.connected.Store(true)
		confirmed = offset // asking with an offset confirmed every update below it
		next := a.dispatch(d, raws, offset)
		if next == offset && len(raws) > 0 {
			// Nothing could be confirmed (updates without any readable id): do not spin
			// on the same batch.
			sleep(ctx, a.backoff(1))
		}
		offset = next
	}
	// The updates in the queues are finished within the grace; confirming them first
	// means none is answered twice after a restart, whatever the grace cuts off.
	if offset > confirmed {
		a.confirm(ctx, offset)
	}
	d.wait()
	return nil
}

// getUpdates long-polls for updates. The result is decoded one update at a time by
// the caller, so that a malformed update is skipped rather than failing the batch.
func (a *Adapter) getUpdates(ctx context.Context, offset int) ([]json.RawMessage, error) {
	cctx, cancel := context.WithTimeout(ctx, a.pollTimeout+15*time.Second)
	defer cancel()
	resp, err := a.api(cctx).Request(tgbotapi.UpdateConfig{
		Offset: offset, Limit: maxBatch, Timeout: int(a.pollTimeout / time.Second), AllowedUpdates: allowedUpdates,
	})
	if err != nil {
		return nil, err
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(resp.Result, &raws); err != nil {
		return nil, fmt.Errorf("getUpdates: the result is not a list: %w", err)
	}
	return raws, nil
}

// confirm tells Telegram the updates below offset are handled, on the way out: the
// next getUpdates would have, but there will be none.
func (a *Adapter) confirm(ctx context.Context, offset int) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
	defer cancel()
	if _, err := a.api(cctx).Request(tgbotapi.UpdateConfig{Offset: offset, Limit: 1}); err != nil {
		a.log.WarnContext(ctx, "could not confirm the last updates; Telegram will deliver them again", "err", err)
	}
}

// handlingContext is the context updates are handled in. It outlives ctx by the grace
// period, so that answers being written when shutdown starts are finished and
// confirmed, rather than cut off and answered again after a restart.
func (a *Adapter) handlingContext(ctx context.Context) (context.Context, context.CancelFunc) {
	hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		t := time.NewTimer(a.grace)
		defer t.Stop()
		select {
		case <-t.C:
			cancel()
		case <-hctx.Done():
		}
	})
	return hctx, func() { stop(); cancel() }
}

// item is one update of a batch.
type item struct {
	id  int
	ev  event
	err error // the update did not decode
}

// decodeBatch decodes and routes a batch. Telegram numbers updates one by one, so an
// update whose id cannot be read is given the id after the one before it; that lets
// the offset move past it.
func (a *Adapter) decodeBatch(raws []json.RawMessage, offset int) []item {
	items := make([]item, len(raws))
	known := make([]bool, len(raws))
	for i, raw := range raws {
		u, id, ok, err := decodeUpdate(raw)
		items[i].id, known[i], items[i].err = id, ok, err
		if err == nil {
			items[i].ev = route(&u, a.me)
			items[i].ev.thread = topicOf(raw)
		}
	}
	for i := range items {
		if known[i] {
			continue
		}
		switch {
		case i > 0:
			items[i].id = items[i-1].id + 1
		case offset > 0:
			items[i].id = offset
		default:
			for j := i + 1; j < len(items); j++ {
				if known[j] {
					items[i].id = items[j].id - (j - i)
					break
				}
			}
		}
	}
	for i := range items {
		items[i].ev.update = items[i].id
		if items[i].err != nil {
			a.log.Warn("malformed update skipped", "update_id", items[i].id, "err", items[i].err)
		}
	}
	return items
}

// dispatch queues a batch's updates on their chats' queues and returns the offset
// that confirms them all.
func (a *Adapter) dispatch(d *dispatcher, raws []json.RawMessage, offset int) int {
	next := offset
	for _, it := range a.decodeBatch(raws, offset) {
		switch {
		case it.err != nil:
		case offset > 0 && it.id < offset:
			a.log.Debug("update below the offset skipped", "update_id", it.id)
			continue
		default:
			d.add(it.ev)
		}
		next = max(next, it.id+1)
	}
	return next
}
