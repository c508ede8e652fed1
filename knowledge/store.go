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
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Layout of a data directory.
const (
	FAQDir      = "faq"           // one entry file per FAQ entry
	AuditFile   = "audit.jsonl"   // append-only record of every change made through a Store
	AppliedFile = "audit.applied" // the seq of the last audit record known to be on disk
	lockFile    = ".lock"         // serialises writers across processes
)

// AnyVersion as the base of an edit or a removal applies it to whatever version the
// entry has once the writer lock is held (the command line without --base). Chat
// fronts always name the version the moderator saw.
const AnyVersion Version = "*"

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
	broken  map[string][]error // file name -> why it is not valid
	// lastGood holds, at start, each entry as its last audit record left it: the
	// stand-in for a file that is not valid when no earlier version is in memory.
	lastGood map[string]Entry

	// afterAudit, when set (by tests), runs between a change's audit record and its
	// file write; an error stops the change there, as a crash would.
	afterAudit func(Change) error
	// onWatch, when set (by tests), hears Watch start and finish each reload.
	onWatch func(string)
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
	all, err := s.recover()
	if err != nil {
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
		if err := s.writeApplied(lastSeq(all)); err != nil {
			return nil, err
		}
	}
	// The FAQ read at start is the caller's to take from Entries, not a change.
	onChange := s.onChange
	s.lastGood, s.onChange = lastRecorded(all), nil
	err = s.reloadLocked()
	s.lastGood, s.onChange = nil, onChange
	if err != nil {
		return nil, err
	}
	return s, nil
}

// lastRecorded returns each entry as the last audit record of its id left it.
func lastRecorded(all []Change) map[string]Entry {
	out := map[string]Entry{}
	for _, ch := range all {
		if ch.After != nil {
			out[ch.ID] = *ch.After
		} else {
			delete(out, ch.ID)
		}
	}
	return out
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
	last, base, err := UndoOf(id, hist)
	if err != nil {
		return Change{}, err
	}
	if err := s.apply(ctx, "undo", id, last.Before, base, who); err != nil {
		return Change{}, err
	}
	return last, nil
}

// UndoOf returns, from the history of the entry id, the change an undo reverts (the
// entry goes back to its Before) and the version the undo is based on: the one that
// change left, so an undo of a version since replaced is refused as stale.
func UndoOf(id string, hist []Change) (last Change, base Version, err error) {
	if len(hist) == 0 {
		return Change{}, "", fmt.Errorf("%w: no recorded change to %q to undo", ErrNotFound, id)
	}
	last = hist[len(hist)-1]
	if last.After != nil {
		base = VersionOf(*last.After)
	}
	return last, base, nil
}

// Import adds or replaces many entries at once. The FAQ as it would be afterwards is
// validated before anything is written; then every change is recorded and written.
func (s *Store) Import(ctx context.Context, entries []Entry, who Actor) (added, replaced int, err error) {
	n, err := s.importEntries(ctx, entries, false, who)
	return n.Added, n.Replaced, err
}

// Mirror makes the FAQ exactly entries, as Import does, and also removes every entry
// not among them, all in one batch of the audit log.
func (s *Store) Mirror(ctx context.Context, entries []Entry, who Actor) (Imported, error) {
	return s.importEntries(ctx, entries, true, who)
}

func (s *Store) importEntries(ctx context.Context, entries []Entry, mirror bool, who Actor) (Imported, error) {
	if err := ctx.Err(); err != nil {
		return Imported{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	unlock, err := s.lock()
	if err != nil {
		return Imported{}, err
	}
	defer unlock()
	all, err := s.recover()
	if err != nil {
		return Imported{}, err
	}
	if err := s.reloadLocked(); err != nil {
		return Imported{}, err
	}
	changes, n, err := PlanImport(s.list(), entries, mirror, lastSeq(all), who, s.brokenErr)
	if err != nil {
		return Imported{}, err
	}
	seq := lastSeq(all) + int64(len(changes))
	if len(changes) > 0 {
		if err := s.appendAudit(changes...); err != nil {
			return Imported{}, err
		}
		for _, ch := range changes {
			if s.afterAudit != nil {
				if err := s.afterAudit(ch); err != nil {
					return Imported{}, err
				}
			}
			if err := s.write(ch); err != nil {
				return Imported{}, fmt.Errorf("import recorded but file %s%s not written (the next change or start completes it): %w", ch.ID, Ext, err)
			}
		}
		if err := s.writeApplied(seq); err != nil {
			return Imported{}, err
		}
	}
	if err := s.reloadLocked(); err != nil {
		return Imported{}, err
	}
	s.log.Info("FAQ imported", "added", n.Added, "replaced", n.Replaced, "removed", n.Removed, "platform", who.Platform, "user", who.User)
	return n, nil
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
	// A writer that died since its audit record was written is completed first, so the
	// record this change appends follows a log that agrees with the files.
	all, err := s.recover()
	if err != nil {
		return err
	}
	// Another process may have written since we last looked.
	if err := s.reloadLocked(); err != nil {
		return err
	}
	if err := s.brokenErr(id); err != nil {
		return err
	}
	cur, exists := s.entries[id]
	switch {
	case action == "add" && exists:
		return fmt.Errorf("%w: %q already exists", ErrDuplicateID, id)
	case action != "add" && action != "undo" && !exists:
		return fmt.Errorf("%w: %q", ErrNotFound, id)
	case exists && base != AnyVersion && VersionOf(cur) != base:
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
	ch := Change{Seq: lastSeq(all) + 1, Time: time.Now().UTC(), Actor: who, Action: action, ID: id, Before: before, After: after}
	if err := s.appendAudit(ch); err != nil {
		return err
	}
	if s.afterAudit != nil {
		if err := s.afterAudit(ch); err != nil {
			return err
		}
	}
	if err := s.write(ch); err != nil {
		return fmt.Errorf("change #%d is recorded but its file was not written (the next change or start completes it): %w", ch.Seq, err)
	}
	if err := s.writeApplied(ch.Seq); err != nil {
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

func lastSeq(all []Change) int64 {
	if len(all) == 0 {
		return 0
	}
	return all[len(all)-1].Seq
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

// recover completes or discards what a crash interrupted, and returns the audit log.
// It runs under the writer lock before every change, in every process, so no change is
// recorded after one that was never made.
//
// A torn last line of the audit log is cut off: its change was never made, as the file
// is written only after the record is durable. Every record after the one AppliedFile
// names was recorded and perhaps not made: each is completed in order, unless its file
// was edited by hand since (see complete). Without AppliedFile (a data directory from
// before it existed) the last record of every entry is checked the same way. Temporary
// files a crashed writer left behind are removed.
func (s *Store) recover() ([]Change, error) {
	defer s.removeOrphans()
	path := filepath.Join(s.dir, AuditFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if n := len(data); n > 0 && data[n-1] != '\n' {
		cut := bytes.LastIndexByte(data, '\n') + 1
		s.log.Warn("audit log ends in a torn record from a crash; dropping it", "bytes", n-cut)
		if err := os.Truncate(path, int64(cut)); err != nil {
			return nil, err
		}
		data = data[:cut]
	}
	all, err := readAudit(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return all, nil
	}
	applied, known, err := s.readApplied()
	if err != nil {
		return nil, err
	}
	last := lastSeq(all)
	if known && applied == last {
		return all, nil
	}
	for _, ch := range pending(all, applied, known) {
		if err := s.complete(ch); err != nil {
			return nil, err
		}
	}
	return all, s.writeApplied(last)
}

// pending returns the records that may not have been made: those after applied or,
// when it is not known, the last record of each entry.
func pending(all []Change, applied int64, known bool) []Change {
	if known {
		i := len(all)
		for i > 0 && all[i-1].Seq > applied {
			i--
		}
		return all[i:]
	}
	lastOf := map[string]int{}
	for i, ch := range all {
		lastOf[ch.ID] = i
	}
	var out []Change
	for i, ch := range all {
		if lastOf[ch.ID] == i {
			out = append(out, ch)
		}
	}
	return out
}

// readApplied returns the seq AppliedFile holds, and whether there is one.
func (s *Store) readApplied() (int64, bool, error) {
	data, err := os.ReadFile(filepath.Join(s.dir, AppliedFile))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil {
		// Damaged: check every entry's last record instead.
		s.log.Warn("ignoring a damaged "+AppliedFile, "err", err)
		return 0, false, nil
	}
	return n, true, nil
}

// writeApplied records that every change up to seq is on disk.
func (s *Store) writeApplied(seq int64) error {
	return writeFileAtomic(filepath.Join(s.dir, AppliedFile), []byte(strconv.FormatInt(seq, 10)+"\n"))
}

// removeOrphans deletes the temporary files of writers that died before their rename.
// Only a lock holder writes them, so with the lock held every one is an orphan.
func (s *Store) removeOrphans() {
	for _, d := range []string{s.dir, filepath.Join(s.dir, FAQDir)} {
		names, _ := filepath.Glob(filepath.Join(d, ".*.tmp-*"))
		for _, n := range names {
			if err := os.Remove(n); err == nil {
				s.log.Warn("removed a temporary file left by a crashed writer", "file", n)
			}
		}
	}
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
		s.log.Warn("not completing a change interrupted by a crash: the file was edited by hand since",
			"seq", ch.Seq, "action", ch.Action, "id", ch.ID)
		return nil
	}
	s.log.Warn("completing a change interrupted by a crash", "seq", ch.Seq, "action", ch.Action, "id", ch.ID)
	return s.write(ch)
}

// Reload reads the files again. A file that is not valid does not stop the others: the
// last good version of its entry keeps serving (or, if there is none, the entry is left
// out), and the returned error says which files and lines are at fault; Problems
// reports them until they are fixed.
func (s *Store) Reload() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.reloadLocked(); err != nil {
		return err
	}
	return errors.Join(s.problems()...)
}

func (s *Store) reloadLocked() error {
	entries, broken, err := loadTolerant(os.DirFS(filepath.Join(s.dir, FAQDir)), s.lastGoodFor)
	if err != nil {
		return fmt.Errorf("reading the FAQ: %w", err)
	}
	s.setBroken(broken)
	if len(entries) == 0 {
		return fmt.Errorf("the FAQ has no valid %s entry files: %w", Ext, errors.Join(s.problems()...))
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

// lastGoodFor returns the entry a file that is not valid stands for: the one in
// memory, or at start the one its last audit record left.
func (s *Store) lastGoodFor(name string) (Entry, bool) {
	id := strings.TrimSuffix(name, Ext)
	if e, ok := s.entries[id]; ok {
		return e, true
	}
	e, ok := s.lastGood[id]
	return e, ok
}

// setBroken records the files that are not valid and logs each change in that list
// with its file and line.
func (s *Store) setBroken(broken map[string][]error) {
	for name, errs := range broken {
		if fmt.Sprint(errs) == fmt.Sprint(s.broken[name]) {
			continue
		}
		_, kept := s.lastGoodFor(name)
		for _, err := range errs {
			s.log.Error("FAQ file not valid; the other entries are served", "file", filepath.Join(s.dir, FAQDir, name),
				"problem", err.Error(), "last_good_version_kept", kept)
		}
	}
	for name := range s.broken {
		if _, still := broken[name]; !still {
			s.log.Info("FAQ file valid again", "file", filepath.Join(s.dir, FAQDir, name))
		}
	}
	s.broken = broken
}

// Problems returns why each file of the FAQ directory that is not valid is not, with
// file names relative to that directory and line numbers; nil when every file is valid.
func (s *Store) Problems() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.problems()
}

func (s *Store) problems() []error {
	names := make([]string, 0, len(s.broken))
	for n := range s.broken {
		names = append(names, n)
	}
	slices.Sort(names)
	var out []error
	for _, n := range names {
		for _, err := range s.broken[n] {
			out = append(out, unjoin(err)...)
		}
	}
	return out
}

// brokenErr refuses a change to an entry whose file is not valid: writing it would
// overwrite what someone is editing by hand. A file served without a related id that
// names nothing is not refused: the change rewrites it whole, as served.
func (s *Store) brokenErr(id string) error {
	for _, err := range s.broken[id+Ext] {
		for _, e := range unjoin(err) {
			if !errors.Is(e, ErrUnknownRelated) {
				return fmt.Errorf("%w: %w", ErrBroken, e)
			}
		}
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
