package knowledge

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
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
