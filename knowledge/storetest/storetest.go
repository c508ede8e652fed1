// Package storetest is the contract every FAQ store meets (knowledge.Store on files,
// knowledge/pgstore on PostgreSQL): one set of tests that each implementation's tests
// run against real storage of its kind.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/smpbot/smpbot/knowledge"
)

// Store is what the contract exercises.
type Store interface {
	Entries() []knowledge.Entry
	Get(id string) (knowledge.Entry, knowledge.Version, error)
	Put(ctx context.Context, e knowledge.Entry, base knowledge.Version, who knowledge.Actor) (knowledge.Version, error)
	Remove(ctx context.Context, id string, base knowledge.Version, who knowledge.Actor) error
	History(id string) ([]knowledge.Change, error)
	Undo(ctx context.Context, id string, who knowledge.Actor) (knowledge.Change, error)
	Import(ctx context.Context, entries []knowledge.Entry, who knowledge.Actor) (added, replaced int, err error)
	Mirror(ctx context.Context, entries []knowledge.Entry, who knowledge.Actor) (knowledge.Imported, error)
	Audit() ([]knowledge.Change, error)
}

// Opener makes new, empty storage for one test (removed by the test's cleanup) and
// returns how to open a Store over it: the first opens seed it with the embedded FAQ,
// and every further call opens another Store value over the same storage, as another
// process would. onChange is the store's OnChange hook (may be nil).
type Opener func(t *testing.T) func(t *testing.T, onChange func([]knowledge.Entry)) Store

// Moderator is who the contract's changes are made by.
var Moderator = knowledge.Actor{Platform: "test", User: "mod-1", Name: "Mo", Chat: "c-1"}

// Run runs the contract as subtests.
func Run(t *testing.T, open Opener) {
	for _, tc := range []struct {
		name string
		f    func(t *testing.T, open func(t *testing.T, onChange func([]knowledge.Entry)) Store)
	}{
		{"SeededWithTheEmbeddedFAQ", seeded},
		{"EditCycle", editCycle},
		{"InvalidChangesRefused", invalid},
		{"StaleAcrossStores", staleAcross},
		{"ConcurrentEditsOneWins", concurrent},
		{"Import", importing},
		{"UndoAnAdd", undoAdd},
		{"Mirror", mirroring},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.f(t, open(t)) })
	}
}

// Sample is a valid entry that is not in the embedded FAQ.
func Sample() knowledge.Entry {
	return knowledge.Entry{
		ID:         "laser-on-eyebrows",
		Question:   "Can the same laser treat eyebrow tattoos?",
		Alternates: []string{"eyebrow tattoo laser"},
		Answer:     "Often, yes: the same pigment lasers are used. Ask the clinic about the eye area.",
		Caveats:    []string{"Work near the eyes needs eye shields."},
		Tags:       []string{"removal"},
		Related:    []string{"cost"},
		Sources:    []knowledge.Source{{Title: "Laser tattoo removal", URL: "https://en.wikipedia.org/wiki/Tattoo_removal"}},
		Updated:    "2026-03-01",
	}
}

func seeded(t *testing.T, open func(*testing.T, func([]knowledge.Entry)) Store) {
	s := open(t, nil)
	want, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	got := s.Entries()
	if !slices.EqualFunc(got, want, func(a, b knowledge.Entry) bool {
		return a.ID == b.ID && knowledge.VersionOf(a) == knowledge.VersionOf(b)
	}) {
		t.Errorf("seeded with %d entries (%s...), want the embedded %d in file order", len(got), ids(got, 3), len(want))
	}
	if a, err := s.Audit(); err != nil || len(a) != 0 {
		t.Errorf("audit log after seeding: %d records, %v; want none", len(a), err)
	}
	// A second store over the same storage does not seed again.
	if again := open(t, nil).Entries(); len(again) != len(want) {
		t.Errorf("opened again: %d entries, want %d", len(again), len(want))
	}
}

func ids(es []knowledge.Entry, n int) string {
	var out []string
	for _, e := range es[:min(n, len(es))] {
		out = append(out, e.ID)
	}
	return strings.Join(out, ",")
}

func editCycle(t *testing.T, open func(*testing.T, func([]knowledge.Entry)) Store) {
	ctx := context.Background()
	var mu sync.Mutex
	var published [][]knowledge.Entry
	s := open(t, func(es []knowledge.Entry) { mu.Lock(); published = append(published, es); mu.Unlock() })
	e := Sample()
	v1, err := s.Put(ctx, e, "", Moderator)
	if err != nil {
		t.Fatalf("add: %v", err)
	}
	if v1 != knowledge.VersionOf(e) {
		t.Errorf("add returned version %s, want %s", v1, knowledge.VersionOf(e))
	}
	if _, err := s.Put(ctx, e, "", Moderator); !errors.Is(err, knowledge.ErrDuplicateID) {
		t.Errorf("adding again = %v, want ErrDuplicateID", err)
	}
	e.Answer = "Often, yes; ask the clinic."
	v2, err := s.Put(ctx, e, v1, Moderator)
	if err != nil || v2 == v1 {
		t.Fatalf("edit: %v (version %s -> %s)", err, v1, v2)
	}
	stale := e
	stale.Answer = "Stale answer."
	if _, err := s.Put(ctx, stale, v1, Moderator); !errors.Is(err, knowledge.ErrStale) {
		t.Errorf("stale edit = %v, want ErrStale", err)
	}
	if got, v, _ := s.Get(e.ID); got.Answer != e.Answer || v != v2 {
		t.Errorf("after a refused edit: answer %q version %s, want %q %s", got.Answer, v, e.Answer, v2)
	}
	if err := s.Remove(ctx, e.ID, v1, Moderator); !errors.Is(err, knowledge.ErrStale) {
		t.Errorf("stale removal = %v, want ErrStale", err)
	}
	if err := s.Remove(ctx, "no-such-entry", knowledge.AnyVersion, Moderator); !errors.Is(err, knowledge.ErrNotFound) {
		t.Errorf("removing what is not there = %v, want ErrNotFound", err)
	}
	if err := s.Remove(ctx, e.ID, v2, Moderator); err != nil {
		t.Fatalf("remove: %v", err)
	}
	if _, _, err := s.Get(e.ID); !errors.Is(err, knowledge.ErrNotFound) {
		t.Errorf("Get after remove = %v, want ErrNotFound", err)
	}
	if _, err := s.Put(ctx, e, v2, Moderator); !errors.Is(err, knowledge.ErrNotFound) {
		t.Errorf("edit of a removed entry = %v, want ErrNotFound", err)
	}
	undone, err := s.Undo(ctx, e.ID, Moderator)
	if err != nil || undone.Action != "remove" {
		t.Fatalf("undo: %+v, %v; want the removal undone", undone, err)
	}
	got, v, err := s.Get(e.ID)
	if err != nil || v != v2 || got.Answer != e.Answer {
		t.Errorf("after undo: %v version %s (want %s) answer %q", err, v, v2, got.Answer)
	}
	// Without a base (the command line) the edit applies to whatever is current.
	e.Answer = "Yes, usually; ask the clinic."
	v3, err := s.Put(ctx, e, knowledge.AnyVersion, Moderator)
	if err != nil {
		t.Fatalf("edit of any version: %v", err)
	}
	hist, err := s.History(e.ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for i, c := range hist {
		actions = append(actions, c.Action)
		if c.Actor != Moderator || c.Time.IsZero() || c.ID != e.ID {
			t.Errorf("change %d: id %q actor %+v time %v", c.Seq, c.ID, c.Actor, c.Time)
		}
		if i > 0 && c.Seq <= hist[i-1].Seq {
			t.Errorf("history out of order: #%d after #%d", c.Seq, hist[i-1].Seq)
		}
	}
	if got := strings.Join(actions, ","); got != "add,edit,remove,undo,edit" {
		t.Errorf("history %s, want add,edit,remove,undo,edit", got)
	}
	switch {
	case len(hist) != 5:
	case hist[0].Before != nil || hist[0].After == nil || knowledge.VersionOf(*hist[0].After) != v1:
		t.Errorf("add record: before %v after %v", hist[0].Before, hist[0].After)
	case hist[1].Before == nil || hist[1].Before.Answer != Sample().Answer || hist[1].After.Answer != "Often, yes; ask the clinic.":
		t.Errorf("edit record lacks before/after: %+v", hist[1])
	case hist[2].After != nil || hist[2].Before == nil || knowledge.VersionOf(*hist[2].Before) != v2:
		t.Errorf("remove record: before %v after %v", hist[2].Before, hist[2].After)
	case knowledge.VersionOf(*hist[4].After) != v3:
		t.Errorf("last record's entry is version %s, want %s", knowledge.VersionOf(*hist[4].After), v3)
	}
	audit, err := s.Audit()
	if err != nil || len(audit) != len(hist) {
		t.Errorf("audit log: %d records, %v; want the %d changes", len(audit), err, len(hist))
	}
	mu.Lock()
	if len(published) != 5 {
		t.Errorf("OnChange called %d times for 5 changes", len(published))
	} else if last := published[4]; !slices.ContainsFunc(last, func(x knowledge.Entry) bool { return x.ID == e.ID && knowledge.VersionOf(x) == v3 }) {
		t.Errorf("OnChange's last FAQ lacks the last edit")
	}
	mu.Unlock()
	// Another store over the same storage sees the same FAQ and history.
	again := open(t, nil)
	if _, v, _ := again.Get(e.ID); v != v3 {
		t.Errorf("another store: version %s, want %s", v, v3)
	}
	if h, err := again.History(e.ID); err != nil || len(h) != len(hist) {
		t.Errorf("another store: %d history records, %v; want %d", len(h), err, len(hist))
	}
}

func invalid(t *testing.T, open func(*testing.T, func([]knowledge.Entry)) Store) {
	ctx := context.Background()
	s := open(t, nil)
	cost, base, err := s.Get("cost")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(e *knowledge.Entry)
		want   error
	}{
		{"no answer", func(e *knowledge.Entry) { e.Answer = "" }, knowledge.ErrMissingField},
		{"related names nothing", func(e *knowledge.Entry) { e.Related = []string{"nowhere"} }, knowledge.ErrUnknownRelated},
		{"phrasing of another entry", func(e *knowledge.Entry) {
			other := s.Entries()[0]
			if other.ID == e.ID {
				other = s.Entries()[1]
			}
			e.Alternates = append(e.Alternates, other.Question)
		}, knowledge.ErrDuplicateAlternate},
		{"bad id", func(e *knowledge.Entry) { e.ID = "Not An Id" }, knowledge.ErrInvalidField},
	} {
		e := cost
		e.Alternates = slices.Clone(cost.Alternates)
		tc.change(&e)
		b := base
		if e.ID != cost.ID {
			b = ""
		}
		if _, err := s.Put(ctx, e, b, Moderator); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, v, _ := s.Get("cost"); v != base {
		t.Errorf("refused changes changed the entry: version %s, want %s", v, base)
	}
	if a, err := s.Audit(); err != nil || len(a) != 0 {
		t.Errorf("refused changes recorded: %d records, %v", len(a), err)
	}
	if _, err := s.Undo(ctx, "cost", Moderator); !errors.Is(err, knowledge.ErrNotFound) {
		t.Errorf("undo without a recorded change = %v, want ErrNotFound", err)
	}
}

// staleAcross: a store that read a version another store (process) has since changed
// is refused, though its own copy still holds that version.
func staleAcross(t *testing.T, open func(*testing.T, func([]knowledge.Entry)) Store) {
	ctx := context.Background()
	a, b := open(t, nil), open(t, nil)
	e, base, err := b.Get("cost")
	if err != nil {
		t.Fatal(err)
	}
	ea := e
	ea.Answer = "Changed through A."
	if _, err := a.Put(ctx, ea, base, Moderator); err != nil {
		t.Fatalf("edit through A: %v", err)
	}
	e.Answer = "Changed through B from the old version."
	if _, err := b.Put(ctx, e, base, Moderator); !errors.Is(err, knowledge.ErrStale) {
		t.Errorf("edit through B of the version A replaced = %v, want ErrStale", err)
	}
	// B's refusal made it look: it serves A's edit now or on its next reload.
	if got, _, _ := open(t, nil).Get("cost"); got.Answer != "Changed through A." {
		t.Errorf("the FAQ holds %q, want A's edit", got.Answer)
	}
}

// concurrent: stores (processes) editing the same version at once: exactly one wins,
// every other is refused as stale, and the audit log records the one.
func concurrent(t *testing.T, open func(*testing.T, func([]knowledge.Entry)) Store) {
	ctx := context.Background()
	const n = 6
	stores := make([]Store, n)
	for i := range stores {
		stores[i] = open(t, nil)
	}
	e, base, err := stores[0].Get("cost")
	if err != nil {
		t.Fatal(err)
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := e
			mine.Answer = fmt.Sprintf("Edited by writer %d.", i)
			<-start
			_, errs[i] = s.Put(ctx, mine, base, Moderator)
		}()
	}
	close(start)
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Errorf("writers %d and %d both won", won, i)
		case err == nil:
			won = i
		case !errors.Is(err, knowledge.ErrStale):
			t.Errorf("writer %d: %v, want ErrStale", i, err)
		}
	}
	if won < 0 {
		t.Fatal("no writer won")
	}
	if got, _, _ := open(t, nil).Get("cost"); got.Answer != fmt.Sprintf("Edited by writer %d.", won) {
		t.Errorf("the FAQ holds %q, want writer %d's", got.Answer, won)
	}
	if a, err := stores[0].Audit(); err != nil || len(a) != 1 {
		t.Errorf("audit log: %d records, %v; want 1", len(a), err)
	}
}

func importing(t *testing.T, open func(*testing.T, func([]knowledge.Entry)) Store) {
	ctx := context.Background()
	calls := 0
	var mu sync.Mutex
	s := open(t, func([]knowledge.Entry) { mu.Lock(); calls++; mu.Unlock() })
	cost, _, err := s.Get("cost")
	if err != nil {
		t.Fatal(err)
	}
	unchanged := s.Entries()[1]
	if unchanged.ID == "cost" {
		unchanged = s.Entries()[2]
	}
	cost.Answer = "Imported answer about cost."
	added, replaced, err := s.Import(ctx, []knowledge.Entry{Sample(), cost, unchanged}, Moderator)
	if err != nil || added != 1 || replaced != 1 {
		t.Fatalf("import: %d added, %d replaced, %v; want 1, 1", added, replaced, err)
	}
	if got, _, _ := s.Get("cost"); got.Answer != cost.Answer {
		t.Errorf("after import cost answers %q", got.Answer)
	}
	audit, err := s.Audit()
	if err != nil || len(audit) != 2 {
		t.Fatalf("audit log: %d records, %v; want 2", len(audit), err)
	}
	for _, c := range audit {
		if c.Action != "import" || c.Batch == 0 || c.Batch != audit[0].Batch {
			t.Errorf("import record %d: action %s batch %d", c.Seq, c.Action, c.Batch)
		}
	}
	// A bad import changes nothing.
	bad := Sample()
	bad.Related = []string{"nowhere"}
	other := cost
	other.Answer = "Never imported."
	if _, _, err := s.Import(ctx, []knowledge.Entry{other, bad}, Moderator); !errors.Is(err, knowledge.ErrUnknownRelated) {
		t.Errorf("invalid import = %v, want ErrUnknownRelated", err)
	}
	if _, _, err := s.Import(ctx, []knowledge.Entry{other, other}, Moderator); !errors.Is(err, knowledge.ErrDuplicateID) {
		t.Errorf("import naming an id twice = %v, want ErrDuplicateID", err)
	}
	if got, _, _ := s.Get("cost"); got.Answer != cost.Answer {
		t.Errorf("a refused import changed cost to %q", got.Answer)
	}
	if a, _ := s.Audit(); len(a) != 2 {
		t.Errorf("refused imports recorded: %d records, want 2", len(a))
	}
	mu.Lock()
	if calls != 1 {
		t.Errorf("OnChange called %d times for one import", calls)
	}
	mu.Unlock()
}

// mirroring imports a whole FAQ that leaves one entry out: that entry is removed in
// the same batch, unless another entry still names it as related.
func mirroring(t *testing.T, open func(*testing.T, func([]knowledge.Entry)) Store) {
	ctx := context.Background()
	s := open(t, nil)
	all := s.Entries()
	named := map[string]bool{}
	for _, e := range all {
		for _, r := range e.Related {
			named[r] = true
		}
	}
	var victim, kept []knowledge.Entry
	for _, e := range all {
		if victim == nil && !named[e.ID] {
			victim = append(victim, e)
			continue
		}
		kept = append(kept, e)
	}
	if victim == nil {
		t.Fatal("every entry of the embedded FAQ is named as related by another")
	}
	// Leaving out an entry that others name as related is refused whole.
	var withoutCost []knowledge.Entry
	for _, e := range all {
		if e.ID != "cost" {
			withoutCost = append(withoutCost, e)
		}
	}
	if _, err := s.Mirror(ctx, withoutCost, Moderator); !errors.Is(err, knowledge.ErrUnknownRelated) {
		t.Fatalf("mirroring a FAQ without cost, which others relate to: %v, want ErrUnknownRelated", err)
	}
	if _, _, err := s.Get("cost"); err != nil {
		t.Fatalf("a refused mirror removed cost: %v", err)
	}
	edited := kept[0]
	edited.Answer = "Mirrored answer."
	kept[0] = edited
	got, err := s.Mirror(ctx, append(kept, Sample()), Moderator)
	if want := (knowledge.Imported{Added: 1, Replaced: 1, Removed: 1}); err != nil || got != want {
		t.Fatalf("mirror = %+v, %v; want %+v", got, err, want)
	}
	for _, st := range []Store{s, open(t, nil)} {
		if _, _, err := st.Get(victim[0].ID); !errors.Is(err, knowledge.ErrNotFound) {
			t.Errorf("after the mirror, Get(%s) = %v; want ErrNotFound", victim[0].ID, err)
		}
		if e, _, err := st.Get(edited.ID); err != nil || e.Answer != edited.Answer {
			t.Errorf("after the mirror, %s answers %q (%v)", edited.ID, e.Answer, err)
		}
		if n := len(st.Entries()); n != len(all) {
			t.Errorf("after the mirror the FAQ has %d entries, want %d", n, len(all))
		}
	}
	audit, _ := s.Audit()
	if len(audit) != 3 || audit[0].Batch != audit[2].Batch {
		t.Fatalf("audit after the mirror: %+v; want 3 records in one batch", audit)
	}
	if c, err := s.Undo(ctx, victim[0].ID, Moderator); err != nil || c.After != nil {
		t.Fatalf("undo of the removal: %+v, %v", c, err)
	}
	if _, _, err := s.Get(victim[0].ID); err != nil {
		t.Errorf("after undoing its removal, Get(%s) = %v", victim[0].ID, err)
	}
	// Mirroring what the FAQ already holds changes nothing.
	if got, err := s.Mirror(ctx, s.Entries(), Moderator); err != nil || got != (knowledge.Imported{}) {
		t.Errorf("mirroring the FAQ onto itself = %+v, %v; want nothing changed", got, err)
	}
}

func undoAdd(t *testing.T, open func(*testing.T, func([]knowledge.Entry)) Store) {
	ctx := context.Background()
	s := open(t, nil)
	if _, err := s.Put(ctx, Sample(), "", Moderator); err != nil {
		t.Fatal(err)
	}
	if c, err := s.Undo(ctx, Sample().ID, Moderator); err != nil || c.Action != "add" {
		t.Fatalf("undo of an add: %+v, %v", c, err)
	}
	if _, _, err := s.Get(Sample().ID); !errors.Is(err, knowledge.ErrNotFound) {
		t.Errorf("after undoing its add, Get = %v; want ErrNotFound", err)
	}
	if h, _ := s.History(Sample().ID); len(h) != 2 || h[1].Action != "undo" || h[1].After != nil {
		t.Errorf("history after undoing an add: %+v", h)
	}
}

// FillAlternates gives entry id as many alternates as an entry may have
// (knowledge.MaxAlternates), numbered wordings added by the CLI, for tests of what
// happens at the limit.
func FillAlternates(t testing.TB, s interface {
	Get(id string) (knowledge.Entry, knowledge.Version, error)
	Put(ctx context.Context, e knowledge.Entry, base knowledge.Version, who knowledge.Actor) (knowledge.Version, error)
}, id string) {
	t.Helper()
	e, v, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(e.Alternates); i < knowledge.MaxAlternates; i++ {
		e.Alternates = append(e.Alternates, fmt.Sprintf("%s wording number %d", id, i))
	}
	if _, err := s.Put(context.Background(), e, v, knowledge.Actor{Platform: "cli", User: "test"}); err != nil {
		t.Fatalf("filling %s to the limit: %v", id, err)
	}
}
