package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/knowledge"
	"github.com/smpbot/smpbot/knowledge/pgstore"
)

// faqStore is what the commands use of a FAQ store: the data directory's files
// (knowledge.Store), or the database replicas share (knowledge/pgstore) when
// database.url is set. A store on a server also has Ping (see faqDatabaseReadiness)
// and Close.
type faqStore interface {
	bot.Editor
	Import(ctx context.Context, entries []knowledge.Entry, who knowledge.Actor) (added, replaced int, err error)
	// Mirror imports entries and removes every entry not among them.
	Mirror(ctx context.Context, entries []knowledge.Entry, who knowledge.Actor) (knowledge.Imported, error)
	Problems() []error
	// Watch keeps the FAQ in memory up to date with changes made elsewhere (files
	// edited, other processes) until ctx is done.
	Watch(ctx context.Context) error
}

var (
	_ faqStore = (*knowledge.Store)(nil)
	_ faqStore = (*pgstore.Store)(nil)
	_ pinger   = (*pgstore.Store)(nil)
)

// storeOptions are what the commands set on either store.
type storeOptions struct {
	onChange func([]knowledge.Entry)
	// noSeed leaves a database that never held a FAQ empty (faq import DIR into a new
	// database), where the embedded FAQ would be mixed with the one imported.
	noSeed bool
}

// openStore opens the FAQ store: in the database when SMPBOT_DATABASE_URL is set,
// otherwise the files of the data directory (required then), seeded on first use.
func (e *env) openStore(ctx context.Context, getenv func(string) string, data string, o storeOptions) (faqStore, error) {
	if dbURL := getenv("SMPBOT_DATABASE_URL"); dbURL != "" {
		opts := []pgstore.Option{pgstore.WithLogger(e.log)}
		if o.onChange != nil {
			opts = append(opts, pgstore.OnChange(o.onChange))
		}
		if o.noSeed {
			opts = append(opts, pgstore.WithoutSeed())
		}
		if d, err := time.ParseDuration(getenv("SMPBOT_DATABASE_RESYNC")); err == nil {
			opts = append(opts, pgstore.ResyncEvery(d))
		}
		if e.waitForDatabase {
			// As the question log retries its writes: 250 ms, doubling to 5 s.
			opts = append(opts, pgstore.WaitForDatabase(250*time.Millisecond, 5*time.Second))
		}
		s, err := pgstore.Open(ctx, dbURL, opts...)
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return s, nil
	}
	if data == "" {
		return nil, errors.New("no FAQ store: set a data directory (--data DIR, SMPBOT_DATA) or database.url (SMPBOT_DATABASE_URL)")
	}
	opts := []knowledge.StoreOption{knowledge.WithStoreLogger(e.log)}
	if o.onChange != nil {
		opts = append(opts, knowledge.OnChange(o.onChange))
	}
	s, err := knowledge.OpenStore(data, opts...)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// closeStore releases a store's connections, if it has any.
func closeStore(s faqStore) {
	if c, ok := s.(io.Closer); ok {
		c.Close()
	}
}

// faqDatabaseReadiness describes, for /readyz, a FAQ database that does not answer:
// the bot answers from the FAQ it last loaded, so the process stays ready.
func faqDatabaseReadiness(s faqStore) string {
	p, ok := s.(pinger)
	if !ok {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := p.Ping(ctx); err != nil {
		return "FAQ database not answering (answers continue from the last copy; edits are refused until it is back): " + err.Error()
	}
	return ""
}

// exportDir writes every entry to dir in the file format, one DIR/ID.md each, and
// removes the entry files of dir that name no entry, so that dir mirrors the store
// (a git checkout shows what changed). Other files are left alone.
func exportDir(dir string, entries []knowledge.Entry) (removed int, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	keep := map[string]bool{}
	for _, en := range entries {
		name := en.ID + knowledge.Ext
		keep[name] = true
		if err := writeFile(filepath.Join(dir, name), knowledge.Format(en)); err != nil {
			return 0, err
		}
	}
	names, err := filepath.Glob(filepath.Join(dir, "*"+knowledge.Ext))
	if err != nil {
		return 0, err
	}
	slices.Sort(names)
	for _, n := range names {
		if base := filepath.Base(n); !keep[base] && !strings.HasPrefix(base, ".") {
			if err := os.Remove(n); err != nil {
				return removed, err
			}
			removed++
		}
	}
	return removed, nil
}

// writeFile replaces path by way of a temporary file, so that a reader (a git diff,
// a watching store) never sees half a file.
func writeFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// importDir reads the FAQ in dir (entry files, or a data directory holding them); any
// file that is not valid refuses the whole import.
func importDir(dir string) ([]knowledge.Entry, error) {
	if st, err := os.Stat(dir); err != nil {
		return nil, err
	} else if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory (JSON or CSV files are imported with --file)", dir)
	}
	fsys, name := faqFS(dir)
	entries, err := knowledge.Load(fsys)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return entries, nil
}
