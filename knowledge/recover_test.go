package knowledge

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

var errCrash = errors.New("writer stopped between its audit record and its file (test)")

// newEntry returns a valid entry of its own, unlike any in the embedded FAQ.
func newEntry(id string) Entry {
	e := sample()
	e.ID = id
	e.Question = "What about " + strings.ReplaceAll(id, "-", " ") + "?"
	e.Alternates = []string{"tell me about " + strings.ReplaceAll(id, "-", " ")}
	e.Related = []string{"cost"}
	return e
}

// crashAfterAudit makes s stop its next change after the audit record, as a writer
// killed there would (the lock is released, the file is not written).
func crashAfterAudit(s *Store) {
	s.afterAudit = func(Change) error {
		s.afterAudit = nil
		return errCrash
	}
}

// agree fails the test unless every entry's last audit record matches its file.
func agree(t *testing.T, dir string) {
	t.Helper()
	problems, notes, err := CheckAudit(dir)
	if err != nil || len(problems) > 0 || len(notes) > 0 {
		t.Errorf("audit log and files disagree: %v %q %v", problems, notes, err)
	}
}

// A writer dies after recording an add; a store already open in another process (the
// running bot) then makes an unrelated edit. The dead writer's change must be made
// before the edit is recorded, so that history, show and undo agree.
func TestStoreCompletesADeadWritersChangeBeforeItsOwn(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dead := openStore(t, dir)
	running := openStore(t, dir)

	crashAfterAudit(dead)
	if _, err := dead.Put(ctx, newEntry("eyebrow-laser"), "", moderator); !errors.Is(err, errCrash) {
		t.Fatalf("crashing add = %v", err)
	}
	if problems, _, _ := CheckAudit(dir); len(problems) != 1 || !errors.Is(problems[0], ErrNotApplied) {
		t.Errorf("CheckAudit after the crash = %v, want one change not applied", problems)
	}

	e, v, err := running.Get("cost")
	if err != nil {
		t.Fatal(err)
	}
	e.Answer = "An edit made after the crash."
	if _, err := running.Put(ctx, e, v, moderator); err != nil {
		t.Fatalf("edit after the crash: %v", err)
	}
	if _, _, err := running.Get("eyebrow-laser"); err != nil {
		t.Errorf("the dead writer's add was not made: %v", err)
	}
	agree(t, dir)
	// Undo of the completed add is not stale.
	if _, err := running.Undo(ctx, "eyebrow-laser", moderator); err != nil {
		t.Errorf("undo of the completed add: %v", err)
	}
	agree(t, dir)
}

// An import interrupted after its records is completed whole by the next writer, even
// when the crash came before any of its files was written.
func TestStoreCompletesAnInterruptedImportWhole(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openStore(t, dir)
	cost, _, _ := s.Get("cost")
	cost.Answer = "Imported answer."
	batch := []Entry{newEntry("import-one"), newEntry("import-two"), cost}
	crashAfterAudit(s)
	if _, _, err := s.Import(ctx, batch, moderator); !errors.Is(err, errCrash) {
		t.Fatalf("crashing import = %v", err)
	}
	// The next change, from the same process, completes the batch first.
	other := newEntry("after-import")
	other.Alternates = []string{"something else entirely"}
	if _, err := s.Put(ctx, other, "", moderator); err != nil {
		t.Fatalf("add after the crash: %v", err)
	}
	for _, want := range batch {
		got, _, err := s.Get(want.ID)
		if err != nil || got.Answer != want.Answer {
			t.Errorf("%s after recovery: %q, %v; want %q", want.ID, got.Answer, err, want.Answer)
		}
	}
	agree(t, dir)
}

// Recovery on open completes every pending change, not only the last one.
func TestOpenStoreCompletesEveryPendingChange(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openStore(t, dir)
	crashAfterAudit(s)
	if _, err := s.Put(ctx, newEntry("first-lost"), "", moderator); !errors.Is(err, errCrash) {
		t.Fatalf("crashing add = %v", err)
	}
	// A second record behind it, from a writer that did not recover first (as smpbot
	// before this fix did), also never made.
	second := newEntry("second-lost")
	if err := s.appendAudit(Change{Seq: 2, Time: time.Now(), Actor: moderator, Action: "add", ID: second.ID, After: &second}); err != nil {
		t.Fatal(err)
	}
	again := openStore(t, dir)
	for _, id := range []string{"first-lost", "second-lost"} {
		if _, _, err := again.Get(id); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	agree(t, dir)
}

// Recovery never overwrites a file a person edited by hand after the crash.
func TestRecoveryLeavesAHandEditAlone(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openStore(t, dir)
	e, v, _ := s.Get("cost")
	e.Answer = "The edit that crashed."
	crashAfterAudit(s)
	if _, err := s.Put(ctx, e, v, moderator); !errors.Is(err, errCrash) {
		t.Fatalf("crashing edit = %v", err)
	}
	byHand := e
	byHand.Answer = "Typed in an editor after the crash."
	path := filepath.Join(dir, FAQDir, "cost.md")
	if err := os.WriteFile(path, Format(byHand), 0o644); err != nil {
		t.Fatal(err)
	}
	again := openStore(t, dir)
	if got, _, _ := again.Get("cost"); got.Answer != byHand.Answer {
		t.Errorf("after recovery cost says %q, want the hand edit kept", got.Answer)
	}
	if data, _ := os.ReadFile(path); !bytes.Equal(data, Format(byHand)) {
		t.Errorf("recovery rewrote the hand-edited file:\n%s", data)
	}
	if _, notes, _ := CheckAudit(dir); len(notes) != 1 || !strings.Contains(notes[0], "cost.md differs") {
		t.Errorf("CheckAudit notes = %q, want the hand edit noted", notes)
	}
}

// A data directory from before audit.applied existed, whose last record for an entry
// was never made, is repaired on open.
func TestRecoveryWithoutAppliedMark(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openStore(t, dir)
	crashAfterAudit(s)
	if _, err := s.Put(ctx, newEntry("lost-add"), "", moderator); !errors.Is(err, errCrash) {
		t.Fatal(err)
	}
	e, _, _ := s.Get("cost")
	e.Answer = "A later edit of another entry."
	// An old writer appended behind the lost record without completing it.
	ch := Change{Seq: 2, Time: time.Now(), Actor: moderator, Action: "edit", ID: "cost", After: &e}
	before, _, _ := s.Get("cost")
	ch.Before = &before
	if err := s.appendAudit(ch); err != nil {
		t.Fatal(err)
	}
	if err := s.write(ch); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, AppliedFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	again := openStore(t, dir)
	if _, _, err := again.Get("lost-add"); err != nil {
		t.Errorf("the lost add was not completed: %v", err)
	}
	agree(t, dir)
}

func TestRecoveryRemovesOrphanTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	orphans := []string{filepath.Join(dir, FAQDir, ".cost.md.tmp-123456"), filepath.Join(dir, ".audit.applied.tmp-99")}
	for _, o := range orphans {
		if err := os.WriteFile(o, []byte("half"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e, v, _ := s.Get("cost")
	e.Answer = "Any change."
	if _, err := s.Put(context.Background(), e, v, moderator); err != nil {
		t.Fatal(err)
	}
	for _, o := range orphans {
		if _, err := os.Stat(o); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still there after a change: %v", o, err)
		}
	}
}

// AnyVersion applies an edit to the version current under the lock, so concurrent
// edits without a base all succeed, one after the other.
func TestStoreAnyVersionUnderTheLock(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	openStore(t, dir)
	errs := make(chan error)
	for i := range 6 {
		go func() {
			s, err := OpenStore(dir) // one store per writer, as separate processes
			if err != nil {
				errs <- err
				return
			}
			e, _, _ := s.Get("cost")
			e.Answer = fmt.Sprintf("Edit %d without a base.", i)
			_, err = s.Put(ctx, e, AnyVersion, moderator)
			errs <- err
		}()
	}
	for range 6 {
		if err := <-errs; err != nil {
			t.Errorf("edit without a base: %v", err)
		}
	}
	s := openStore(t, dir)
	if hist, _ := s.History("cost"); len(hist) != 6 {
		t.Errorf("%d recorded edits, want 6", len(hist))
	}
	agree(t, dir)
}

// The kill between audit record and rename, with a real process and SIGKILL: the child
// (this test binary again) dies with the lock held, another store waiting for the lock
// completes its change before making its own.
func TestStoreKilledBetweenAuditAndRename(t *testing.T) {
	if dir := os.Getenv("SMPBOT_TEST_KILL_AFTER_AUDIT"); dir != "" {
		s, err := OpenStore(dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		s.afterAudit = func(Change) error {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // never returns
		}
		s.Put(context.Background(), newEntry("killed-writer"), "", moderator)
		os.Exit(3) // not reached
	}
	ctx := context.Background()
	dir := t.TempDir()
	waiting := openStore(t, dir)
	cmd := exec.Command(os.Args[0], "-test.run=^TestStoreKilledBetweenAuditAndRename$")
	cmd.Env = append(os.Environ(), "SMPBOT_TEST_KILL_AFTER_AUDIT="+dir)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child: %v, want killed by SIGKILL\n%s", err, out)
	}
	if hist, _ := waiting.History("killed-writer"); len(hist) != 1 {
		t.Fatalf("the killed writer recorded %d changes, want 1", len(hist))
	}
	e, v, _ := waiting.Get("cost")
	e.Answer = "Written by the process that waited."
	if _, err := waiting.Put(ctx, e, v, moderator); err != nil {
		t.Fatal(err)
	}
	if _, _, err := waiting.Get("killed-writer"); err != nil {
		t.Errorf("the killed writer's add is lost: %v", err)
	}
	agree(t, dir)
}

// One broken hand-written file neither stops a start nor the edits of other entries:
// it is reported with its file and line, its entry keeps its last good version, and
// the store refuses to overwrite it.
func TestStoreStartsAndEditsWithABrokenFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openStore(t, dir)
	e, v, _ := s.Get("cost")
	e.Answer = "The last good answer, recorded."
	if _, err := s.Put(ctx, e, v, moderator); err != nil {
		t.Fatal(err)
	}
	costBroken := []byte("---\nid: cost\nquestion: [unclosed\n---\nHalf-typed.\n")
	newBroken := []byte("---\nid: brand-new\n")
	writeFile(t, filepath.Join(dir, FAQDir, "cost.md"), costBroken)
	writeFile(t, filepath.Join(dir, FAQDir, "brand-new.md"), newBroken)

	for _, st := range []*Store{s, nil} {
		name := "running store"
		if st == nil {
			name = "restarted store"
			var err error
			if st, err = OpenStore(dir); err != nil {
				t.Fatalf("a start with a broken file failed: %v", err)
			}
		} else if err := st.Reload(); err == nil {
			t.Errorf("%s: Reload reported no problem", name)
		}
		var got []string
		for _, p := range st.Problems() {
			got = append(got, p.Error())
		}
		joined := strings.Join(got, "\n")
		if len(got) != 2 || !strings.Contains(joined, "brand-new.md:1") || !regexp.MustCompile(`cost\.md:\d+: syntax error`).MatchString(joined) || strings.Contains(joined, dir) {
			t.Errorf("%s: problems\n%s\nwant cost.md:LINE and brand-new.md:1, without the server path", name, joined)
		}
		if got, _, err := st.Get("cost"); err != nil || got.Answer != e.Answer {
			t.Errorf("%s: cost = %q, %v; want the last good version", name, got.Answer, err)
		}
		other, ov, _ := st.Get("aftercare")
		other.Answer += " (" + name + ")"
		if _, err := st.Put(ctx, other, ov, moderator); err != nil {
			t.Errorf("%s: editing another entry: %v", name, err)
		}
		if _, err := st.Put(ctx, e, AnyVersion, moderator); !errors.Is(err, ErrBroken) {
			t.Errorf("%s: editing the broken entry = %v, want ErrBroken", name, err)
		}
		if _, err := st.Put(ctx, newEntry("brand-new"), "", moderator); !errors.Is(err, ErrBroken) {
			t.Errorf("%s: adding over a broken file = %v, want ErrBroken", name, err)
		}
	}
	for file, want := range map[string][]byte{"cost.md": costBroken, "brand-new.md": newBroken} {
		if got, _ := os.ReadFile(filepath.Join(dir, FAQDir, file)); !bytes.Equal(got, want) {
			t.Errorf("%s was overwritten:\n%s", file, got)
		}
	}
}

// An entry naming a broken one as related is served without that link, and only the
// broken file is reported; a related id that names nothing at all is reported on the
// file that has it, whose entry is still served and may be edited.
func TestStoreDropsRelatedIDsThatNameNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	openStore(t, dir)
	writeFile(t, filepath.Join(dir, FAQDir, "target.md"), []byte("---\nid: target\n---\n"))
	pointing := newEntry("pointing")
	pointing.Related = []string{"target", "cost"}
	writeFile(t, filepath.Join(dir, FAQDir, "pointing.md"), Format(pointing))
	dangling := newEntry("dangling")
	dangling.Alternates = []string{"a phrasing of its own"}
	dangling.Related = []string{"no-such-entry"}
	writeFile(t, filepath.Join(dir, FAQDir, "dangling.md"), Format(dangling))
	s := openStore(t, dir)
	if got, _, err := s.Get("pointing"); err != nil || !slices.Equal(got.Related, []string{"cost"}) {
		t.Errorf("pointing: related %v, %v; want served with [cost]", got.Related, err)
	}
	if got, _, err := s.Get("dangling"); err != nil || len(got.Related) != 0 {
		t.Errorf("dangling: related %v, %v; want served without related", got.Related, err)
	}
	var files []string
	for _, p := range s.Problems() {
		var ke *Error
		if errors.As(p, &ke) && !slices.Contains(files, ke.File) {
			files = append(files, ke.File)
		}
	}
	if strings.Join(files, ",") != "dangling.md,target.md" {
		t.Errorf("problems in %v, want dangling.md and target.md", files)
	}
	d, v, _ := s.Get("dangling")
	d.Answer = "Edited through the store, which writes it whole."
	if _, err := s.Put(ctx, d, v, moderator); err != nil {
		t.Errorf("editing the entry with a dangling related id: %v", err)
	}
}

// A broken file nobody has changed through the store (no last good version) does not
// take the entries that name it down with it.
func TestStoreBrokenSeededFileDoesNotCascade(t *testing.T) {
	dir := t.TempDir()
	before := len(openStore(t, dir).Entries())
	writeFile(t, filepath.Join(dir, FAQDir, "cost.md"), []byte("---\nid: cost\nquestion: [\n---\n"))
	s := openStore(t, dir)
	if got := len(s.Entries()); got != before-1 {
		t.Errorf("%d entries served with cost.md broken, want %d", got, before-1)
	}
	if p := s.Problems(); len(p) != 1 {
		t.Errorf("problems: %v, want only cost.md's", p)
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// A writer killed between its audit record and its rename, while another process (the
// running bot) watches the data directory: the watcher completes the change under the
// lock and the running store serves it, with no further write anywhere.
func TestWatchCompletesAKilledWritersChange(t *testing.T) {
	dir := t.TempDir()
	published := make(chan []Entry, 10)
	running := openStore(t, dir, OnChange(func(es []Entry) { published <- es }))
	watch(t, running)

	cmd := exec.Command(os.Args[0], "-test.run=^TestStoreKilledBetweenAuditAndRename$")
	cmd.Env = append(os.Environ(), "SMPBOT_TEST_KILL_AFTER_AUDIT="+dir)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child: %v, want killed by SIGKILL\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, FAQDir, "killed-writer"+Ext)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the killed writer's file exists (%v): it died too late to test anything", err)
	}

	deadline := time.After(30 * time.Second)
	for {
		select {
		case es := <-published:
			if !slices.ContainsFunc(es, func(e Entry) bool { return e.ID == "killed-writer" }) {
				continue
			}
		case <-deadline:
			t.Fatal("the killed writer's add was not completed and published within 30 s")
		}
		break
	}
	if _, _, err := running.Get("killed-writer"); err != nil {
		t.Errorf("the running store does not serve the completed add: %v", err)
	}
	if hist, _ := running.History("killed-writer"); len(hist) != 1 {
		t.Errorf("%d recorded changes to killed-writer, want the one the killed writer made", len(hist))
	}
	agree(t, dir)
	if problems, _, err := CheckAudit(dir); err != nil || len(problems) != 0 {
		t.Errorf("CheckAudit after the watcher completed the change: %v %v", problems, err)
	}
}

// A change left unmade before the watcher started is completed when it starts.
func TestWatchCompletesAChangeLeftBeforeItStarted(t *testing.T) {
	dir := t.TempDir()
	running := openStore(t, dir)
	dead := openStore(t, dir)
	crashAfterAudit(dead)
	if _, err := dead.Put(context.Background(), newEntry("left-unmade"), "", moderator); !errors.Is(err, errCrash) {
		t.Fatalf("crashing add = %v", err)
	}
	watch(t, running)
	if _, _, err := running.Get("left-unmade"); err != nil {
		t.Errorf("once the watcher started: %v", err)
	}
	agree(t, dir)
}

// watch runs s.Watch until the test ends and returns once it has started.
func watch(t *testing.T, s *Store) {
	t.Helper()
	events := make(chan string, 1)
	s.onWatch = func(what string) {
		select {
		case events <- what:
		default: // only the start is waited for
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Watch(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-events:
	case <-time.After(10 * time.Second):
		t.Fatal("the watcher did not start within 10 s")
	}
}
