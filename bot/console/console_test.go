package console_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

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
