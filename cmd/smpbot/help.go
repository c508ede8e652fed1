package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one (sub)command's usage line and what it does, shown by `smpbot help`,
// by -h (with the command's own flags), and alone under a usage error.
type command struct {
	name string // "ask", "faq list"
	args string // what follows the name
	what string
}

// commands lists every command; a group ("faq", "report") is the commands whose names
// start with it.
var commands = []command{
	{"ask", "[--json] [--data DIR] [QUESTION...]", "answer a question, or one per line of stdin"},
	{"chat", "[--data DIR]", "talk to the bot in the terminal"},
	{"run", "[--config F] [--data DIR] [flags]", "serve Discord and/or Telegram (see docs/setup.md)"},
	{"config check", "[--config F] [flags]", "validate the configuration and print it, secrets redacted"},
	{"eval", "[--data DIR] [--walk-seeds LIST] FILE.jsonl...", "measure retrieval on question sets, over walk seeds with --walk-seeds"},
	{"faq validate", "[DIR]", "check a FAQ directory (default: the embedded FAQ)"},
	{"faq check", "[--folds N] [--walk-seeds LIST] [DIR]", "cross-validate a FAQ: held-out phrasings, and which land on another entry (over walk seeds with --walk-seeds)"},
	{"faq list", "[--json] --data DIR", "list the entries of a data directory's FAQ"},
	{"faq show", "ID --data DIR", "print an entry in the file format, its version on stderr"},
	{"faq add", "--file F --data DIR", "add an entry written in the file format (- for stdin)"},
	{"faq edit", "--file F [--base VERSION] --data DIR", "replace an entry; refused if it changed since VERSION"},
	{"faq remove", "ID [--base VERSION] --data DIR", "remove an entry; refused if it changed since VERSION"},
	{"faq history", "ID [--json] --data DIR", "list the recorded changes to an entry"},
	{"faq undo", "ID --data DIR", "restore an entry as it was before its last change"},
	{"faq export", "[--format json|csv] --data DIR [TODIR]", "write every entry as JSON or CSV, or as entry files in TODIR"},
	{"faq import", "--file F [--format json|csv] | FROMDIR [--delete] --data DIR", "add or replace entries from JSON, CSV or entry files, all or nothing; --delete also removes the entries not imported"},
	{"report unanswered", "[--json] [--days N] --data DIR", "questions the bot could not answer"},
	{"report stats", "[--json] [--days N] --data DIR", "questions, answers and declines by platform"},
	{"report suggestions", "[--json] [--days N] [--accept ID | --reject ID] --data DIR", "phrasings to add to entries"},
	{"data purge", "--user PLATFORM:ID | --older-than DAYS --data DIR", "delete question-log records"},
	{"data rotate-key", "--data DIR", "new key for hashing user ids (unlinks every record)"},
	{"console", "[--config F] [--listen ADDR] [flags] --data DIR", "serve the moderators' web console"},
	{"console link", "--name NAME [--base URL] [--ttl D] --data DIR", "print a sign-in link for the web console"},
	{"version", "", "print the program's and the embedded FAQ's versions"},
	{"help", "[COMMAND]", "print this, or a command's usage and flags"},
}

const usageIntro = `smpbot answers questions about removing or fixing scalp micropigmentation (SMP).

Usage:
`

const usageOutro = `
Without --data the FAQ compiled into the binary is used; DIR defaults to $SMPBOT_DATA.
With SMPBOT_DATABASE_URL set the FAQ is the database's (shared by replicas) instead of
DIR's; faq export TODIR and faq import FROMDIR move it to and from entry files.
"smpbot COMMAND -h" prints a command's flags.
`

// groupSummary stands for a group's commands in the top-level usage.
var groupSummary = map[string]command{
	"faq":    {"faq", "validate|list|show|add|edit|remove|history|undo|export|import ...", "check, and change, the FAQ (smpbot faq -h)"},
	"report": {"report", "unanswered|stats|suggestions [--json] --data DIR", "what moderators should look at (smpbot report -h)"},
}

// writeUsage writes the usage of every command whose name starts with prefix, or, for
// prefix "", of every command with the larger groups summarised.
func writeUsage(w io.Writer, prefix string) {
	if prefix == "" {
		io.WriteString(w, usageIntro)
	} else {
		io.WriteString(w, "Usage:\n")
	}
	summarised := map[string]bool{}
	for _, c := range commands {
		if prefix == "" {
			group, _, _ := strings.Cut(c.name, " ")
			if sum, ok := groupSummary[group]; ok {
				if !summarised[group] {
					writeCommand(w, sum)
				}
				summarised[group] = true
				continue
			}
		}
		if prefix == "" || c.name == prefix || strings.HasPrefix(c.name, prefix+" ") {
			writeCommand(w, c)
		}
	}
	if prefix == "" {
		io.WriteString(w, usageOutro)
	}
}

func writeCommand(w io.Writer, c command) {
	const col = 48
	line := strings.TrimSpace("smpbot " + c.name + " " + c.args)
	if len(line) >= col {
		fmt.Fprintf(w, "  %s\n  %*s %s\n", line, col, "", c.what)
		return
	}
	fmt.Fprintf(w, "  %-*s %s\n", col, line, c.what)
}

// findCommand returns the command named by the start of args ("faq", "list", ...): the
// two-word command if there is one, else the group or one-word command.
func findCommand(args []string) (c command, group string, ok bool) {
	if len(args) == 0 {
		return command{}, "", false
	}
	if len(args) > 1 {
		for _, c := range commands {
			if c.name == args[0]+" "+args[1] {
				return c, "", true
			}
		}
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c, "", true
		}
		if strings.HasPrefix(c.name, args[0]+" ") {
			group = args[0]
		}
	}
	return command{}, group, false
}

// usageLine is the one line that says how to call the command args names, for after
// a usage error.
func usageLine(args []string) string {
	c, group, ok := findCommand(args)
	switch {
	case ok:
		return strings.TrimSpace("usage: smpbot " + c.name + " " + c.args)
	case group != "":
		var subs []string
		for _, c := range commands {
			if sub, found := strings.CutPrefix(c.name, group+" "); found {
				subs = append(subs, sub)
			}
		}
		return fmt.Sprintf("usage: smpbot %s %s ... (\"smpbot %s -h\" for details)", group, strings.Join(subs, "|"), group)
	default:
		return `run "smpbot help" for usage`
	}
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// help answers `smpbot help [COMMAND...]` and a group's -h ("smpbot faq -h"); a single
// command's -h is answered by its flag set.
func (e *env) help(ctx context.Context, args []string) int {
	if len(args) == 0 || isHelp(args[0]) {
		writeUsage(e.stdout, "")
		return 0
	}
	c, group, ok := findCommand(args)
	switch {
	case group != "":
		writeUsage(e.stdout, group)
		return 0
	case ok && c.name == "help":
		writeUsage(e.stdout, "")
		return 0
	case ok:
		// Let the command's flag set describe its flags.
		return e.dispatch(ctx, append(strings.Fields(c.name), "-h"))
	}
	fmt.Fprintf(e.stderr, "smpbot: no command %q\n%s\n", strings.Join(args, " "), usageLine(nil))
	return 2
}

// flags returns a FlagSet for a subcommand: parse reports its errors, and -h prints
// the command's usage line and only its own flags to stdout.
func (e *env) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("smpbot "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		c, _, _ := findCommand(strings.Fields(name))
		fmt.Fprintln(e.stdout, usageLine(strings.Fields(name)))
		if c.what != "" {
			fmt.Fprintf(e.stdout, "\n%s.\n", upperFirst(c.what))
		}
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintf(e.stdout, "\nFlags:\n")
			fs.SetOutput(e.stdout)
			fs.PrintDefaults()
			fs.SetOutput(io.Discard)
		}
	}
	return fs
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// parse parses args, allowing flags after positional arguments ("faq show ID --data
// D"), and turns flag errors into usage errors. The positional arguments are then
// fs.Args(). On -h it prints the command's help (fs.Usage) and returns flag.ErrHelp.
func parse(fs *flag.FlagSet, args []string) error {
	help := fs.Usage
	// The flag package calls Usage on every error too; only -h should print help.
	fs.Usage = func() {}
	defer func() { fs.Usage = help }()
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				help()
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
