package console_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/console"
	"github.com/smpbot/smpbot/index"
	"github.com/smpbot/smpbot/knowledge"
)

func faq(t *testing.T) *bot.FAQ {
	t.Helper()
	entries, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	x, err := index.New(entries)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return bot.NewFAQ(x)
}

func TestConversation(t *testing.T) {
	in := strings.NewReader("hi\nhow much does smp laser removal cost?\n1\n\ntopics\n2\nquit\nnever read\n")
	var out strings.Builder
	h := faq(t)
	if err := console.New(in, &out, console.WithPrompt("")).Run(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	second := h.Topics()[1].Question
	if n := strings.Count(got, second); n < 2 {
		t.Errorf("topic 2 %q appears %d times; want it listed and then answered", second, n)
	}
	for _, want := range []string{
		"Hi! I answer questions",         // small talk
		"How much does SMP removal cost", // the answer's question
		bot.Disclaimer,                   // carried by the answer
		"\n1. ",                          // numbered choices
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Count(got, bot.Disclaimer) < 3 {
		t.Errorf("want 3 answers (question, chosen suggestion, chosen topic):\n%s", got)
	}
	if strings.Contains(got, "never read") {
		t.Error("input after quit was answered")
	}
}

func TestRendersUrgentNoticeFirst(t *testing.T) {
	in := strings.NewReader("2 days after laser my scalp is oozing pus and I have a fever\n")
	var out strings.Builder
	if err := console.New(in, &out, console.WithPrompt("")).Run(context.Background(), faq(t)); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	notice := strings.Index(got, bot.UrgentNotice)
	answer := strings.Index(got, bot.Disclaimer)
	if notice < 0 || answer < 0 || notice > answer {
		t.Errorf("urgent notice at %d, answer at %d: want the notice first\n%s", notice, answer, got)
	}
}

// A question about a tattoo that names neither SMP nor the scalp is answered with the
// scope note after the answer, first under "Keep in mind"; one naming SMP, or an entry
// chosen by its number, is not. An urgent one keeps the notice first.
func TestScopeNote(t *testing.T) {
	tests := []struct {
		name, in string
		notes    int // how many times the note is shown
	}{
		{"tattoo on the forearm, then a follow-up chosen", "tattoo removal on my forearm, how many laser sessions will I need?\n1\n", 1},
		{"micropigmentation", "I regret my micropigmentation, can it be removed completely?\n", 1},
		{"smp named", "how many laser sessions will I need to remove my SMP?\n", 0},
		{"scalp named", "the ink on my scalp came out too dark, can laser lighten it?\n", 0},
		{"no subject", "is laser removal painful\n", 0},
		{"urgent", "3 days after laser tattoo removal on my arm there's pus and I have a fever\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			if err := console.New(strings.NewReader(tt.in), &out, console.WithPrompt("")).Run(context.Background(), faq(t)); err != nil {
				t.Fatal(err)
			}
			got := out.String()
			if !strings.Contains(got, bot.Disclaimer) {
				t.Fatalf("no answer:\n%s", got)
			}
			if n := strings.Count(got, bot.ScopeNote); n != tt.notes {
				t.Fatalf("scope note shown %d times, want %d:\n%s", n, tt.notes, got)
			}
			if tt.notes == 0 {
				return
			}
			note := strings.Index(got, bot.ScopeNote)
			keep := strings.Index(got, "Keep in mind:")
			sources := strings.Index(got, "Sources:")
			if keep < 0 || note < keep || sources < note {
				t.Errorf("note at %d, Keep in mind at %d, Sources at %d: want the note under Keep in mind\n%s", note, keep, sources, got)
			}
			if tt.name != "urgent" {
				return
			}
			// The notice opens the reply, and the answer's own caveat about getting
			// checked comes before the note.
			notice := strings.Index(got, bot.UrgentNotice)
			title := strings.Index(got, "What signs after SMP removal")
			checked := strings.Index(got, "if in doubt, get checked")
			if notice < 0 || title < notice || checked < keep || note < checked {
				t.Errorf("notice at %d, answer at %d, its caveat at %d, note at %d: want that order\n%s", notice, title, checked, note, got)
			}
		})
	}
}

func TestHandlerErrorIsNotFatal(t *testing.T) {
	failing := bot.HandlerFunc(func(context.Context, bot.Question) (bot.Reply, error) {
		return bot.Reply{}, errors.New("index closed")
	})
	var out strings.Builder
	err := console.New(strings.NewReader("a\nb\n"), &out, console.WithPrompt("")).Run(context.Background(), failing)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "something went wrong"); n != 2 {
		t.Errorf("%d apologies for 2 failed questions:\n%s", n, out.String())
	}
}

func TestStopsWithContext(t *testing.T) {
	r, w := io.Pipe() // input that never ends
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- console.New(r, io.Discard).Run(ctx, faq(t)) }()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run after cancel = %v, want nil", err)
	}
}

// A line over the limit is cut, answered, and the lines after it are answered too.
func TestOverlongLineIsCutAndAnswered(t *testing.T) {
	long := "how much does laser removal cost " + strings.Repeat("é", console.MaxLineLen) // two bytes each: the cut falls inside one
	in := strings.NewReader(long + "\ndoes laser removal hurt\n")
	var out strings.Builder
	if err := console.New(in, &out, console.WithPrompt("")).Run(context.Background(), faq(t)); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if got := strings.Count(out.String(), "only its beginning was read"); got != 1 {
		t.Errorf("%d notes of a cut line, want 1", got)
	}
	if !strings.Contains(out.String(), "rubber band snapping") {
		t.Errorf("the line after the long one was not answered:\n%.2000s", out.String())
	}
}

func TestScanLines(t *testing.T) {
	type line struct {
		n   int
		cut bool
	}
	in := strings.Repeat("a", console.MaxLineLen+5000) + "\r\nshort\n\n" + strings.Repeat("b", console.MaxLineLen) + "\nlast"
	var got []line
	if err := console.ScanLines(strings.NewReader(in), func(s string, cut bool) bool {
		got = append(got, line{len(s), cut})
		return true
	}); err != nil {
		t.Fatal(err)
	}
	want := []line{{console.MaxLineLen, true}, {5, false}, {0, false}, {console.MaxLineLen, false}, {4, false}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("lines %v, want %v", got, want)
	}
}

// ansi matches terminal escape sequences, to measure what a line shows.
var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// At a terminal, Up recalls the previous question instead of asking "^[[A", and
// replies show bold as bold, bullets, and lines no wider than the terminal.
func TestTerminal(t *testing.T) {
	const width = 44
	// Enter is a carriage return in raw mode; ESC [ A is the Up arrow.
	in := strings.NewReader("how many laser sessions will I need?\r\x1b[A\r")
	var out strings.Builder
	err := console.New(in, &out, console.WithTerminal(func() int { return width })).Run(context.Background(), faq(t))
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	title := "How many laser sessions does" // the answer's title, not the echoed question
	if n := strings.Count(got, title); n != 2 {
		t.Errorf("the sessions answer appears %d times, want 2 (asked, then recalled with Up):\n%s", n, got)
	}
	if strings.Contains(ansi.ReplaceAllString(got, ""), "[A") {
		t.Errorf("the Up arrow reached the output as text:\n%q", got)
	}
	if !strings.Contains(got, "\x1b[1m") || strings.Contains(got, "**") {
		t.Errorf("bold not rendered for the terminal:\n%s", got)
	}
	if !strings.Contains(got, "• ") {
		t.Errorf("no bullets:\n%s", got)
	}
	if strings.Contains(strings.ReplaceAll(got, "\r\n", ""), "\n") {
		t.Errorf("a bare \\n in raw mode (the terminal needs \\r\\n):\n%q", got)
	}
	for _, l := range strings.Split(got, "\r\n") {
		shown := ansi.ReplaceAllString(l, "")
		if n := utf8.RuneCountInString(shown); n > width && strings.Contains(shown, " ") && !strings.Contains(shown, "://") {
			t.Errorf("line of %d columns on a %d-column terminal: %q", n, width, shown)
		}
	}
}

// Piped input and output get plain text: no escape codes, no Markdown asterisks.
func TestPlainOutputHasNoMarkup(t *testing.T) {
	var out strings.Builder
	err := console.New(strings.NewReader("how many laser sessions will I need?\n"), &out).Run(context.Background(), faq(t))
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.Contains(got, "How many laser sessions") || strings.Contains(got, "**") || strings.Contains(got, "\x1b") {
		t.Errorf("want the answer as plain text:\n%s", got)
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		width int
		ansi  bool
		want  string
	}{
		{"plain drops asterisks", "It takes **1-2 sessions** often.", 0, false, "It takes 1-2 sessions often."},
		{"terminal bold", "It takes **1-2 sessions** often.", 0, true, "It takes \x1b[1m1-2 sessions\x1b[22m often."},
		{"bullets", "- one\n* two\n3. three", 0, true, "• one\n• two\n3. three"},
		{"plain bullets", "- one\n* two", 0, false, "- one\n- two"},
		{"wrap", "aaa bbb ccc ddd", 7, false, "aaa bbb\nccc ddd"},
		{"hanging indent", "- aaa bbb ccc", 8, false, "- aaa\n  bbb\n  ccc"},
		{"numbered indent", "10. aaa bbb", 8, false, "10. aaa\n    bbb"},
		{"bold across a break", "**aaa bbb** ccc", 4, true, "\x1b[1maaa\x1b[22m\n\x1b[1mbbb\x1b[22m\nccc"},
		{"bold takes no columns", "**aaa** bbb", 7, true, "\x1b[1maaa\x1b[22m bbb"},
		{"long word kept whole", "see https://example.com/a/long/path now", 10, false, "see\nhttps://example.com/a/long/path\nnow"},
		{"blank lines kept", "a\n\nb", 10, false, "a\n\nb"},
		{"unmatched asterisks left", "5 * 3 **", 0, true, "5 * 3 **"},
	}
	for _, tt := range tests {
		if got := console.Format(tt.text, tt.width, tt.ansi); got != tt.want {
			t.Errorf("%s: Format(%q, %d, %v) = %q, want %q", tt.name, tt.text, tt.width, tt.ansi, got, tt.want)
		}
	}
}

var numberedItem = regexp.MustCompile(`^\d{1,3}\. $`)

// Format keeps every word, in order, and, wrapping, never makes a line wider than the
// width unless one word alone is.
func FuzzFormat(f *testing.F) {
	f.Add("It takes **1-2 sessions** often.\n- **Deep** work: more\n10. ten", 20, true)
	f.Add("**a** **b**c** d", 3, false)
	f.Add("- \n*  x\n\n  1. y", 1, true)
	f.Fuzz(func(t *testing.T, text string, width int, ansiOn bool) {
		if width < 0 || width > 500 || !utf8.ValidString(text) || strings.ContainsAny(text, "\x01\x02\x1b\r") {
			return
		}
		got := console.Format(text, width, ansiOn)
		shown := ansi.ReplaceAllString(got, "")
		if !ansiOn && shown != got {
			t.Fatalf("escape codes in plain output %q", got)
		}
		// The same words, ignoring asterisks and list markers.
		words := func(s string) string {
			var ws []string
			for _, l := range strings.Split(s, "\n") {
				l = strings.TrimLeft(l, " ")
				for _, m := range []string{"- ", "* ", "• "} {
					l = strings.TrimPrefix(l, m)
				}
				ws = append(ws, strings.Fields(strings.ReplaceAll(l, "*", ""))...)
			}
			return strings.Join(ws, " ")
		}
		if words(shown) != words(text) {
			t.Fatalf("words changed:\n%q\n%q", words(text), words(shown))
		}
		if width == 0 {
			return
		}
		for _, l := range strings.Split(shown, "\n") {
			fs := strings.Fields(l)
			marker := len(fs) == 2 && (fs[0] == "-" || fs[0] == "•" || numberedItem.MatchString(fs[0]+" "))
			if n := utf8.RuneCountInString(l); n > width && len(fs) > 1 && !marker {
				t.Fatalf("line of %d columns at width %d: %q", n, width, l)
			}
		}
	})
}
