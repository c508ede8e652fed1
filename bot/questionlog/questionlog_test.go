package questionlog

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot"
)

func TestWindows(t *testing.T) {
	now := time.Date(2026, 3, 11, 23, 30, 0, 0, time.FixedZone("", -3*3600)) // 2026-03-12 02:30 UTC, a Thursday
	tests := []struct {
		days int
		want string
	}{{1, "2026-03-12"}, {0, "2026-03-12"}, {3, "2026-03-10"}, {30, "2026-02-11"}}
	for _, tt := range tests {
		if got := Day(Since(now, tt.days)); got != tt.want {
			t.Errorf("Since(%d) = %s, want %s", tt.days, got, tt.want)
		}
	}
	if got := Day(Monday(now)); got != "2026-03-09" {
		t.Errorf("Monday = %s, want 2026-03-09", got)
	}
	if got := Day(Monday(time.Date(2026, 3, 15, 23, 0, 0, 0, time.UTC))); got != "2026-03-09" {
		t.Errorf("Monday of a Sunday = %s, want the Monday before", got)
	}
}

func TestWeeks(t *testing.T) {
	now := time.Date(2026, 3, 12, 10, 0, 0, 0, time.UTC)
	w := NewWeeks(now, 2)
	if Day(w.From()) != "2026-03-02" {
		t.Errorf("from %s", Day(w.From()))
	}
	w.Add(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), true)    // first instant of the first week
	w.Add(time.Date(2026, 3, 8, 23, 59, 0, 0, time.UTC), false) // last minute of it
	w.Add(time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), false)
	w.Add(time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC), true) // a skewed clock's future: left out
	w.Add(time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC), true) // before the window: left out
	want := []bot.WeekFeedback{{Week: "2026-03-02", Helpful: 1, NotHelpful: 1}, {Week: "2026-03-09", NotHelpful: 1}}
	if got := w.Result(); !slices.Equal(got, want) {
		t.Errorf("weeks %+v, want %+v", got, want)
	}
	if n := len(NewWeeks(now, 0).Result()); n != 1 {
		t.Errorf("0 weeks gives %d, want 1", n)
	}
}

func TestEntriesFill(t *testing.T) {
	e := Entries{}
	e.Entry("b").Answers = 3
	e.Entry("a").Answers = 3
	e.Entry("c").Answers = 5
	x := e.Entry("x") // judged, never answered in the window
	x.Helpful, x.NotHelpful = 1, 1
	a := e.Entry("a")
	a.Helpful, a.NotHelpful = 0, 2
	e.Entry("b").Helpful, e.Entry("b").NotHelpful = 2, 1
	var st bot.Stats
	e.Fill(&st)
	if got := ids(st.TopEntries); !slices.Equal(got, []string{"c", "a", "b"}) {
		t.Errorf("top %v, want c then a, b (ties by id)", got)
	}
	if got := ids(st.NotHelpful); !slices.Equal(got, []string{"a", "x"}) {
		t.Errorf("not helpful %v, want a (2 to 0) then x (1 to 1); b is more helpful than not", got)
	}
}

func ids(es []bot.EntryStats) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.EntryID)
	}
	return out
}

func TestRescanSearchesEachWordingOnce(t *testing.T) {
	at := time.Date(2026, 3, 12, 10, 0, 0, 0, time.UTC)
	rows := []UnansweredRow{
		{ID: "1", Text: "does the laser sting", Key: "does the laser sting", At: at},
		{ID: "2", Text: "Does the laser sting?", Key: "does the laser sting", At: at.Add(time.Minute)},
		{ID: "3", Text: "best pizza", Key: "best pizza", At: at},
		{ID: "4", Text: "cost maybe", Key: "cost maybe", At: at},
	}
	var searched []string
	search := func(_ context.Context, text string) (string, float64, error) {
		searched = append(searched, text)
		switch text {
		case "best pizza":
			return "", 0, nil
		case "cost maybe":
			return "cost", 0.55, nil // below the line
		}
		return "laser-pain", 0.9, nil
	}
	var proposed [][]string
	n, err := Rescan(context.Background(), rows, search, 0.6, func(_ context.Context, entryID, text, key string, from []string) (bool, error) {
		proposed = append(proposed, append([]string{entryID, text, key}, from...))
		return true, nil
	})
	if err != nil || n != 1 {
		t.Fatalf("rescan = %d, %v; want 1", n, err)
	}
	if want := []string{"Does the laser sting?", "best pizza", "cost maybe"}; !slices.Equal(searched, want) {
		t.Errorf("searched %q, want each wording once with its latest text", searched)
	}
	if len(proposed) != 1 || !slices.Equal(proposed[0], []string{"laser-pain", "Does the laser sting?", "does the laser sting", "1", "2"}) {
		t.Errorf("proposed %q", proposed)
	}
	failing := func(context.Context, string) (string, float64, error) { return "", 0, errors.New("index closed") }
	if _, err := Rescan(context.Background(), rows, failing, 0.6, nil); err == nil {
		t.Errorf("a failing search was not reported")
	}
}
