package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/smpbot/smpbot/bot"
)

// newLogger builds the process logger: text or JSON, at the configured level, with
// every configured secret redacted from every record as a last line of defence (the
// adapters redact their tokens themselves).
func newLogger(w io.Writer, level, format string, secrets []string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	var rs []string
	for _, s := range secrets {
		if len(s) >= 6 {
			rs = append(rs, s, "<redacted>")
		}
	}
	if len(rs) > 0 {
		h = &redactHandler{next: h, r: strings.NewReplacer(rs...)}
	}
	return slog.New(h)
}

// redactHandler replaces secrets in a record's message and string attributes.
type redactHandler struct {
	next slog.Handler
	r    *strings.Replacer
}

func (h *redactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.Replace(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *redactHandler) attr(a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindGroup:
		attrs := a.Value.Group()
		out := make([]any, len(attrs))
		for i, x := range attrs {
			out[i] = h.attr(x)
		}
		return slog.Group(a.Key, out...)
	case slog.KindString:
		return slog.String(a.Key, h.r.Replace(a.Value.String()))
	default:
		// Errors and other values are formatted by the handler; format them here so the
		// secret cannot slip through inside them.
		if a.Value.Kind() == slog.KindAny {
			return slog.String(a.Key, h.r.Replace(a.Value.String()))
		}
		return a
	}
}

func (h *redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		out[i] = h.attr(a)
	}
	return &redactHandler{next: h.next.WithAttrs(out), r: h.r}
}

func (h *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{next: h.next.WithGroup(name), r: h.r}
}

// answerLog writes one line per question answered: at info without what the person
// wrote, at debug with it.
func answerLog(log *slog.Logger) bot.Observer {
	return bot.ObserverFunc(func(q bot.Question, r bot.Reply, took time.Duration) {
		if q.Preview {
			return
		}
		attrs := []any{"platform", q.Platform, "kind", r.Kind, "confidence", round(r.Confidence), "urgent", r.Urgent, "took", took.Round(time.Microsecond)}
		if r.Entry != nil {
			attrs = append(attrs, "entry", r.Entry.ID)
		}
		if log.Enabled(context.Background(), slog.LevelDebug) {
			log.Debug("answered", append(attrs, "question", r.Question)...)
			return
		}
		log.Info("answered", attrs...)
	})
}

// userHasher turns a platform user (or chat) id into what logs show instead of it.
type userHasher func(platform, id string) string

// hashUsers wraps log so that the values of "user" and "chat" attributes are logged as
// keyed hashes, never raw ids: at info level the over-limit and refused-moderator
// lines would otherwise tie what a person did to who they are, in files `data purge`
// does not reach. Until set is called with the question log's hash (the same one
// questions.db stores, so a line can be matched to its rows), a key made for this
// process is used. Ids of the command line's OS user (platform "cli") are kept.
func hashUsers(log *slog.Logger) (_ *slog.Logger, set func(userHasher)) {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand.Read never fails
	p := &atomic.Pointer[userHasher]{}
	ephemeral := userHasher(func(platform, id string) string {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(platform + "\x00" + id))
		return hex.EncodeToString(m.Sum(nil)[:16])
	})
	p.Store(&ephemeral)
	return slog.New(&hashHandler{next: log.Handler(), hash: p}), func(h userHasher) { p.Store(&h) }
}

// hashHandler replaces user and chat ids in records; the platform they belong to
// comes from the record or from the logger's attributes.
type hashHandler struct {
	next     slog.Handler
	hash     *atomic.Pointer[userHasher]
	platform string
	grouped  bool // inside a group, attributes are passed on as they are
}

// hashedKeys are the attributes that hold platform user or chat ids.
var hashedKeys = map[string]bool{"user": true, "chat": true}

func (h *hashHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *hashHandler) Handle(ctx context.Context, rec slog.Record) error {
	platform := h.platform
	hasIDs := false
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == "platform" {
			platform = a.Value.String()
		}
		hasIDs = hasIDs || hashedKeys[a.Key]
		return true
	})
	if !hasIDs || h.grouped {
		return h.next.Handle(ctx, rec)
	}
	out := slog.NewRecord(rec.Time, rec.Level, rec.Message, rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(platform, a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *hashHandler) attr(platform string, a slog.Attr) slog.Attr {
	if !hashedKeys[a.Key] || platform == "cli" {
		return a
	}
	id := a.Value.Resolve().String()
	if id == "" {
		return a
	}
	return slog.String(a.Key, "h:"+(*h.hash.Load())(platform, id))
}

func (h *hashHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	if h.grouped {
		c.next = h.next.WithAttrs(attrs)
		return &c
	}
	for _, a := range attrs {
		if a.Key == "platform" {
			c.platform = a.Value.String()
		}
	}
	out := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		out[i] = c.attr(c.platform, a)
	}
	c.next = h.next.WithAttrs(out)
	return &c
}

func (h *hashHandler) WithGroup(name string) slog.Handler {
	c := *h
	c.next, c.grouped = h.next.WithGroup(name), true
	return &c
}
