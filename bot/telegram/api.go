package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// botAPI is the part of the client library the adapter calls. Updates are fetched with
// Request rather than GetUpdates so that one malformed update cannot make a whole batch
// undecodable; setWebhook goes through MakeRequest because the library's WebhookConfig
// has no secret_token.
type botAPI interface {
	Request(c tgbotapi.Chattable) (*tgbotapi.APIResponse, error)
	Send(c tgbotapi.Chattable) (tgbotapi.Message, error)
	MakeRequest(endpoint string, params tgbotapi.Params) (*tgbotapi.APIResponse, error)
}

var _ botAPI = (*tgbotapi.BotAPI)(nil)

// callTimeout bounds one Bot API call other than a long poll.
const callTimeout = 30 * time.Second

// maxAttempts bounds the tries of one call that keeps failing with retryable errors.
const maxAttempts = 8

// maxRetryAfter is the longest retry_after a send waits out. Telegram's flood limits
// ask for a minute at most (a group's 20 messages a minute); a longer wait is a penalty
// the bot will not sit through with a chat's queue stopped behind it: the send fails
// at once, and so do the chat's next sends until the wait is over, without calling.
const maxRetryAfter = 2 * time.Minute

// errFloodWait is the error of a send given up because Telegram asked to wait longer
// than maxRetryAfter.
var errFloodWait = errors.New("asked by Telegram to wait longer than the adapter waits")

// doFunc adapts a function to tgbotapi.HTTPClient.
type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// api returns the library bound to ctx: the library builds requests without a context,
// so each call gets a shallow copy of the BotAPI whose client attaches ctx, which makes
// a long poll end the moment ctx does. Errors come back with the token redacted.
func (a *Adapter) api(ctx context.Context) botAPI {
	b := *a.bot
	b.Client = doFunc(func(r *http.Request) (*http.Response, error) { return a.http.Do(r.WithContext(ctx)) })
	return redacting{api: &b, token: a.cfg.Token}
}

// redacting removes the token from every error the library returns: its errors quote
// request URLs, and the token is part of the path.
type redacting struct {
	api   botAPI
	token string
}

func (r redacting) Request(c tgbotapi.Chattable) (*tgbotapi.APIResponse, error) {
	resp, err := r.api.Request(c)
	return resp, redact(err, r.token)
}

func (r redacting) Send(c tgbotapi.Chattable) (tgbotapi.Message, error) {
	m, err := r.api.Send(c)
	return m, redact(err, r.token)
}

func (r redacting) MakeRequest(endpoint string, params tgbotapi.Params) (*tgbotapi.APIResponse, error) {
	resp, err := r.api.MakeRequest(endpoint, params)
	return resp, redact(err, r.token)
}

// redactedError is an error whose message had the token taken out. It unwraps to the
// original so that errors.Is and errors.As still see context and network errors; only
// its own message is ever printed.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact returns err with every form of the token in its message replaced.
func redact(err error, token string) error {
	if err == nil || token == "" {
		return err
	}
	msg := err.Error()
	out := strings.NewReplacer(token, "<token>", url.PathEscape(token), "<token>", url.QueryEscape(token), "<token>").Replace(msg)
	if out == msg {
		return err
	}
	return &redactedError{msg: out, err: err}
}

// apiError returns the Bot API's error, if err is one.
func apiError(err error) (*tgbotapi.Error, bool) {
	var te *tgbotapi.Error
	if errors.As(err, &te) {
		return te, true
	}
	return nil, false
}

// retryWait says whether a failed call is worth repeating and after how long: 429 after
// its retry_after (not when that is beyond maxRetryAfter, though the wait is still
// returned), 5xx and network errors (and truncated or non-JSON answers) after a
// backoff; other API errors (a bad request, a blocked bot) never.
func (a *Adapter) retryWait(err error, attempt int) (time.Duration, bool) {
	if te, ok := apiError(err); ok {
		switch {
		case te.Code == http.StatusTooManyRequests:
			d := max(time.Second, time.Duration(te.RetryAfter)*time.Second)
			return d, d <= maxRetryAfter
		case te.Code >= 500:
			return a.backoff(attempt), true
		default:
			return 0, false
		}
	}
	return a.backoff(attempt), true
}

// backoff is the wait before retry number attempt (from 1): doubling from backoffMin up
// to backoffMax, with jitter so that many clients do not retry in step.
func (a *Adapter) backoff(attempt int) time.Duration {
	d := a.backoffMin
	for i := 1; i < attempt && d < a.backoffMax; i++ {
		d *= 2
	}
	d = min(d, a.backoffMax)
	return d/2 + rand.N(d/2+1)
}

// sleep waits for d or until ctx is done, reporting whether the wait completed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// retry makes a call, repeating it while it fails with a retryable error, up to
// maxAttempts. The error names the call.
func (a *Adapter) retry(ctx context.Context, what string, call func(botAPI) error) error {
	return a.retryPaced(ctx, what, nil, call)
}

// pacedChat is the chat a paced call sends to, and whether it may take the group's
// slot kept for a flood notice.
type pacedChat struct {
	id       int64
	priority bool
}

// retryPaced is retry with the pacer's wait for the chat before each attempt, outside
// the attempt's timeout; a nil chat is not paced. A 429 holds the chat in the pacer for
// its retry_after, for every sender to it, even one given up because the wait is too
// long.
func (a *Adapter) retryPaced(ctx context.Context, what string, chat *pacedChat, call func(botAPI) error) error {
	for attempt := 1; ; attempt++ {
		if chat != nil {
			if err := a.pace.wait(ctx, chat.id, chat.priority); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
		}
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		err := call(a.api(cctx))
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", what, ctx.Err())
		}
		wait, ok := a.retryWait(err, attempt)
		te, isAPI := apiError(err)
		flood := isAPI && te.Code == http.StatusTooManyRequests
		if flood && chat != nil {
			a.pace.hold(chat.id, time.Now().Add(wait))
		}
		switch {
		case flood && !ok:
			return fmt.Errorf("%s: %w (retry_after %v, more than %v): %w", what, errFloodWait, wait, maxRetryAfter, err)
		case !ok:
			return fmt.Errorf("%s: %w", what, err)
		case attempt >= maxAttempts:
			return fmt.Errorf("%s: gave up after %d attempts: %w", what, attempt, err)
		}
		a.log.DebugContext(ctx, "retrying a Bot API call", "call", what, "attempt", attempt, "wait", wait, "err", err)
		if flood && chat != nil {
			continue // the pacer's wait holds the chat that long
		}
		if !sleep(ctx, wait) {
			return fmt.Errorf("%s: %w", what, ctx.Err())
		}
	}
}

// send sends a message to a chat, paced under Telegram's flood limits, with retries.
// priority may take the group's slot kept for a flood notice.
func (a *Adapter) send(ctx context.Context, chatID int64, what string, c tgbotapi.Chattable, priority bool) (tgbotapi.Message, error) {
	var m tgbotapi.Message
	err := a.retryPaced(ctx, what, &pacedChat{chatID, priority}, func(api botAPI) error {
		var err error
		if t, ok := c.(inTopic); ok {
			m, err = t.send(api)
		} else {
			m, err = api.Send(c)
		}
		return err
	})
	return m, err
}

// inTopic is a message sent into a forum topic. The client library has no
// message_thread_id, so such a message is sent with MakeRequest and the parameters
// written out here; thread 0 sends it the library's way.
type inTopic struct {
	tgbotapi.MessageConfig
	thread int
}

func (t inTopic) send(api botAPI) (tgbotapi.Message, error) {
	if t.thread == 0 {
		return api.Send(t.MessageConfig)
	}
	c := t.MessageConfig
	p := tgbotapi.Params{}
	p.AddFirstValid("chat_id", c.ChatID, c.ChannelUsername)
	p["text"] = c.Text
	p.AddNonEmpty("parse_mode", c.ParseMode)
	p.AddBool("disable_web_page_preview", c.DisableWebPagePreview)
	p.AddNonZero("reply_to_message_id", c.ReplyToMessageID)
	p.AddBool("allow_sending_without_reply", c.AllowSendingWithoutReply)
	p.AddNonZero("message_thread_id", t.thread)
	if err := p.AddInterface("reply_markup", c.ReplyMarkup); err != nil {
		return tgbotapi.Message{}, err
	}
	resp, err := api.MakeRequest("sendMessage", p)
	if err != nil {
		return tgbotapi.Message{}, err
	}
	var m tgbotapi.Message
	if err := json.Unmarshal(resp.Result, &m); err != nil {
		return tgbotapi.Message{}, fmt.Errorf("sendMessage: %w", err)
	}
	return m, nil
}

// sendText sends plain text to a chat, not as a reply.
func (a *Adapter) sendText(ctx context.Context, chatID int64, text string, priority bool) error {
	c := tgbotapi.NewMessage(chatID, text)
	c.DisableWebPagePreview = true
	_, err := a.send(ctx, chatID, "sendMessage", c, priority)
	return err
}

// request makes a call whose result is just true (answerCallbackQuery,
// answerInlineQuery, setMyCommands, deleteWebhook): such results do not decode as a
// Message, so they go through Request, never Send.
func (a *Adapter) request(ctx context.Context, what string, c tgbotapi.Chattable) error {
	return a.retry(ctx, what, func(api botAPI) error {
		_, err := api.Request(c)
		return err
	})
}
