package knowledge

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var moderator = Actor{Platform: "test", User: "mod-1", Name: "Mo"}

func openStore(t *testing.T, dir string, opts ...StoreOption) *Store {
	t.Helper()
	s, err := OpenStore(dir, opts...)
	if err != nil {
		t.Fatalf("OpenStore: %v", err)
	}
	return s
}

func TestStoreSeedsAnEmptyDirectory(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	want, _ := Load(Embedded())
	if got := len(s.Entries()); got != len(want) {
		t.Fatalf("%d entries after seeding, want %d", got, len(want))
	}
	if _, err := os.Stat(filepath.Join(dir, FAQDir, "cost.md")); err != nil {
		t.Errorf("seeded file missing: %v", err)
	}
}

func TestStoreEditCycle(t *testing.T) {
	ctx := context.Background()
	var published [][]Entry
	s := openStore(t, t.TempDir(), OnChange(func(es []Entry) { published = append(published, es) }))

	// Add.
	e := sample()
	e.ID, e.Question, e.Alternates, e.Related = "laser-on-eyebrows", "Can the same laser treat eyebrow tattoos?", []string{"eyebrow tattoo laser"}, []string{"cost"}
	v1, err := s.Put(ctx, e, "", moderator)
	if err != nil {
		t.Fatalf("add: %v", err)
	}
	if _, err := s.Put(ctx, e, "", moderator); !errors.Is(err, ErrDuplicateID) {
		t.Errorf("adding again = %v, want ErrDuplicateID", err)
	}
	// Edit based on the current version.
	e.Answer = "Often, yes; ask the clinic."
	v2, err := s.Put(ctx, e, v1, moderator)
	if err != nil || v2 == v1 {
		t.Fatalf("edit: %v (version %s -> %s)", err, v1, v2)
	}
	// A stale edit is refused and changes nothing.
	e.Answer = "Stale answer."
	if _, err := s.Put(ctx, e, v1, moderator); !errors.Is(err, ErrStale) {
		t.Errorf("stale edit = %v, want ErrStale", err)
	}
	if got, _, _ := s.Get(e.ID); got.Answer != "Often, yes; ask the clinic." {
		t.Errorf("after a refused edit the answer is %q", got.Answer)
	}
	// An invalid edit is refused with the reason.
	bad := e
	bad.Related = []string{"nowhere"}
	if _, err := s.Put(ctx, bad, v2, moderator); !errors.Is(err, ErrUnknownRelated) {
		t.Errorf("invalid edit = %v, want ErrUnknownRelated", err)
	}
	// Remove, then undo the removal.
	if err := s.Remove(ctx, e.ID, v2, moderator); err != nil {
		t.Fatalf("remove: %v", err)
	}
	if _, _, err := s.Get(e.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after remove = %v, want ErrNotFound", err)
	}
	if _, err := s.Undo(ctx, e.ID, moderator); err != nil {
		t.Fatalf("undo: %v", err)
	}
	got, v, err := s.Get(e.ID)
	if err != nil || v != v2 || got.Answer != "Often, yes; ask the clinic." {
		t.Errorf("after undo: %v version %s (want %s) answer %q", err, v, v2, got.Answer)
	}
	hist, err := s.History(e.ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, c := range hist {
		actions = append(actions, c.Action)
		if c.Actor != moderator || c.Time.IsZero() {
			t.Errorf("change %d: actor %+v time %v", c.Seq, c.Actor, c.Time)
		}
	}
	if got := strings.Join(actions, ","); got != "add,edit,remove,undo" {
		t.Errorf("history %s, want add,edit,remove,undo", got)
	}
	if hist[1].Before == nil || hist[1].Before.Answer != sample().Answer || hist[1].After.Answer != "Often, yes; ask the clinic." {
		t.Errorf("edit record lacks before/after: %+v", hist[1])
	}
	if len(published) != 4 {
		t.Errorf("OnChange called %d times for 4 changes", len(published))
	}
	// A fresh store over the same directory sees the same FAQ.
	again := openStore(t, s.Dir())
	if _, v, _ := again.Get(e.ID); v != v2 {
		t.Errorf("reopened: version %s, want %s", v, v2)
	}
}

func TestStoreSerialisesConcurrentEdits(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, t.TempDir())
	_, base, err := s.Get("cost")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, stale := 0, 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, _, _ := s.Get("cost")
			e.Answer = fmt.Sprintf("Edit number %d.", i)
			_, err := s.Put(ctx, e, base, Actor{Platform: "test", User: fmt.Sprint(i)})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, ErrStale):
				stale++
			default:
				t.Errorf("edit %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 || stale != 7 {
		t.Errorf("%d edits won and %d were stale; want exactly one winner", wins, stale)
	}
}

func TestStoreRecoversFromACrash(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openStore(t, dir)
	e, v, _ := s.Get("cost")
	e.Answer = "First edit."
	if _, err := s.Put(ctx, e, v, moderator); err != nil {
		t.Fatal(err)
	}
	// Simulate a crash after the audit record was written but before the file was:
	// append a record by hand and leave the file as it was.
	before := e
	after := e
	after.Answer = "Second edit, interrupted."
	ch := Change{Seq: 2, Time: time.Now(), Actor: moderator, Action: "edit", ID: "cost", Before: &before, After: &after}
	if err := s.appendAudit(ch); err != nil {
		t.Fatal(err)
	}
	// And a torn record after it, as a crash mid-append leaves.
	f, _ := os.OpenFile(filepath.Join(dir, AuditFile), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"seq":3,"action":"edit","id":"co`)
	f.Close()

	s2 := openStore(t, dir)
	got, _, _ := s2.Get("cost")
	if got.Answer != after.Answer {
		t.Errorf("after recovery the answer is %q, want the logged change %q", got.Answer, after.Answer)
	}
	all, err := s2.Audit()
	if err != nil || len(all) != 2 {
		t.Errorf("audit after recovery: %d records, %v; want the torn one dropped", len(all), err)
	}
}

func TestStoreReloadKeepsLastGoodFAQ(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	n := len(s.Entries())
	if err := os.WriteFile(filepath.Join(dir, FAQDir, "broken.md"), []byte("---\nid: broken\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := s.Reload()
	if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), "broken.md:1") {
		t.Errorf("Reload = %v, want a syntax error at broken.md:1", err)
	}
	if len(s.Entries()) != n {
		t.Errorf("an invalid FAQ replaced the good one")
	}
}

func TestStoreWatchPicksUpEditsOnDisk(t *testing.T) {
	dir := t.TempDir()
	changed := make(chan []Entry, 10)
	s := openStore(t, dir, OnChange(func(es []Entry) { changed <- es }))
	events := make(chan string, 10)
	s.onWatch = func(what string) { events <- what }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Watch(ctx) }()
	defer func() { cancel(); <-done }()
	waitEvent := func(want string) {
		t.Helper()
		select {
		case got := <-events:
			if got != want {
				t.Fatalf("watcher event %q, want %q", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("watcher: no %q within 10 s", want)
		}
	}
	waitEvent("started")

	// A broken file first: it is reloaded and reported, and nothing is published.
	broken := filepath.Join(dir, FAQDir, "zz-broken.md")
	writeFile(t, broken, []byte("---\nid: [\n---\n"))
	waitEvent("reloaded")
	select {
	case <-changed:
		t.Fatal("a broken new file changed the published FAQ")
	default:
	}
	if p := s.Problems(); len(p) != 1 || !strings.Contains(p[0].Error(), "zz-broken.md:") {
		t.Errorf("problems after a broken file: %v", p)
	}
	// Fixing it by hand (as an editor or git pull would) publishes within seconds.
	if err := os.Remove(broken); err != nil {
		t.Fatal(err)
	}
	e, _, _ := s.Get("cost")
	e.Answer = "Edited in a text editor."
	writeFile(t, filepath.Join(dir, FAQDir, "cost.md"), Format(e))
	select {
	case es := <-changed:
		i := slices.IndexFunc(es, func(x Entry) bool { return x.ID == "cost" })
		if i < 0 || es[i].Answer != e.Answer {
			t.Errorf("published FAQ lacks the edited cost entry (index %d)", i)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("an edit on disk was not picked up within 10 s")
	}
	if p := s.Problems(); len(p) != 0 {
		t.Errorf("problems after the fix: %v", p)
	}
}
