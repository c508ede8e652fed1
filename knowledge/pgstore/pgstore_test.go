package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/smpbot/smpbot/knowledge"
	"github.com/smpbot/smpbot/knowledge/pgstore"
	"github.com/smpbot/smpbot/knowledge/pgtest"
	"github.com/smpbot/smpbot/knowledge/storetest"
)

func open(t *testing.T, url string, opts ...pgstore.Option) *pgstore.Store {
	t.Helper()
	s, err := pgstore.Open(context.Background(), url, opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) func(*testing.T, func([]knowledge.Entry)) storetest.Store {
		url := pgtest.Schema(t)
		return func(t *testing.T, onChange func([]knowledge.Entry)) storetest.Store {
			var opts []pgstore.Option
			if onChange != nil {
				opts = append(opts, pgstore.OnChange(onChange))
			}
			return open(t, url, opts...)
		}
	})
}

// watch runs s.Watch until the test ends and returns the events it reports.
func watch(t *testing.T, s *pgstore.Store) <-chan string {
	events := make(chan string, 16)
	pgstore.SetOnWatch(s, func(ev string) { events <- ev })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Watch(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return events
}

// heldWatch is a Watch running until the test ends whose goroutine is held each time
// its connection is lost, so that a test can act before it connects again.
type heldWatch struct {
	events <-chan string
	pass   chan<- struct{} // lets one reconnection go
	open   func()          // lets every reconnection go from now on
}

func watchHeld(t *testing.T, s *pgstore.Store) heldWatch {
	events := make(chan string, 100)
	pass := make(chan struct{})
	gate := make(chan struct{})
	open := sync.OnceFunc(func() { close(gate) })
	pgstore.SetOnWatch(s, func(ev string) {
		events <- ev
		if ev == "lost" {
			select {
			case <-pass:
			case <-gate:
			}
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Watch(ctx) }()
	t.Cleanup(func() { cancel(); open(); <-done })
	return heldWatch{events, pass, open}
}

// killListener ends the listening connection of the store in dbURL's schema, as the
// server does to a connection it drops.
func killListener(t *testing.T, dbURL string) {
	t.Helper()
	var killed int
	if err := withConn(dbURL, func(c *pgx.Conn) error {
		return c.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE application_name = $1`, pgstore.ListenerName(schemaOf(t, c))).Scan(&killed)
	}); err != nil || killed != 1 {
		t.Fatalf("terminating the listening connection: %d terminated, %v", killed, err)
	}
}

func waitEvent(t *testing.T, events <-chan string, want string, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case ev := <-events:
			if ev == want {
				return
			}
		case <-deadline:
			t.Fatalf("Watch did not report %q within %v", want, within)
		}
	}
}

// changed returns an OnChange hook and a channel that gets the answer of id after each
// change.
func changed(id string) (pgstore.Option, <-chan string) {
	ch := make(chan string, 16)
	return pgstore.OnChange(func(es []knowledge.Entry) {
		for _, e := range es {
			if e.ID == id {
				ch <- e.Answer
			}
		}
	}), ch
}

func waitAnswer(t *testing.T, ch <-chan string, want string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := time.After(within)
	for {
		select {
		case got := <-ch:
			if got == want {
				return time.Since(start)
			}
		case <-deadline:
			t.Fatalf("the other store did not load %q within %v", want, within)
		}
	}
}

func edit(t *testing.T, s *pgstore.Store, id, answer string) {
	t.Helper()
	e, _, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	e.Answer = answer
	if _, err := s.Put(context.Background(), e, knowledge.AnyVersion, storetest.Moderator); err != nil {
		t.Fatalf("edit: %v", err)
	}
}

// An edit through one store (process) reaches another's OnChange by NOTIFY: in well
// under a second on an idle machine (logged), and in any case before Watch's idle
// check would have found it without a notification. The bound is not a second: on a
// loaded machine sharing the database server a reload can take longer, and failing
// then would say nothing about NOTIFY.
func TestNotifyReachesAnotherStore(t *testing.T) {
	// The first edit is made right after B listens, and the idle check comes
	// IdleCheck after that: an edit waiting for it would miss this bound.
	within := pgstore.IdleCheck * 2 / 3
	url := pgtest.Schema(t)
	a := open(t, url)
	hook, answers := changed("cost")
	b := open(t, url, hook)
	waitEvent(t, watch(t, b), "listening", 10*time.Second)
	// A store on another schema of the same database hears nothing of it.
	otherHook, otherAnswers := changed("cost")
	c := open(t, pgtest.Schema(t), otherHook)
	waitEvent(t, watch(t, c), "listening", 10*time.Second)
	for i := range 3 {
		want := fmt.Sprintf("Edit %d through A.", i)
		edit(t, a, "cost", want)
		took := waitAnswer(t, answers, want, within)
		t.Logf("edit %d reached the other store %v after its commit", i, took)
		if got, _, _ := b.Get("cost"); got.Answer != want {
			t.Errorf("B serves %q, want %q", got.Answer, want)
		}
	}
	select {
	case got := <-otherAnswers:
		t.Errorf("a store on another schema reloaded (%q): channels are not scoped", got)
	default:
	}
	if got, _, _ := c.Get("cost"); got.Answer == "Edit 2 through A." {
		t.Error("a store on another schema serves the edit")
	}
}

// Watch's connection killed by the server: it connects again and catches up on the
// edit made while it was gone.
func TestWatchCatchesUpAfterLostConnection(t *testing.T) {
	url := pgtest.Schema(t)
	a := open(t, url)
	hook, answers := changed("cost")
	b := open(t, url, hook)
	w := watchHeld(t, b)
	waitEvent(t, w.events, "listening", 10*time.Second)
	killListener(t, url)
	waitEvent(t, w.events, "lost", 10*time.Second)
	edit(t, a, "cost", "Edited while B was not listening.")
	w.open()
	waitEvent(t, w.events, "listening", 10*time.Second)
	waitAnswer(t, answers, "Edited while B was not listening.", 5*time.Second)
	// And it goes on hearing the next edits.
	edit(t, a, "cost", "Edited after B listened again.")
	waitAnswer(t, answers, "Edited after B listened again.", 5*time.Second)
}

// With the database away the FAQ keeps being served and edits are refused with
// ErrUnavailable; once it is back edits are accepted and Watch catches up.
func TestEditsRefusedWhileUnreachable(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Schema(t)
	proxy, viaProxy := pgtest.NewProxy(t, url)
	hook, answers := changed("cost")
	s := open(t, viaProxy, hook, pgstore.WithTimeout(2*time.Second))
	events := watch(t, s)
	waitEvent(t, events, "listening", 10*time.Second)
	n := len(s.Entries())

	proxy.Cut()
	waitEvent(t, events, "lost", 10*time.Second)
	e, base, err := s.Get("cost")
	if err != nil {
		t.Fatalf("Get with the database away: %v", err)
	}
	e.Answer = "Edited while the database was away."
	if _, err := s.Put(ctx, e, base, storetest.Moderator); !errors.Is(err, knowledge.ErrUnavailable) {
		t.Errorf("edit with the database away = %v, want ErrUnavailable", err)
	}
	if _, err := s.History("cost"); !errors.Is(err, knowledge.ErrUnavailable) {
		t.Errorf("history with the database away = %v, want ErrUnavailable", err)
	}
	if got := len(s.Entries()); got != n {
		t.Errorf("%d entries served with the database away, want %d", got, n)
	}
	// Meanwhile another process, which reaches the database, edits.
	other := open(t, url)
	edit(t, other, "cost", "Edited by a process that reached the database.")

	proxy.Restore(t)
	waitAnswer(t, answers, "Edited by a process that reached the database.", 15*time.Second)
	e, base, _ = s.Get("cost")
	e.Answer = "Edited once the database was back."
	if _, err := s.Put(ctx, e, base, storetest.Moderator); err != nil {
		t.Errorf("edit once the database is back: %v", err)
	}
}

// Processes starting together on an empty database migrate it once and seed it once.
func TestSeedsOnceUnderConcurrentStarts(t *testing.T) {
	url := pgtest.Schema(t)
	const n = 5
	stores := make([]*pgstore.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = pgstore.Open(context.Background(), url)
		}()
	}
	wg.Wait()
	want, _ := knowledge.Load(knowledge.Embedded())
	for i, s := range stores {
		if errs[i] != nil {
			t.Fatalf("start %d: %v", i, errs[i])
		}
		defer s.Close()
		if got := len(s.Entries()); got != len(want) {
			t.Errorf("start %d serves %d entries, want %d", i, got, len(want))
		}
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var rows, versions int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM faq_entries), (SELECT count(*) FROM faq_schema_version)`).Scan(&rows, &versions); err != nil {
		t.Fatal(err)
	}
	if rows != len(want) || versions != 1 {
		t.Errorf("%d entry rows and %d schema versions after %d starts, want %d and 1", rows, versions, n, len(want))
	}
	// Once seeded, never again: a FAQ emptied by imports and removals stays as it is.
	if _, err := conn.Exec(ctx, `DELETE FROM faq_entries WHERE id <> 'cost'`); err != nil {
		t.Fatal(err)
	}
	if s, err := pgstore.Open(ctx, url); err != nil || len(s.Entries()) != 1 {
		t.Errorf("opened after the FAQ was cut to one entry: %v; it was seeded again", err)
	} else {
		s.Close()
	}
}

// WithoutSeed leaves a new database empty, for importing a FAQ of one's own.
func TestWithoutSeed(t *testing.T) {
	url := pgtest.Schema(t)
	s := open(t, url, pgstore.WithoutSeed())
	if n := len(s.Entries()); n != 0 {
		t.Fatalf("%d entries without seeding", n)
	}
	if _, _, err := s.Import(context.Background(), []knowledge.Entry{storetest.Sample()}, storetest.Moderator); !errors.Is(err, knowledge.ErrUnknownRelated) {
		t.Errorf("import of an entry relating to one not there = %v, want ErrUnknownRelated", err)
	}
	e := storetest.Sample()
	e.Related = nil
	if added, _, err := s.Import(context.Background(), []knowledge.Entry{e}, storetest.Moderator); err != nil || added != 1 {
		t.Fatalf("import: %d added, %v", added, err)
	}
	// Having held a FAQ, the store is never seeded.
	if n := len(open(t, url).Entries()); n != 1 {
		t.Errorf("opened again with seeding: %d entries, want the 1 imported", n)
	}
}

func schemaOf(t *testing.T, conn *pgx.Conn) string {
	var s string
	if err := conn.QueryRow(context.Background(), `SELECT current_schema()`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// A row changed by hand into something that is not an entry: the others are served,
// Problems says which, and the store refuses to overwrite it.
func TestRowChangedByHand(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Schema(t)
	s := open(t, url)
	n := len(s.Entries())
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `UPDATE faq_entries SET body = 'not an entry' WHERE id = 'cost'`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `UPDATE faq_state SET seq = seq + 1`); err != nil {
		t.Fatal(err)
	}
	again := open(t, url)
	if got := len(again.Entries()); got != n-1 {
		t.Errorf("%d entries served, want the %d valid ones", got, n-1)
	}
	if p := again.Problems(); len(p) != 1 || !strings.Contains(p[0].Error(), "cost.md") {
		t.Errorf("Problems = %v, want one naming cost.md", p)
	}
	e, _, _ := s.Get("cost") // the first store's copy, read before the change by hand
	if _, err := again.Put(ctx, e, "", storetest.Moderator); !errors.Is(err, knowledge.ErrBroken) {
		t.Errorf("writing over the row changed by hand = %v, want ErrBroken", err)
	}
	if _, _, err := again.Import(ctx, []knowledge.Entry{e}, storetest.Moderator); !errors.Is(err, knowledge.ErrBroken) {
		t.Errorf("importing over the row changed by hand = %v, want ErrBroken", err)
	}
}
