package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/index"
	"github.com/smpbot/smpbot/knowledge"
)

const usage = `smpbot answers questions about removing or fixing scalp micropigmentation (SMP).

Usage:
  smpbot ask [--json] [--data DIR] [QUESTION...]   answer a question (or one per line of stdin)
  smpbot chat [--data DIR]                         talk to the bot in the terminal
  smpbot run [--config F] [--data DIR] ...         serve Discord and/or Telegram (see README)
  smpbot config check [--config F] ...             validate the configuration, print it (secrets redacted)
  smpbot eval [--data DIR] FILE.jsonl              measure retrieval on a question set
  smpbot faq validate [DIR]                        check a FAQ directory (default: the embedded FAQ)
  smpbot faq check [--folds N] [DIR]               cross-validate a FAQ: held-out phrasings, which land on another entry
  smpbot faq add|edit|remove|show|list|history|undo|export|import [--data DIR] ...
                                                   change the FAQ in a data directory
  smpbot report unanswered|stats|suggestions [--json] [--days N] [--data DIR]
                                                   what moderators should look at
  smpbot report suggestions --accept ID | --reject ID [--data DIR]
                                                   add a proposed phrasing to its entry, or drop it
  smpbot data purge --user PLATFORM:ID | --older-than DAYS [--data DIR]
                                                   delete question-log records
  smpbot data rotate-key [--data DIR]              new key for hashing user ids (unlinks every record)

Without --data the FAQ compiled into the binary is used.
`

// errUsage marks errors caused by how the command was called (exit status 2).
var errUsage = errors.New("usage")

// env is what a subcommand runs with.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	log            *slog.Logger
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr,
		log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
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
	case "console":
		err = e.console(ctx, rest)
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = fmt.Errorf("%w: unknown command %q", errUsage, cmd)
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "smpbot: %v\n\n%s", err, usage)
		return 2
	default:
		fmt.Fprintf(stderr, "smpbot: %v\n", err)
		return 1
	}
}

// flags returns a FlagSet for a subcommand that reports errors through run.
func (e *env) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("smpbot "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parse parses args, allowing flags after positional arguments ("faq show ID --data
// D"), and turns flag errors into usage errors. The positional arguments are then
// fs.Args().
func parse(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if rest[0] == "--" {
			positional = append(positional, rest[1:]...)
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	return fs.Parse(append([]string{"--"}, positional...))
}

// faqBot is the FAQ the bot answers from, indexed, with the handler over it.
type faqBot struct {
	idx   *index.Index
	store *knowledge.Store // nil when answering from the embedded FAQ
	h     *bot.FAQ
	// reindexed, if set before the store can change, is told of every rebuild.
	reindexed func(entries int, err error)
}

// openFAQ loads the embedded FAQ (dir empty) or the data directory dir, seeding it on
// first use; changes to the data directory's FAQ are indexed as they are made.
func (e *env) openFAQ(dir string, opts ...bot.Option) (*faqBot, error) {
	fb := &faqBot{}
	var entries []knowledge.Entry
	if dir == "" {
		var err error
		if entries, err = knowledge.Load(knowledge.Embedded()); err != nil {
			return nil, fmt.Errorf("embedded FAQ: %w", err)
		}
	} else {
		store, err := knowledge.OpenStore(dir, knowledge.WithStoreLogger(e.log), knowledge.OnChange(func(es []knowledge.Entry) {
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
		}))
		if err != nil {
			return nil, err
		}
		fb.store = store
		entries = store.Entries()
	}
	idx, err := index.New(entries)
	if err != nil {
		return nil, err
	}
	fb.idx = idx
	fb.h = bot.NewFAQ(idx, append([]bot.Option{bot.WithLogger(e.log)}, opts...)...)
	return fb, nil
}

// Close releases the index.
func (fb *faqBot) Close() error { return fb.idx.Close() }
