package discord

import (
	"strings"
	"testing"
	"time"

	"github.com/smpbot/smpbot/knowledge"
)

// TestFormRoundTrip checks that every entry of the FAQ survives the form unchanged:
// an edit that changes nothing in the prefilled form loses nothing.
func TestFormRoundTrip(t *testing.T) {
	for _, e := range mustEmbedded(t) {
		f := formOf(e)
		if err := f.fits(); err != nil {
			t.Errorf("%s does not fit the form: %v", e.ID, err)
		}
		got, err := f.entry(e.ID)
		if err != nil {
			t.Errorf("%s: %v", e.ID, err)
			continue
		}
		got.Updated = e.Updated
		if !entriesEqual(got, e) {
			t.Errorf("%s after the form:\n%+v\nwant\n%+v", e.ID, got, e)
		}
	}
}

func TestFormEntry(t *testing.T) {
	tests := []struct {
		name    string
		f       form
		want    knowledge.Entry
		wantErr string
	}{
		{
			name: "bullets, blank lines, CRLF and spacing are tidied",
			f: form{question: "  Q?  ", alternates: "- a\r\n\r\n• b\n  c  ", answer: "A\r\n\r\nB\n", caveats: "one\n\ntwo",
				more: "Tags: x, y,\n\nrelated: r1 ,r2\nsources: T | with | bar | https://e.org/a\nsource:  U  |  https://e.org/b  "},
			want: knowledge.Entry{ID: "e", Question: "Q?", Alternates: []string{"a", "b", "c"}, Answer: "A\n\nB", Caveats: []string{"one", "two"},
				Tags: []string{"x", "y"}, Related: []string{"r1", "r2"},
				Sources: []knowledge.Source{{Title: "T | with | bar", URL: "https://e.org/a"}, {Title: "U", URL: "https://e.org/b"}}},
		},
		{name: "empty", f: form{}, want: knowledge.Entry{ID: "e"}},
		{name: "unknown key", f: form{more: "tags: a\nlink: https://e.org"}, wantErr: `line 2: "link: https://e.org"`},
		{name: "no colon", f: form{more: "just text"}, wantErr: `line 1: "just text"`},
		{name: "source without a title", f: form{more: "source: https://e.org"}, wantErr: "line 1: write a source"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.f.entry("e")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !entriesEqual(got, tt.want) {
				t.Errorf("entry = %+v, %v\nwant %+v", got, err, tt.want)
			}
		})
	}
}

func TestFormFits(t *testing.T) {
	e := entry(t, "cost")
	for len(strings.Join(e.Alternates, "\n")) <= maxInputValue {
		e.Alternates = append(e.Alternates, strings.Repeat("long alternate phrasing ", 8))
	}
	if err := formOf(e).fits(); err == nil || !strings.Contains(err.Error(), "alternates") {
		t.Errorf("fits = %v, want alternates too long", err)
	}
}

func TestDrafts(t *testing.T) {
	ds := newDrafts()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tok := ds.put(draft{user: "u", id: "a"}, now)
	tests := []struct {
		name   string
		token  string
		user   string
		at     int // minutes later
		wantOK bool
	}{
		{"owner", tok, "u", 1, true},
		{"someone else", tok, "v", 1, false},
		{"expired", tok, "u", 61, false},
		{"unknown", "nope", "u", 1, false},
	}
	for _, tt := range tests {
		if _, ok := ds.get(tt.token, tt.user, now.Add(time.Duration(tt.at)*time.Minute)); ok != tt.wantOK {
			t.Errorf("%s: ok = %v, want %v", tt.name, ok, tt.wantOK)
		}
	}
	for range maxDrafts + 10 {
		ds.put(draft{user: "u"}, now)
	}
	if n := len(ds.m); n != maxDrafts {
		t.Errorf("%d drafts kept, want at most %d", n, maxDrafts)
	}
}
