package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/knowledge"
)

func (e *env) faq(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: faq needs a subcommand", errUsage)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "validate":
		return e.faqValidate(rest)
	case "check":
		return e.faqCheck(ctx, rest)
	}
	if _, _, ok := findCommand([]string{"faq", cmd}); !ok {
		return fmt.Errorf("%w: unknown faq command %q", errUsage, cmd)
	}
	// Each command gets only its own flags, so that -h lists just those.
	fs := e.flags("faq " + cmd)
	data := dataFlag(fs)
	file, base, format, asJSON, del := new(string), new(string), new(string), new(bool), new(bool)
	switch cmd {
	case "add", "edit":
		fs.StringVar(file, "file", "", "the entry in the FAQ file format; - for stdin")
	case "import":
		fs.StringVar(file, "file", "", "the entries to import, JSON or CSV; - for stdin (or name a directory of entry files)")
		fs.BoolVar(del, "delete", false, "also remove the entries the import does not hold, so that the FAQ becomes exactly what is imported")
	}
	if cmd == "edit" || cmd == "remove" {
		fs.StringVar(base, "base", "", "version the change is based on (from faq show); refused if the entry changed since")
	}
	if cmd == "list" || cmd == "history" {
		fs.BoolVar(asJSON, "json", false, "write JSON")
	}
	if cmd == "export" || cmd == "import" {
		fs.StringVar(format, "format", "", "json or csv (default: from the file name, else json)")
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	// Every argument is checked before the store is opened (and perhaps created and
	// seeded).
	dbURL := os.Getenv("SMPBOT_DATABASE_URL")
	wantIDs := cmd == "show" || cmd == "remove" || cmd == "history" || cmd == "undo"
	wantDir := cmd == "import" || cmd == "export" // DIR: entry files, as in a git checkout
	switch {
	case wantIDs && fs.NArg() != 1:
		return fmt.Errorf("%w: faq %s needs one entry id", errUsage, cmd)
	case wantDir && fs.NArg() > 1:
		return fmt.Errorf("%w: faq %s takes at most one directory, got %q", errUsage, cmd, fs.Args())
	case !wantIDs && !wantDir && fs.NArg() > 0:
		return fmt.Errorf("%w: faq %s takes no arguments, got %q", errUsage, cmd, fs.Args())
	case cmd == "import" && (*file == "") == (fs.NArg() == 0):
		return fmt.Errorf("%w: faq import needs --file F or a directory DIR (one of them)", errUsage)
	case *file == "" && (cmd == "add" || cmd == "edit"):
		return fmt.Errorf("%w: faq %s needs --file F", errUsage, cmd)
	case *data == "" && dbURL == "":
		return fmt.Errorf("%w: faq %s needs --data DIR (or SMPBOT_DATA), or SMPBOT_DATABASE_URL", errUsage, cmd)
	}
	// A directory imported into a database that never held a FAQ becomes its FAQ, not
	// an addition to the embedded one.
	store, err := e.openStore(ctx, os.Getenv, *data, storeOptions{noSeed: cmd == "import" && fs.NArg() == 1})
	if err != nil {
		return err
	}
	defer closeStore(store)
	mod := bot.NewModeration(store, bot.Moderators{}, e.log)
	who := cliIdentity()
	arg := func() (string, error) {
		if fs.NArg() != 1 {
			return "", fmt.Errorf("%w: faq %s needs one entry id", errUsage, cmd)
		}
		return fs.Arg(0), nil
	}
	switch cmd {
	case "list":
		entries := store.Entries()
		if *asJSON {
			return writeJSON(e.stdout, entries)
		}
		for _, en := range entries {
			fmt.Fprintf(e.stdout, "%-28s %s\n", en.ID, en.Question)
		}
		return nil
	case "show":
		id, err := arg()
		if err != nil {
			return err
		}
		en, v, err := store.Get(id)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "version %s\n", v)
		_, err = e.stdout.Write(knowledge.Format(en))
		return err
	case "add", "edit":
		if *file == "" {
			return fmt.Errorf("%w: faq %s needs --file F", errUsage, cmd)
		}
		data, err := e.readInput(*file)
		if err != nil {
			return err
		}
		f, err := knowledge.Parse(*file, data)
		if err != nil {
			return err
		}
		if cmd == "add" {
			err = mod.Add(ctx, who, f.Entry)
		} else {
			err = mod.Edit(ctx, who, f.Entry, baseOrCurrent(*base))
		}
		if err != nil {
			return err
		}
		_, v, _ := store.Get(f.Entry.ID)
		fmt.Fprintf(e.stdout, "%s %s: version %s\n", verbed(cmd), f.Entry.ID, v)
		return nil
	case "remove":
		id, err := arg()
		if err != nil {
			return err
		}
		if err := mod.Remove(ctx, who, id, baseOrCurrent(*base)); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "removed %s\n", id)
		return nil
	case "history":
		id, err := arg()
		if err != nil {
			return err
		}
		hist, err := mod.History(ctx, who, id)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(e.stdout, hist)
		}
		if len(hist) == 0 {
			fmt.Fprintf(e.stdout, "no recorded changes to %s\n", id)
		}
		for _, c := range hist {
			fmt.Fprintf(e.stdout, "#%d %s %-6s by %s:%s%s\n", c.Seq, c.Time.Format("2006-01-02 15:04:05Z"), c.Action, c.Actor.Platform, c.Actor.User, describeChange(c))
		}
		return nil
	case "undo":
		id, err := arg()
		if err != nil {
			return err
		}
		c, err := mod.Undo(ctx, who, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "undid change #%d (%s of %s)\n", c.Seq, c.Action, id)
		return nil
	case "export":
		if fs.NArg() == 1 {
			dir := fs.Arg(0)
			entries := store.Entries()
			removed, err := exportDir(dir, entries)
			if err != nil {
				return fmt.Errorf("export to %s: %w", dir, err)
			}
			fmt.Fprintf(e.stdout, "exported %d entries to %s (%d files of entries no longer in the FAQ removed)\n", len(entries), dir, removed)
			return nil
		}
		switch formatOf(*format, *file) {
		case "csv":
			return knowledge.WriteCSV(e.stdout, store.Entries())
		default:
			return writeJSON(e.stdout, store.Entries())
		}
	case "import":
		name := *file
		var entries []knowledge.Entry
		if fs.NArg() == 1 {
			name = fs.Arg(0)
			if entries, err = importDir(name); err != nil {
				return fmt.Errorf("nothing imported: %w", err)
			}
		} else {
			data, err := e.readInput(*file)
			if err != nil {
				return err
			}
			if formatOf(*format, *file) == "csv" {
				entries, err = knowledge.ReadCSV(bytes.NewReader(data))
			} else {
				entries, err = knowledge.ReadJSON(bytes.NewReader(data))
			}
			if err != nil {
				return fmt.Errorf("%s: %w", *file, err)
			}
		}
		actor := knowledge.Actor{Platform: who.Platform, User: who.User, Name: "import " + filepath.Base(name)}
		var n knowledge.Imported
		if *del {
			n, err = store.Mirror(ctx, entries, actor)
		} else {
			n.Added, n.Replaced, err = store.Import(ctx, entries, actor)
		}
		if err != nil {
			return fmt.Errorf("%s: nothing imported: %w", name, err)
		}
		removed := ""
		if *del {
			removed = fmt.Sprintf(", %d removed", n.Removed)
		}
		fmt.Fprintf(e.stdout, "imported %s: %d added, %d replaced, %d unchanged%s\n", name, n.Added, n.Replaced, len(entries)-n.Added-n.Replaced, removed)
		return nil
	}
	return fmt.Errorf("%w: unknown faq command %q", errUsage, cmd)
}

// baseOrCurrent is the version an edit or removal is based on: the one given, or
// without --base the one current once the store holds the writer lock (read before it,
// concurrent runs would be refused as stale).
func baseOrCurrent(base string) knowledge.Version {
	if base == "" {
		return knowledge.AnyVersion
	}
	return knowledge.Version(base)
}

func verbed(cmd string) string {
	if cmd == "add" {
		return "added"
	}
	return "edited"
}

// describeChange says in a few words what a change did to an entry.
func describeChange(c knowledge.Change) string {
	switch {
	case c.Before == nil && c.After != nil:
		return fmt.Sprintf(" (created: %q)", c.After.Question)
	case c.After == nil:
		return " (removed)"
	}
	var fields []string
	b, a := *c.Before, *c.After
	diff := func(name string, x, y any) {
		if fmt.Sprint(x) != fmt.Sprint(y) {
			fields = append(fields, name)
		}
	}
	diff("question", b.Question, a.Question)
	diff("alternates", b.Alternates, a.Alternates)
	diff("answer", b.Answer, a.Answer)
	diff("caveats", b.Caveats, a.Caveats)
	diff("tags", b.Tags, a.Tags)
	diff("related", b.Related, a.Related)
	diff("sources", b.Sources, a.Sources)
	if len(fields) == 0 {
		return ""
	}
	return " (changed " + strings.Join(fields, ", ") + ")"
}

func formatOf(format, file string) string {
	if format != "" {
		return strings.ToLower(format)
	}
	if strings.HasSuffix(strings.ToLower(file), ".csv") {
		return "csv"
	}
	return "json"
}

func (e *env) readInput(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(io.LimitReader(e.stdin, 16<<20))
	}
	return os.ReadFile(name)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// dataFlag adds --data, defaulting to $SMPBOT_DATA.
func dataFlag(fs *flag.FlagSet) *string {
	return fs.String("data", os.Getenv("SMPBOT_DATA"), "data directory `DIR` (FAQ in DIR/faq, audit log, question log); default $SMPBOT_DATA")
}

// cliIdentity is who runs the command: whoever can write the data directory moderates.
func cliIdentity() bot.Identity {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return bot.Identity{Platform: "cli", User: name, Name: name, Chat: "cli"}
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
	fsys, name, dataDir := knowledge.Embedded(), "embedded FAQ", ""
	if dir != "" {
		// A data directory holds its FAQ in a subdirectory, and an audit log.
		if st, err := os.Stat(filepath.Join(dir, knowledge.FAQDir)); err == nil && st.IsDir() {
			dataDir, dir = dir, filepath.Join(dir, knowledge.FAQDir)
		}
		fsys, name = os.DirFS(dir), dir
	}
	files, err := knowledge.ReadFS(fsys)
	err = errors.Join(err, knowledge.Validate(files))
	if dataDir != "" {
		problems, notes, aerr := knowledge.CheckAudit(dataDir)
		for _, n := range notes {
			fmt.Fprintf(e.stdout, "note: %s\n", n)
		}
		if aerr != nil {
			problems = append(problems, fmt.Errorf("%s: %w", knowledge.AuditFile, aerr))
		}
		if len(problems) > 0 {
			err = errors.Join(append([]error{err}, problems...)...)
		}
	}
	if err != nil {
		fmt.Fprintln(e.stdout, err)
		return fmt.Errorf("%s: FAQ is not valid", name)
	}
	if len(files) == 0 {
		return fmt.Errorf("%s: no %s entry files", name, knowledge.Ext)
	}
	agree := ""
	if dataDir != "" {
		agree = "; every change in the audit log is made"
	}
	fmt.Fprintf(e.stdout, "%s: %d entries, all valid%s\n", name, len(files), agree)
	return nil
}

// faqFS returns the FAQ in dir (a FAQ directory or a data directory holding one), or
// the embedded FAQ when dir is empty, and a name for messages.
func faqFS(dir string) (fs.FS, string) {
	if dir == "" {
		return knowledge.Embedded(), "embedded FAQ"
	}
	// A data directory holds its FAQ in a subdirectory.
	if st, err := os.Stat(filepath.Join(dir, knowledge.FAQDir)); err == nil && st.IsDir() {
		dir = filepath.Join(dir, knowledge.FAQDir)
	}
	return os.DirFS(dir), dir
}
