package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/console"
	"golang.org/x/term"
)

// askResult is one line of `smpbot ask --json`.
type askResult struct {
	Question    string           `json:"question"`
	Kind        bot.Kind         `json:"kind"`
	EntryID     string           `json:"entry_id"`
	Confidence  float64          `json:"confidence"`
	Urgent      bool             `json:"urgent"`
	Suggestions []bot.Suggestion `json:"suggestions"`
	// ScopeNote is the reply's note on how the FAQ, written for SMP, carries over to
	// a question about another tattoo or micropigmentation; "" when it has none.
	ScopeNote string `json:"scope_note"`
	Reply     string `json:"reply"`
}

func (e *env) ask(ctx context.Context, args []string) error {
	fs := e.flags("ask")
	asJSON := fs.Bool("json", false, "write one JSON object per question")
	data := dataFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	conf, err := envConfidence(os.Getenv)
	if err != nil {
		return err
	}
	fb, err := e.openFAQ(ctx, os.Getenv, *data, nil, conf...)
	if err != nil {
		return err
	}
	defer fb.Close()
	h := fb.h
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	answer := func(text string) error {
		r, err := h.Answer(ctx, bot.Question{Text: text, Platform: "cli", User: "cli"})
		if err != nil {
			return err
		}
		if !*asJSON {
			text := bot.PlainText(r, false)
			if w := terminalWidth(e.stdout); w > 0 {
				text = console.Format(text, w, true) // bold, bullets, wrapped
			}
			_, err := fmt.Fprintln(e.stdout, text+"\n")
			return err
		}
		res := askResult{Question: text, Kind: r.Kind, Confidence: round(r.Confidence), Urgent: r.Urgent,
			Suggestions: r.Suggestions, ScopeNote: r.ScopeNote, Reply: r.Text}
		if r.Entry != nil {
			res.EntryID = r.Entry.ID
		}
		if res.Suggestions == nil {
			res.Suggestions = []bot.Suggestion{}
		}
		return enc.Encode(res)
	}
	if fs.NArg() > 0 {
		return answer(strings.Join(fs.Args(), " "))
	}
	if isTerminal(e.stdin) {
		// Otherwise a person who typed just "smpbot ask" sees nothing happen.
		fmt.Fprintln(e.stderr, `smpbot ask: reading questions from standard input, one per line; Ctrl-D ends (or: smpbot ask "your question")`)
	}
	// A line over console.MaxLineLen is cut and answered, and the batch goes on.
	err = nil
	if rerr := console.ScanLines(e.stdin, func(line string, cut bool) bool {
		if strings.TrimSpace(line) == "" {
			return true
		}
		if cut {
			fmt.Fprintf(e.stderr, "smpbot ask: a line over %d bytes was cut to its beginning\n", console.MaxLineLen)
		}
		err = answer(line)
		return err == nil
	}); rerr != nil {
		return rerr
	}
	return err
}

func round(f float64) float64 { return float64(int(f*1000+0.5)) / 1000 }

func (e *env) chat(ctx context.Context, args []string) error {
	fs := e.flags("chat")
	data := dataFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	conf, err := envConfidence(os.Getenv)
	if err != nil {
		return err
	}
	fb, err := e.openFAQ(ctx, os.Getenv, *data, nil, conf...)
	if err != nil {
		return err
	}
	defer fb.Close()
	var h bot.Handler = fb.h
	if fb.store != nil && fb.dir != "" {
		// The console is a platform like the others: its questions are recorded.
		var wg sync.WaitGroup
		ctx, cancel := context.WithCancel(ctx)
		ql, rec := e.openQuestionLog(ctx, fb, &wg, os.Getenv, 0, 0)
		defer func() {
			cancel()
			wg.Wait()
			if rec != nil {
				rec.Close(context.Background())
				flush, done := context.WithTimeout(context.Background(), 5*time.Second)
				closeQuestionLog(flush, ql, e.log)
				done()
			}
		}()
		if rec != nil {
			h = rec
		}
	}
	opts := []console.Option{console.WithLogger(e.log)}
	if isTerminal(e.stdin) && isTerminal(e.stdout) {
		// A line editor (history, cursor keys) and replies laid out for the window.
		fd := int(e.stdin.(*os.File).Fd())
		old, err := term.MakeRaw(fd)
		if err != nil {
			return fmt.Errorf("chat: terminal: %w", err)
		}
		defer term.Restore(fd, old)
		opts = append(opts, console.WithTerminal(func() int { return max(terminalWidth(e.stdout), 20) }))
	}
	return console.New(e.stdin, e.stdout, opts...).Run(ctx, h)
}

// isTerminal reports whether r is a terminal (a character device that answers
// terminal requests), not a pipe, file or /dev/null.
func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0 && term.IsTerminal(int(f.Fd()))
}

// terminalWidth is the width of w in columns if it is a terminal, else 0.
func terminalWidth(w any) int {
	if !isTerminal(w) {
		return 0
	}
	if cols, _, err := term.GetSize(int(w.(*os.File).Fd())); err == nil && cols > 0 {
		return cols
	}
	return 80
}
