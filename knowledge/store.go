package knowledge

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"
)

// Layout of a data directory.
const (
	FAQDir    = "faq"         // one entry file per FAQ entry
	AuditFile = "audit.jsonl" // append-only record of every change made through a Store
	lockFile  = ".lock"       // serialises writers across processes
)

// Actor says who made a change and from where.
type Actor struct {
	Platform string `json:"platform"` // "discord", "telegram", "cli", ...
	User     string `json:"user"`     // platform user id or, on the command line, the OS user
	Name     string `json:"name,omitempty"`
	Chat     string `json:"chat,omitempty"`
}

// Change is one record of the audit log.
type Change struct {
	Seq    int64     `json:"seq"`
	Time   time.Time `json:"time"`
	Actor  Actor     `json:"actor"`
	Action string    `json:"action"` // add, edit, remove, undo, import
	// Batch, when not zero, groups the changes of one import: recovery after a crash
	// completes the whole batch, so the FAQ on disk stays valid.
	Batch  int64  `json:"batch,omitempty"`
	ID     string `json:"id"`
	Before *Entry `json:"before,omitempty"` // nil when the entry did not exist
	After  *Entry `json:"after,omitempty"`  // nil when the entry was removed
}

// Version identifies the content of an entry; an edit names the version it was based
// on, so an edit of a stale copy is refused instead of overwriting another change.
type Version string

// VersionOf returns the version of an entry's content.
func VersionOf(e Entry) Version {
	sum := sha256.Sum256(Format(e))
	return Version(hex.EncodeToString(sum[:6]))
}

// Store keeps a FAQ in a data directory: entry files in FAQDir, every change made
// through it recorded first in the audit log, then written atomically. The files stay
// the source of truth, so they can be reviewed in git and edited by hand; Reload and
// Watch pick such edits up.
//
// A Store is safe for concurrent use; writers in other processes are serialised by a
// lock file.
type Store struct {
	dir      string
	log      *slog.Logger
	onChange func([]Entry)

	mu      sync.Mutex
	entries map[string]Entry
	order   []string
}

// StoreOption configures a Store.
type StoreOption func(*Store)

// WithStoreLogger sets the logger; the default discards.
func WithStoreLogger(l *slog.Logger) StoreOption { return func(s *Store) { s.log = l } }

// OnChange registers f to be called with the whole FAQ after every change, whether made
// through the Store or picked up from the files. f must not call back into the Store.
func OnChange(f func([]Entry)) StoreOption { return func(s *Store) { s.onChange = f } }

// OpenStore opens the data directory dir, creating it and seeding it with the embedded
// FAQ when it holds no entries yet. A change interrupted by a crash is completed from
// the audit log before the FAQ is loaded.
func OpenStore(dir string, opts ...StoreOption) (*Store, error) {
	s := &Store{dir: dir, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(s)
	}
	if err := os.MkdirAll(filepath.Join(dir, FAQDir), 0o755); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	unlock, err := s.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := s.recover(); err != nil {
		return nil, err
	}
	names, err := filepath.Glob(filepath.Join(dir, FAQDir, "*"+Ext))
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		if err := s.seed(); err != nil {
			return nil, err
		}
	}
	entries, err := Load(os.DirFS(filepath.Join(dir, FAQDir)))
	if err != nil {
		return nil, fmt.Errorf("FAQ in %s: %w", filepath.Join(dir, FAQDir), err)
	}
	s.set(entries)
	return s, nil
}

// Dir returns the data directory.
func (s *Store) Dir() string { return s.dir }

func (s *Store) faqPath(id string) string { return filepath.Join(s.dir, FAQDir, id+Ext) }

// seed copies the embedded FAQ into an empty data directory.
func (s *Store) seed() error {
	entries, err := Load(Embedded())
	if err != nil {
		return fmt.Errorf("embedded FAQ: %w", err)
	}
	for _, e := range entries {
		if err := writeFileAtomic(s.faqPath(e.ID), Format(e)); err != nil {
			return err
		}
	}
	s.log.Info("seeded the data directory with the embedded FAQ", "dir", s.dir, "entries", len(entries))
	return nil
}

func (s *Store) set(entries []Entry) {
	s.entries = make(map[string]Entry, len(entries))
	s.order = s.order[:0]
	for _, e := range entries {
		s.entries[e.ID] = e
		s.order = append(s.order, e.ID)
	}
}

// Entries returns the FAQ in file-name order.
func (s *Store) Entries() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.list()
}

func (s *Store) list() []Entry {
	out := make([]Entry, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.entries[id])
	}
	return out
}

// Get returns the entry with the id and its version.
func (s *Store) Get(id string) (Entry, Version, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[id]
	if !ok {
		return Entry{}, "", fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return e, VersionOf(e), nil
}

// Put adds an entry (base "") or replaces the version base of it. The whole FAQ is
// validated with the change before anything is written.
func (s *Store) Put(ctx context.Context, e Entry, base Version, who Actor) (Version, error) {
	action := "edit"
	if base == "" {
		action = "add"
	}
	if e.Updated == "" {
		e.Updated = time.Now().UTC().Format(time.DateOnly)
	}
	if err := s.apply(ctx, action, e.ID, &e, base, who); err != nil {
		return "", err
	}
	return VersionOf(e), nil
}

// Remove deletes the version base of the entry id.
func (s *Store) Remove(ctx context.Context, id string, base Version, who Actor) error {
	return s.apply(ctx, "remove", id, nil, base, who)
}

// Undo restores the entry id to how it was before its last change, as a new change.
func (s *Store) Undo(ctx context.Context, id string, who Actor) (Change, error) {
	hist, err := s.History(id)
	if err != nil {
		return Change{}, err
	}
	if len(hist) == 0 {
		return Change{}, fmt.Errorf("%w: no recorded change to %q to undo", ErrNotFound, id)
	}
	last := hist[len(hist)-1]
	base := Version("")
	if last.After != nil {
		base = VersionOf(*last.After)
	}
	if err := s.apply(ctx, "undo", id, last.Before, base, who); err != nil {
		return Change{}, err
	}
	return last, nil
}

// Import adds or replaces many entries at once. The FAQ as it would be afterwards is
// validated before anything is written; then every change is recorded and written.
func (s *Store) Import(ctx context.Context, entries []Entry, who Actor) (added, replaced int, err error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	unlock, err := s.lock()
	if err != nil {
		return 0, 0, err
	}
	defer unlock()
	if err := s.reloadLocked(); err != nil {
		return 0, 0, err
	}
	next := s.list()
	incoming := map[string]bool{}
	for _, e := range entries {
		if incoming[e.ID] {
			return 0, 0, fmt.Errorf("%w: %q appears twice in the import", ErrDuplicateID, e.ID)
		}
		incoming[e.ID] = true
	}
	next = slices.DeleteFunc(next, func(e Entry) bool { return incoming[e.ID] })
	next = append(next, entries...)
	if err := ValidateEntries(next); err != nil {
		return 0, 0, err
	}
	seq, err := s.lastSeq()
	if err != nil {
		return 0, 0, err
	}
	batch := seq + 1
	var changes []Change
	for _, e := range entries {
		e := e
		var before *Entry
		if cur, ok := s.entries[e.ID]; ok {
			if VersionOf(cur) == VersionOf(e) {
				continue
			}
			before = &cur
			replaced++
		} else {
			added++
		}
		seq++
		changes = append(changes, Change{Seq: seq, Time: time.Now().UTC(), Actor: who, Action: "import", Batch: batch, ID: e.ID, Before: before, After: &e})
	}
	if err := s.appendAudit(changes...); err != nil {
		return 0, 0, err
	}
	for _, ch := range changes {
		if err := s.write(ch); err != nil {
			return 0, 0, err
		}
	}
	if err := s.reloadLocked(); err != nil {
		return 0, 0, err
	}
	s.log.Info("FAQ imported", "added", added, "replaced", replaced, "platform", who.Platform, "user", who.User)
	return added, replaced, nil
}

// apply makes one change: check the base version, validate the FAQ as it would be,
// record the change in the audit log, write the file, and publish the new FAQ.
func (s *Store) apply(ctx context.Context, action, id string, after *Entry, base Version, who Actor) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	// Another process may have written since we last looked.
	if err := s.reloadLocked(); err != nil {
		return err
	}
	cur, exists := s.entries[id]
	switch {
	case action == "add" && exists:
		return fmt.Errorf("%w: %q already exists", ErrDuplicateID, id)
	case action != "add" && action != "undo" && !exists:
		return fmt.Errorf("%w: %q", ErrNotFound, id)
	case exists && VersionOf(cur) != base:
		return fmt.Errorf("%w: %q is now version %s, the edit was based on %s", ErrStale, id, VersionOf(cur), base)
	case !exists && base != "":
		return fmt.Errorf("%w: %q was removed after version %s was read", ErrStale, id, base)
	}
	next := s.list()
	next = slices.DeleteFunc(next, func(e Entry) bool { return e.ID == id })
	if after != nil {
		next = append(next, *after)
	}
	if err := ValidateEntries(next); err != nil {
		return err
	}
	var before *Entry
	if exists {
		before = &cur
	}
	seq, err := s.lastSeq()
	if err != nil {
		return err
	}
	ch := Change{Seq: seq + 1, Time: time.Now().UTC(), Actor: who, Action: action, ID: id, Before: before, After: after}
	if err := s.appendAudit(ch); err != nil {
		return err
	}
	if err := s.write(ch); err != nil {
		return err
	}
	if err := s.reloadLocked(); err != nil {
		return err
	}
	s.log.Info("FAQ changed", "action", action, "id", id, "platform", who.Platform, "user", who.User)
	return nil
}

// write makes the files agree with a change.
func (s *Store) write(ch Change) error {
	if ch.After == nil {
		err := os.Remove(s.faqPath(ch.ID))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return syncDir(filepath.Join(s.dir, FAQDir))
	}
	return writeFileAtomic(s.faqPath(ch.ID), Format(*ch.After))
}

// History returns the recorded changes to the entry id, oldest first.
func (s *Store) History(id string) ([]Change, error) {
	all, err := s.Audit()
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(c Change) bool { return c.ID != id }), nil
}

// Audit returns the whole audit log, oldest first.
func (s *Store) Audit() ([]Change, error) {
	f, err := os.Open(filepath.Join(s.dir, AuditFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAudit(f)
}

func readAudit(r io.Reader) ([]Change, error) {
	var out []Change
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4*MaxFileSize)
	for line := 1; sc.Scan(); line++ {
		var c Change
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return out, fmt.Errorf("%s line %d: %w", AuditFile, line, err)
		}
		out = append(out, c)
	}
	return out, sc.Err()
}

func (s *Store) lastSeq() (int64, error) {
	all, err := s.Audit()
	if err != nil || len(all) == 0 {
		return 0, err
	}
	return all[len(all)-1].Seq, nil
}

// appendAudit appends records and makes them durable before the change is made: the
// log is written ahead, so a crash between the two is completed by recover.
func (s *Store) appendAudit(changes ...Change) error {
	var buf bytes.Buffer
	for _, ch := range changes {
		line, err := json.Marshal(ch)
		if err != nil {
			return err
		}
		buf.Write(append(line, '\n'))
	}
	path := filepath.Join(s.dir, AuditFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	if err := writeSyncClose(f, buf.Bytes()); err != nil {
		return err
	}
	return syncDir(s.dir)
}

// recover completes or discards what a crash interrupted: a torn last line of the audit
// log is cut off (its change was never made: the file is written only after the record
// is durable), and a recorded change whose file write did not happen is made now.
func (s *Store) recover() error {
	path := filepath.Join(s.dir, AuditFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if n := len(data); n > 0 && data[n-1] != '\n' {
		cut := bytes.LastIndexByte(data, '\n') + 1
		s.log.Warn("audit log ends in a torn record from a crash; dropping it", "bytes", n-cut)
		if err := os.Truncate(path, int64(cut)); err != nil {
			return err
		}
		data = data[:cut]
	}
	all, err := readAudit(bytes.NewReader(data))
	if err != nil {
		return err
	}
	if len(all) == 0 {
		return nil
	}
	// The changes that may be unfinished: the last one, or the whole last batch.
	pending := all[len(all)-1:]
	if b := pending[0].Batch; b != 0 {
		i := len(all) - 1
		for i > 0 && all[i-1].Batch == b {
			i--
		}
		pending = all[i:]
	}
	for _, ch := range pending {
		if err := s.complete(ch); err != nil {
			return err
		}
	}
	return nil
}

// complete makes the file of one recorded change agree with it, if the file still
// holds the version from before the change. A file edited by hand since is left alone.
func (s *Store) complete(ch Change) error {
	want := []byte(nil)
	if ch.After != nil {
		want = Format(*ch.After)
	}
	have, err := os.ReadFile(s.faqPath(ch.ID))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if bytes.Equal(have, want) {
		return nil
	}
	before := []byte(nil)
	if ch.Before != nil {
		before = Format(*ch.Before)
	}
	if !bytes.Equal(have, before) {
		return nil
	}
	s.log.Warn("completing a change interrupted by a crash", "seq", ch.Seq, "action", ch.Action, "id", ch.ID)
	return s.write(ch)
}

// Reload reads the files again. If they are not a valid FAQ, the last good FAQ stays
// and the error says which file and line are at fault.
func (s *Store) Reload() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reloadLocked()
}

func (s *Store) reloadLocked() error {
	entries, err := Load(os.DirFS(filepath.Join(s.dir, FAQDir)))
	if err != nil {
		return fmt.Errorf("FAQ in %s not reloaded: %w", filepath.Join(s.dir, FAQDir), err)
	}
	if slices.EqualFunc(entries, s.list(), func(a, b Entry) bool { return VersionOf(a) == VersionOf(b) && a.ID == b.ID }) {
		return nil
	}
	s.set(entries)
	if s.onChange != nil {
		s.onChange(entries)
	}
	return nil
}

// lock takes the data directory's writer lock, shared with other processes.
func (s *Store) lock() (func(), error) {
	f, err := os.OpenFile(filepath.Join(s.dir, lockFile), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock: %w", err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// writeFileAtomic replaces path with data so that a crash leaves the old file or the
// new one, never a mix: a temporary file in the same directory, fsync, rename, fsync of
// the directory.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op after the rename
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := writeSyncClose(f, data); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

// writeSyncClose writes data to f, makes it durable and closes f.
func writeSyncClose(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
