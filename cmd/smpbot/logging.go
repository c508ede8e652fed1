package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
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
