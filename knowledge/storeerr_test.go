package knowledge

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The error paths of the store's file handling: each fails cleanly and leaves no
// temporary file and no half change. (Tests run as root here, so the failures are
// made with directories where files belong, not with permissions.)
func TestStoreFileErrors(t *testing.T) {
	dir := t.TempDir()
	t.Run("writeFileAtomic into a missing directory", func(t *testing.T) {
		if err := writeFileAtomic(filepath.Join(dir, "missing", "x.md"), []byte("x")); err == nil {
			t.Error("no error")
		}
	})
	t.Run("writeFileAtomic over a directory", func(t *testing.T) {
		target := filepath.Join(dir, "target.md")
		if err := os.MkdirAll(filepath.Join(target, "inside"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := writeFileAtomic(target, []byte("x")); err == nil {
			t.Error("no error")
		}
		if tmps, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*")); len(tmps) != 0 {
			t.Errorf("temporary files left behind: %v", tmps)
		}
	})
	t.Run("lock file that cannot be opened", func(t *testing.T) {
		d := t.TempDir()
		if err := os.Mkdir(filepath.Join(d, lockFile), 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := OpenStore(d); err == nil || !strings.Contains(err.Error(), "lock") {
			t.Errorf("OpenStore = %v, want a lock error", err)
		}
	})
	t.Run("appendAudit to a missing directory", func(t *testing.T) {
		s := &Store{dir: filepath.Join(dir, "nowhere")}
		if err := s.appendAudit(Change{Seq: 1, ID: "x"}); err == nil {
			t.Error("no error")
		}
	})
	t.Run("a change whose file cannot be written", func(t *testing.T) {
		ctx := context.Background()
		d := t.TempDir()
		s := openStore(t, d)
		e := newEntry("blocked")
		// A directory where the entry's file would go.
		if err := os.MkdirAll(filepath.Join(d, FAQDir, "blocked.md", "inside"), 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Put(ctx, e, "", moderator); err == nil {
			t.Fatal("an add over a directory succeeded")
		}
		if _, _, err := s.Get("blocked"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get after a failed add = %v", err)
		}
	})
	t.Run("an audit log that is not JSON", func(t *testing.T) {
		d := t.TempDir()
		openStore(t, d)
		if err := os.WriteFile(filepath.Join(d, AuditFile), []byte("not json\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := OpenStore(d); err == nil || !strings.Contains(err.Error(), "audit.jsonl line 1") {
			t.Errorf("OpenStore = %v, want the bad line named", err)
		}
		if _, _, err := CheckAudit(d); err == nil {
			t.Error("CheckAudit accepted a bad audit log")
		}
	})
}

func TestUndoOfAnEdit(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, t.TempDir())
	orig, v, _ := s.Get("cost")
	if _, err := s.Undo(ctx, "cost", moderator); !errors.Is(err, ErrNotFound) {
		t.Errorf("undo with no recorded change = %v, want ErrNotFound", err)
	}
	e := orig
	e.Answer = "An edit to undo."
	if _, err := s.Put(ctx, e, v, moderator); err != nil {
		t.Fatal(err)
	}
	undone, err := s.Undo(ctx, "cost", moderator)
	if err != nil || undone.Action != "edit" {
		t.Fatalf("undo = %+v, %v", undone, err)
	}
	if got, gv, _ := s.Get("cost"); got.Answer != orig.Answer || gv != v {
		t.Errorf("after undo: %q version %s, want the original %s", got.Answer, gv, v)
	}
	hist, _ := s.History("cost")
	if len(hist) != 2 || hist[1].Action != "undo" || hist[1].After.Answer != orig.Answer {
		t.Errorf("history after undo: %+v", hist)
	}
	// Someone edits after the undo was read: a second undo is based on the new last
	// change, not a stale one.
	if _, err := s.Undo(ctx, "cost", moderator); err != nil {
		t.Errorf("undo of the undo: %v", err)
	}
	if got, _, _ := s.Get("cost"); got.Answer != e.Answer {
		t.Errorf("undo of the undo gives %q, want %q", got.Answer, e.Answer)
	}
}

func TestImportAddsReplacesAndSkips(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openStore(t, dir)
	same, _, _ := s.Get("aftercare")
	changed, _, _ := s.Get("cost")
	changed.Answer = "Replaced by an import."
	added := newEntry("imported-new")
	a, r, err := s.Import(ctx, []Entry{same, changed, added}, moderator)
	if err != nil || a != 1 || r != 1 {
		t.Fatalf("Import = %d added, %d replaced, %v; want 1 and 1", a, r, err)
	}
	audit, _ := s.Audit()
	if len(audit) != 2 || audit[0].Batch == 0 || audit[0].Batch != audit[1].Batch {
		t.Errorf("audit after import: %+v, want 2 records of one batch (the unchanged entry skipped)", audit)
	}
	if audit[0].ID != "cost" || audit[0].Before == nil || audit[1].ID != "imported-new" || audit[1].Before != nil {
		t.Errorf("import records: %s before=%v, %s before=%v", audit[0].ID, audit[0].Before != nil, audit[1].ID, audit[1].Before != nil)
	}
	// The same import again changes nothing and records nothing.
	if a, r, err := s.Import(ctx, []Entry{same, changed, added}, moderator); err != nil || a != 0 || r != 0 {
		t.Errorf("repeated import = %d, %d, %v", a, r, err)
	}
	if again, _ := s.Audit(); len(again) != 2 {
		t.Errorf("a no-op import recorded %d changes", len(again)-2)
	}
	if _, _, err := s.Import(ctx, []Entry{added, added}, moderator); !errors.Is(err, ErrDuplicateID) {
		t.Errorf("import with an id twice = %v", err)
	}
	writeFile(t, filepath.Join(dir, FAQDir, "cost.md"), []byte("---\nid: cost\n"))
	if _, _, err := s.Import(ctx, []Entry{changed}, moderator); !errors.Is(err, ErrBroken) {
		t.Errorf("import over a broken file = %v, want ErrBroken", err)
	}
	if problems, _, err := CheckAudit(dir); err != nil || len(problems) != 0 {
		t.Errorf("CheckAudit: %v %v", problems, err)
	}
}
