package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/index"
	"github.com/smpbot/smpbot/knowledge"
)

const usage = `smpbot answers questions about removing or fixing scalp micropigmentation (SMP).

Usage:
  smpbot ask [--json] [--data DIR] [QUESTION...]   answer a question (or one per line of stdin)
  smpbot chat [--data DIR]                         talk to the bot in the terminal
  smpbot run [--data DIR]                          serve Discord and/or Telegram (see README)
  smpbot eval [--data DIR] FILE.jsonl              measure retrieval on a question set
  smpbot faq validate [DIR]                        check a FAQ directory (default: the embedded FAQ)
  smpbot faq add|edit|remove|show|list|history|undo|export|import [--data DIR] ...
                                                   change the FAQ in a data directory
  smpbot report unanswered|stats|suggestions [--json] [--days N] [--data DIR]
                                                   what moderators should look at
  smpbot data purge --user PLATFORM:ID [--data DIR] delete what the question log holds on a user

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
	case "report":
		err = e.report(ctx, rest)
	case "data":
		err = e.data(ctx, rest)
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

// parse parses args, turning flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

// loadEntries reads the FAQ from dir, or the embedded one when dir is empty.
func loadEntries(dir string) ([]knowledge.Entry, error) {
	if dir == "" {
		entries, err := knowledge.Load(knowledge.Embedded())
		if err != nil {
			return nil, fmt.Errorf("embedded FAQ: %w", err)
		}
		return entries, nil
	}
	return knowledge.LoadDir(dir)
}

// openHandler loads the FAQ, indexes it and returns the handler over it.
func (e *env) openHandler(dir string) (*bot.FAQ, *index.Index, error) {
	entries, err := loadEntries(dir)
	if err != nil {
		return nil, nil, err
	}
	idx, err := index.New(entries)
	if err != nil {
		return nil, nil, err
	}
	return bot.NewFAQ(idx, bot.WithLogger(e.log)), idx, nil
}

func (e *env) faq(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: faq needs a subcommand", errUsage)
	}
	switch args[0] {
	case "validate":
		return e.faqValidate(args[1:])
	}
	return fmt.Errorf("%w: unknown faq command %q", errUsage, args[0])
}

func (e *env) faqValidate(args []string) error {
	fs := e.flags("faq validate")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("%w: faq validate takes at most one directory", errUsage)
	}
	dir := fs.Arg(0)
	fsys, name := knowledge.Embedded(), "embedded FAQ"
	if dir != "" {
		fsys, name = os.DirFS(dir), dir
	}
	files, err := knowledge.ReadFS(fsys)
	err = errors.Join(err, knowledge.Validate(files))
	if err != nil {
		fmt.Fprintln(e.stdout, err)
		return fmt.Errorf("%s: FAQ is not valid", name)
	}
	if len(files) == 0 {
		return fmt.Errorf("%s: no %s entry files", name, knowledge.Ext)
	}
	fmt.Fprintf(e.stdout, "%s: %d entries, all valid\n", name, len(files))
	return nil
}
