// Package console is the plain-text adapter: it reads one question per line from an
// io.Reader and writes each reply to an io.Writer. It backs `smpbot chat`, and since it
// needs no network it doubles as the adapter tests drive the handler through.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/smpbot/smpbot/bot"
)

// Adapter is a console conversation.
type Adapter struct {
	in     io.Reader
	out    io.Writer
	log    *slog.Logger
	user   string
	prompt string
}

var _ bot.Adapter = (*Adapter)(nil)

// Option configures an Adapter.
type Option func(*Adapter)

// WithLogger sets the logger; the default discards.
func WithLogger(l *slog.Logger) Option { return func(a *Adapter) { a.log = l } }

// WithPrompt sets the prompt written before each question (default "> "; "" for none).
func WithPrompt(p string) Option { return func(a *Adapter) { a.prompt = p } }

// WithUser sets the user id questions are asked as (default "console").
func WithUser(u string) Option { return func(a *Adapter) { a.user = u } }

// New returns an adapter reading questions from in and writing replies to out.
func New(in io.Reader, out io.Writer, opts ...Option) *Adapter {
	a := &Adapter{in: in, out: out, log: slog.New(slog.DiscardHandler), user: "console", prompt: "> "}
	for _, o := range opts {
		o(a)
	}
	return a
}

// MaxLineLen bounds one line of input; the rest of a longer line is discarded.
const MaxLineLen = 64 << 10

// ScanLines calls each with every line of r, without its line ending, until each
// returns false or r ends. A line longer than MaxLineLen is cut to its first
// MaxLineLen bytes (at a character boundary), cut says so, and the next line is read as
// usual: one pasted novel does not end a session or a batch. The error is r's, never
// io.EOF.
func ScanLines(r io.Reader, each func(line string, cut bool) bool) error {
	br := bufio.NewReaderSize(r, 4096)
	var buf []byte
	cut := false
	for {
		part, more, err := br.ReadLine()
		if len(part) > 0 {
			room := MaxLineLen - len(buf)
			if len(part) > room {
				part, cut = part[:room], true
			}
			buf = append(buf, part...)
		}
		if err != nil {
			if err == io.EOF {
				if len(buf) > 0 || cut {
					each(trimCut(buf, cut), cut)
				}
				return nil
			}
			return err
		}
		if more {
			continue
		}
		if !each(trimCut(buf, cut), cut) {
			return nil
		}
		buf, cut = buf[:0], false
	}
}

// trimCut drops a character the cut split in two.
func trimCut(b []byte, cut bool) string {
	if cut {
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	return string(b)
}

// cutNote is written after a reply to a line that was cut.
var cutNote = fmt.Sprintf("(Your message was longer than %d KiB: only its beginning was read.)", MaxLineLen>>10)

// cutLine is a line read, and whether it was cut to MaxLineLen.
type cutLine struct {
	text string
	cut  bool
}

// Run answers each line until the input ends, "quit" or "exit" is typed, or ctx is done.
// Typing the number of a suggestion from the previous reply answers that entry.
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	lines := make(chan cutLine)
	errc := make(chan error, 1)
	go func() {
		defer close(lines)
		errc <- ScanLines(a.in, func(line string, cut bool) bool {
			if cut {
				a.log.Warn("console: a line over the limit was cut", "limit", MaxLineLen)
			}
			select {
			case lines <- cutLine{line, cut}:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	fmt.Fprintln(a.out, "smpbot: ask me about removing or fixing scalp micropigmentation. Type \"topics\" for the list, \"quit\" to leave.")
	var choices []bot.Suggestion
	var lastReply string // the ID of the reply the choices came from
	for {
		if a.prompt != "" {
			fmt.Fprint(a.out, a.prompt)
		}
		var in cutLine
		var ok bool
		select {
		case <-ctx.Done():
			fmt.Fprintln(a.out)
			return nil
		case in, ok = <-lines:
		}
		if !ok {
			select {
			case err := <-errc:
				if err != nil {
					return fmt.Errorf("console: reading input: %w", err)
				}
			default:
			}
			return nil
		}
		line := strings.TrimSpace(in.text)
		switch strings.ToLower(line) {
		case "":
			continue
		case "quit", "exit", "/quit", "/exit":
			return nil
		case "topics", "/topics":
			choices, lastReply = nil, ""
			if t, ok := h.(bot.Topics); ok {
				choices = t.Topics()
				for i, s := range choices {
					fmt.Fprintf(a.out, "%2d. %s\n", i+1, s.Question)
				}
			}
			fmt.Fprintln(a.out, "Type a number to read that answer.")
			continue
		}
		q := bot.Question{Text: line, Platform: "console", User: a.user, Chat: "console"}
		if n, err := strconv.Atoi(line); err == nil && n >= 1 && n <= len(choices) {
			q = bot.Question{EntryID: choices[n-1].ID, FromAnswer: lastReply, Platform: "console", User: a.user, Chat: "console"}
		}
		r, err := h.Answer(ctx, q)
		if err != nil {
			a.log.ErrorContext(ctx, "answering failed", "err", err)
			fmt.Fprintln(a.out, "Sorry, something went wrong on my side. Please try again.")
			continue
		}
		fmt.Fprintln(a.out, Render(r))
		if in.cut {
			fmt.Fprintln(a.out, cutNote+"\n")
		}
		choices = append(append([]bot.Suggestion(nil), r.Suggestions...), r.Related...)
		lastReply = r.ID
	}
}

// Render writes a reply as console text, with its suggestions and related entries
// numbered so that they can be chosen.
func Render(r bot.Reply) string { return bot.PlainText(r, true) + "\n" }
