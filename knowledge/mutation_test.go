package knowledge

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// Tests written to kill mutants that gremlins found alive (see README, Testing).

// TestReadCSVErrorNamesTheRow: errors must point at the row a moderator has to fix,
// counting the header as row 1 as spreadsheets do.
func TestReadCSVErrorNamesTheRow(t *testing.T) {
	csv := "id,question,answer,sources\n" +
		"a,q1?,answer one,Title | https://example.org/a\n" +
		"b,q2?,answer two,Title | https://example.org/b\n" +
		"c,q3?,answer three,no url here\n"
	_, err := ReadCSV(strings.NewReader(csv))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("ReadCSV: got %v, want a *Error", err)
	}
	if got, want := e.File, "CSV row 4"; got != want {
		t.Errorf("error names %q, want %q (%v)", got, want, err)
	}
	if !errors.Is(err, ErrInvalidField) {
		t.Errorf("got %v, want ErrInvalidField", err)
	}
}

// TestReadCSVShortRows: a spreadsheet drops empty trailing cells; such a row reads as
// if they were empty instead of panicking or shifting columns.
func TestReadCSVShortRows(t *testing.T) {
	csv := "id,question,answer,caveats,updated\n" +
		"a,q1?,answer one\n" +
		"b,q2?,answer two,a caveat\n"
	got, err := ReadCSV(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d entries, want 2", len(got))
	}
	if got[0].ID != "a" || got[0].Answer != "answer one" || len(got[0].Caveats) != 0 || got[0].Updated != "" {
		t.Errorf("row 2: got %+v", got[0])
	}
	if got[1].ID != "b" || len(got[1].Caveats) != 1 || got[1].Caveats[0] != "a caveat" || got[1].Updated != "" {
		t.Errorf("row 3: got %+v", got[1])
	}
}

// TestParseSizeLimit: MaxFileSize bytes is allowed, one more is refused before parsing.
func TestParseSizeLimit(t *testing.T) {
	data, err := os.ReadFile("faq/aftercare.md")
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.TrimRight(data, "\n")
	pad := MaxFileSize - len(data) - 1
	if pad < 0 {
		t.Fatalf("aftercare.md is already %d bytes", len(data))
	}
	atLimit := append(append(data, '\n'), bytes.Repeat([]byte{' '}, pad)...)
	if len(atLimit) != MaxFileSize {
		t.Fatalf("built %d bytes, want %d", len(atLimit), MaxFileSize)
	}
	if f, err := Parse("at-limit.md", atLimit); err != nil || f.Entry.ID != "aftercare" {
		t.Errorf("a file of exactly MaxFileSize: got %v (id %q), want it parsed", err, f.Entry.ID)
	}
	_, err = Parse("over-limit.md", append(atLimit, ' '))
	if !errors.Is(err, ErrTooLong) {
		t.Errorf("a file of MaxFileSize+1: got %v, want ErrTooLong", err)
	}
}

// TestParseAnswerLine: errors about the answer point at the line where it starts, the
// one after the closing "---".
func TestParseAnswerLine(t *testing.T) {
	data := []byte("---\nid: x\nquestion: Why?\n---\n\nBecause.\n")
	f, err := Parse("x.md", data)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.Line("answer"), 5; got != want {
		t.Errorf("answer line: got %d, want %d", got, want)
	}
	if got, want := f.Line("question"), 3; got != want {
		t.Errorf("question line: got %d, want %d", got, want)
	}
}

// TestErrorWithoutLine: an error with no known line names the file alone, not "file:0".
func TestErrorWithoutLine(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{File: "x.md", Err: ErrSyntax}, "x.md: " + ErrSyntax.Error()},
		{&Error{File: "x.md", Line: 1, Field: "id", Err: ErrSyntax}, "x.md:1: id: " + ErrSyntax.Error()},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

// TestPutUpdatedDate: an edit keeps the date it gives; without one it gets today's.
func TestPutUpdatedDate(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, t.TempDir())
	who := Actor{Platform: "cli", User: "mod"}
	e, v, err := s.Get("cost")
	if err != nil {
		t.Fatal(err)
	}
	e.Answer += " Prices change; ask for a written quote."
	e.Updated = "2026-01-02"
	if v, err = s.Put(ctx, e, v, who); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.Get("cost"); got.Updated != "2026-01-02" {
		t.Errorf("updated = %q, want the given 2026-01-02", got.Updated)
	}
	e.Answer += " Some clinics discount a package."
	e.Updated = ""
	dayBefore := time.Now().UTC().Format(time.DateOnly)
	if _, err = s.Put(ctx, e, v, who); err != nil {
		t.Fatal(err)
	}
	dayAfter := time.Now().UTC().Format(time.DateOnly) // the same unless midnight passed
	if got, _, _ := s.Get("cost"); got.Updated != dayBefore && got.Updated != dayAfter {
		t.Errorf("updated = %q, want today %s", got.Updated, dayAfter)
	}
}

// TestUndoAnEdit: undoing an edit brings back the version before it, as a new change.
func TestUndoAnEdit(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, t.TempDir())
	who := Actor{Platform: "cli", User: "mod"}
	orig, v, err := s.Get("cost")
	if err != nil {
		t.Fatal(err)
	}
	edited := orig
	edited.Answer += " Prices change; ask for a written quote."
	if _, err := s.Put(ctx, edited, v, who); err != nil {
		t.Fatal(err)
	}
	undone, err := s.Undo(ctx, "cost", who)
	if err != nil {
		t.Fatalf("Undo of an edit: %v", err)
	}
	if undone.Action != "edit" || undone.After == nil || undone.After.Answer != edited.Answer {
		t.Errorf("Undo returned %+v, want the edit", undone)
	}
	got, _, err := s.Get("cost")
	if err != nil {
		t.Fatal(err)
	}
	if VersionOf(got) != VersionOf(orig) {
		t.Errorf("after Undo the answer is %q, want the original %q", got.Answer, orig.Answer)
	}
	hist, err := s.History("cost")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(hist); n < 2 || hist[n-1].Action != "undo" {
		t.Errorf("history ends %+v, want an undo change", hist[len(hist)-1])
	}
}

// TestImportReplacesAddsAndSkips: an import counts what it added and replaced, skips an
// entry that is unchanged, and records one change per entry written, numbered after the
// log's last change and sharing one batch number.
func TestImportReplacesAddsAndSkips(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, t.TempDir())
	who := Actor{Platform: "cli", User: "mod"}
	before, err := s.Audit()
	if err != nil {
		t.Fatal(err)
	}
	var lastSeq int64
	if len(before) > 0 {
		lastSeq = before[len(before)-1].Seq
	}
	unchanged, _, _ := s.Get("aftercare")
	replaced, _, _ := s.Get("cost")
	replaced.Answer += " Prices change; ask for a written quote."
	added := unchanged
	added.ID = "aftercare-copy"
	added.Question = "What should a moderator test an import with?"
	added.Alternates = []string{"an entry added by an import test"}
	added.Related = nil
	nAdded, nReplaced, err := s.Import(ctx, []Entry{unchanged, replaced, added}, who)
	if err != nil {
		t.Fatal(err)
	}
	if nAdded != 1 || nReplaced != 1 {
		t.Errorf("Import: added %d, replaced %d; want 1 and 1", nAdded, nReplaced)
	}
	after, err := s.Audit()
	if err != nil {
		t.Fatal(err)
	}
	changes := after[len(before):]
	if len(changes) != 2 {
		t.Fatalf("import recorded %d changes, want 2 (the unchanged entry skipped): %+v", len(changes), changes)
	}
	for i, ch := range changes {
		if ch.Seq != lastSeq+int64(i)+1 || ch.Batch != lastSeq+1 || ch.Action != "import" {
			t.Errorf("change %d: seq %d batch %d action %s; want seq %d batch %d import", i, ch.Seq, ch.Batch, ch.Action, lastSeq+int64(i)+1, lastSeq+1)
		}
	}
	if changes[0].ID != "cost" || changes[0].Before == nil || changes[1].ID != "aftercare-copy" || changes[1].Before != nil {
		t.Errorf("changes %+v: want cost replaced, then aftercare-copy added", changes)
	}
}

// TestValidatePhraseKey: phrasings fold to lower-case a-z, 0-9 and non-ASCII letters;
// the edges of each range are where an off-by-one would show.
func TestValidatePhraseKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Laser, A to Z?", "laser a to z"},
		{"0 or 9 sessions", "0 or 9 sessions"},
		{"`{@[/:", ""},
		{"Café  ÉTÉ", "café été"},
	}
	for _, tt := range tests {
		if got := PhraseKey(tt.in); got != tt.want {
			t.Errorf("PhraseKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestValidateLimitsAreInclusive: a field at its limit passes, one more is ErrTooLong.
func TestValidateLimitsAreInclusive(t *testing.T) {
	shipped, err := Load(Embedded())
	if err != nil {
		t.Fatal(err)
	}
	caveats := func(n int) []string {
		var cs []string
		for i := range n {
			cs = append(cs, fmt.Sprintf("Caveat %c: results vary from one person to another.", 'A'+i))
		}
		return cs
	}
	sources := func(n int) []Source {
		var ss []Source
		for i := range n {
			ss = append(ss, Source{Title: fmt.Sprintf("A clinic's guide, part %d", i+1), URL: fmt.Sprintf("https://clinic.example.org/guide/part-%d", i+1)})
		}
		return ss
	}
	long := func(n int) string { return strings.Repeat("Your skin decides. ", n/19+1)[:n-1] + "." }
	tests := []struct {
		name   string
		change func(e *Entry, n int)
		limit  int
	}{
		{"caveats", func(e *Entry, n int) { e.Caveats = caveats(n) }, MaxCaveats},
		{"sources", func(e *Entry, n int) { e.Sources = sources(n) }, MaxSources},
		{"caveat length", func(e *Entry, n int) { e.Caveats = []string{long(n)} }, MaxCaveatLen},
	}
	for _, tt := range tests {
		for _, n := range []int{tt.limit, tt.limit + 1} {
			entries := slices.Clone(shipped)
			tt.change(&entries[0], n)
			err := ValidateEntries(entries)
			if n == tt.limit && err != nil {
				t.Errorf("%s at the limit (%d): %v", tt.name, n, err)
			}
			if n > tt.limit && !errors.Is(err, ErrTooLong) {
				t.Errorf("%s over the limit (%d): got %v, want ErrTooLong", tt.name, n, err)
			}
		}
	}
}
