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

// Run answers each line until the input ends, "quit" or "exit" is typed, or ctx is done.
// Typing the number of a suggestion from the previous reply answers that entry.
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	lines := make(chan string)
	errc := make(chan error, 1)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(a.in)
		sc.Buffer(make([]byte, 4096), MaxLineLen)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		errc <- sc.Err()
	}()
	fmt.Fprintln(a.out, "smpbot: ask me about removing or fixing scalp micropigmentation. Type \"topics\" for the list, \"quit\" to leave.")
	var choices []bot.Suggestion
	var lastReply string // the ID of the reply the choices came from
	for {
		if a.prompt != "" {
			fmt.Fprint(a.out, a.prompt)
		}
		var line string
		var ok bool
		select {
		case <-ctx.Done():
			fmt.Fprintln(a.out)
			return nil
		case line, ok = <-lines:
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
		line = strings.TrimSpace(line)
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
		choices = append(append([]bot.Suggestion(nil), r.Suggestions...), r.Related...)
		lastReply = r.ID
	}
}

// Render writes a reply as console text, with its suggestions and related entries
// numbered so that they can be chosen.
func Render(r bot.Reply) string { return bot.PlainText(r, true) + "\n" }
