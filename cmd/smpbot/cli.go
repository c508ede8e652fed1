package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/index"
	"github.com/smpbot/smpbot/knowledge"
)

// errUsage marks errors caused by how the command was called (exit status 2).
var errUsage = errors.New("usage")

// env is what a subcommand runs with.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	log            *slog.Logger
	// waitForDatabase makes openStore wait for a FAQ database that cannot be reached
	// (smpbot run: a replica may start before its database) rather than fail at once
	// (the other commands: someone is waiting for their answer).
	waitForDatabase bool
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr,
		log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	return e.dispatch(ctx, args)
}

// dispatch runs the command args names and returns the exit status: 0, 1 for a
// failure, 2 for a usage error (printed once, with the command's usage line).
func (e *env) dispatch(ctx context.Context, args []string) int {
	if len(args) == 0 {
		writeUsage(e.stderr, "")
		return 2
	}
	cmd, rest := args[0], args[1:]
	if _, group, _ := findCommand(args[:1]); group != "" && len(rest) > 0 && isHelp(rest[0]) {
		return e.help(ctx, args[:1]) // "smpbot faq -h": the group's commands
	}
	var err error
	switch cmd {
	case "ask":
		err = e.ask(ctx, rest)
	case "chat":
		err = e.chat(ctx, rest)
	case "eval":
		err = e.eval(ctx, rest)
	case "faq":
		err = e.faq(ctx, rest)
	case "run":
		err = e.run(ctx, rest)
	case "config":
		err = e.configCmd(rest)
	case "report":
		err = e.report(ctx, rest)
	case "data":
		err = e.data(ctx, rest)
	case "version", "-version", "--version":
		err = e.version(rest)
	case "console":
		err = e.console(ctx, rest)
	case "help", "-h", "--help", "-help":
		return e.help(ctx, rest)
	default:
		err = fmt.Errorf("%w: unknown command %q", errUsage, cmd)
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		msg, _ := strings.CutPrefix(err.Error(), errUsage.Error()+": ")
		fmt.Fprintf(e.stderr, "smpbot: %s\n%s\n", msg, usageLine(args))
		return 2
	default:
		fmt.Fprintf(e.stderr, "smpbot: %v\n", err)
		return 1
	}
}

// faqBot is the FAQ the bot answers from, indexed, with the handler over it.
type faqBot struct {
	idx   *index.Index
	store faqStore // nil when answering from the embedded FAQ
	dir   string   // the data directory; "" without one
	h     *bot.FAQ
	// reindexed, if set before the store can change, is told of every rebuild.
	reindexed func(entries int, err error)
}

// envConfidence is the answer threshold SMPBOT_ANSWER_CONFIDENCE sets for the commands
// without a config file (ask, chat, eval), so that they answer as `run` would with the
// same setting; none when it is unset.
func envConfidence(getenv func(string) string) ([]bot.Option, error) {
	v := getenv("SMPBOT_ANSWER_CONFIDENCE")
	if v == "" {
		return nil, nil
	}
	if err := isFraction(v); err != nil {
		return nil, fmt.Errorf("SMPBOT_ANSWER_CONFIDENCE: %w", err)
	}
	f, _ := strconv.ParseFloat(v, 64)
	return []bot.Option{bot.WithConfidence(f, bot.DefaultSuggestConfidence)}, nil
}

// openFAQ loads the FAQ store (the database's when SMPBOT_DATABASE_URL is set, else
// the data directory dir's, seeding either on first use) or, with neither, the
// embedded FAQ; changes to the store are indexed as they are made, with idxOpts.
func (e *env) openFAQ(ctx context.Context, getenv func(string) string, dir string, idxOpts []index.Option, opts ...bot.Option) (*faqBot, error) {
	fb := &faqBot{dir: dir}
	var entries []knowledge.Entry
	if dir == "" && getenv("SMPBOT_DATABASE_URL") == "" {
		var err error
		if entries, err = knowledge.Load(knowledge.Embedded()); err != nil {
			return nil, fmt.Errorf("embedded FAQ: %w", err)
		}
	} else {
		store, err := e.openStore(ctx, getenv, dir, storeOptions{onChange: func(es []knowledge.Entry) {
			if fb.idx == nil {
				return
			}
			err := fb.idx.Rebuild(es)
			if fb.reindexed != nil {
				fb.reindexed(len(es), err)
			}
			if err != nil {
				e.log.Error("reindexing the FAQ failed; answers use the previous version", "err", err)
				return
			}
			e.log.Info("FAQ reindexed", "entries", len(es))
		}})
		if err != nil {
			return nil, err
		}
		fb.store = store
		entries = store.Entries()
	}
	idx, err := index.New(entries, idxOpts...)
	if err != nil {
		if fb.store != nil {
			closeStore(fb.store)
		}
		return nil, err
	}
	fb.idx = idx
	fb.h = bot.NewFAQ(idx, append([]bot.Option{bot.WithLogger(e.log)}, opts...)...)
	return fb, nil
}

// Close releases the index and the store's connections.
func (fb *faqBot) Close() error {
	if fb.store != nil {
		closeStore(fb.store)
	}
	return fb.idx.Close()
}
