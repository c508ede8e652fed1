package phrasing

import (
	"slices"
	"testing"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/questionlogtest"
)

func TestGroup(t *testing.T) {
	at := func(m int) time.Time { return day0.Add(time.Duration(m) * time.Minute) }
	tests := []struct {
		name string
		in   []Question
		want []bot.UnansweredGroup
	}{
		{
			name: "repeats and near-duplicates count together, most frequent first",
			in: []Question{
				{Text: "can I dye my hair after", Closest: "aftercare", At: at(1)},
				{Text: "Can I dye my hair after?", Closest: "transplant-after-smp", At: at(2)},
				{Text: "best pizza topping", Closest: "", At: at(3)},
				{Text: "can i dye my hair after smp removal", Closest: "aftercare", At: at(4)},
				{Text: "dye hair after", Closest: "", At: at(5)},
				{Text: "what is the best pizza topping?", Closest: "", At: at(6)},
				{Text: "how long does a tattoo take", Closest: "", At: at(7)},
			},
			want: []bot.UnansweredGroup{
				{Question: "Can I dye my hair after?", Count: 4, Examples: []string{"dye hair after", "can i dye my hair after smp removal"}, Closest: "aftercare", LastAsked: at(5)},
				{Question: "what is the best pizza topping?", Count: 2, Examples: []string{"best pizza topping"}, LastAsked: at(6)},
				{Question: "how long does a tattoo take", Count: 1, LastAsked: at(7)},
			},
		},
		{
			name: "different topics in the same words stay apart",
			in: []Question{
				{Text: "how many laser sessions", Closest: "", At: at(1)},
				{Text: "how long between laser sessions", Closest: "", At: at(2)},
				{Text: "laser session count", Closest: "", At: at(3)},
			},
			want: []bot.UnansweredGroup{
				{Question: "laser session count", Count: 1, LastAsked: at(3)},
				{Question: "how long between laser sessions", Count: 1, LastAsked: at(2)},
				{Question: "how many laser sessions", Count: 1, LastAsked: at(1)},
			},
		},
		{
			name: "plurals and common words do not separate",
			in: []Question{
				{Text: "Tattoos over SMP?", Closest: "", At: at(1)},
				{Text: "can you put a tattoo over my smp", Closest: "", At: at(2)},
			},
			want: []bot.UnansweredGroup{
				{Question: "can you put a tattoo over my smp", Count: 2, Examples: []string{"Tattoos over SMP?"}, LastAsked: at(2)},
			},
		},
		{
			name: "questions of common words only group by their words",
			in: []Question{
				{Text: "is it?", Closest: "", At: at(1)},
				{Text: "Is it", Closest: "", At: at(2)},
				{Text: "can it", Closest: "", At: at(3)},
				{Text: "???", Closest: "", At: at(4)},
			},
			want: []bot.UnansweredGroup{
				{Question: "Is it", Count: 2, LastAsked: at(2)},
				{Question: "can it", Count: 1, LastAsked: at(3)},
			},
		},
		{
			name: "no chaining: a wording joins only a group whose main wording it resembles",
			in: []Question{
				{Text: "laser removal price", Closest: "", At: at(1)}, {Text: "laser removal price", Closest: "", At: at(2)}, {Text: "laser removal price", Closest: "", At: at(3)},
				{Text: "laser removal price london", Closest: "", At: at(4)}, {Text: "laser removal price london", Closest: "", At: at(5)},
				{Text: "laser price london clinic", Closest: "", At: at(6)},
			},
			want: []bot.UnansweredGroup{
				{Question: "laser removal price", Count: 5, Examples: []string{"laser removal price london"}, LastAsked: at(5)},
				{Question: "laser price london clinic", Count: 1, LastAsked: at(6)},
			},
		},
		{"nothing asked", nil, []bot.UnansweredGroup{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Group(tt.in, 3)
			if !questionlogtest.EqualGroups(got, tt.want) {
				t.Errorf("got\n%s\nwant\n%s", questionlogtest.FormatGroups(got), questionlogtest.FormatGroups(tt.want))
			}
			// The grouping does not depend on the order the questions come in.
			rev := slices.Clone(tt.in)
			slices.Reverse(rev)
			if again := Group(rev, 3); !questionlogtest.EqualGroups(again, got) {
				t.Errorf("reversed input gives\n%s", questionlogtest.FormatGroups(again))
			}
		})
	}
}

func FuzzGroup(f *testing.F) {
	f.Add("can I dye my hair after", "Can I dye my hair after?", "???")
	f.Add("is it", "it's", "très café ünïcode")
	f.Add("", "   ", "a a a a")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		var in []Question
		want := 0
		for i, s := range []string{a, b, c, a} {
			in = append(in, Question{Text: s, At: day0.Add(time.Duration(i) * time.Minute)})
			if Key(s) != "" {
				want++
			}
		}
		got := 0
		for _, g := range Group(in, 3) {
			got += g.Count
			if g.Count < 1 || g.Question == "" || len(g.Examples) > 3 {
				t.Errorf("group %+v", g)
			}
		}
		if got != want {
			t.Errorf("groups count %d questions, want %d", got, want)
		}
	})
}

// TestPhraseKey: the fold must keep exactly what FAQ validation keeps (a-z, 0-9 and
// non-ASCII letters), or a proposal would not compare equal to the alternate it becomes;
// the edges of each range are where an off-by-one would show.
func TestPhraseKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Laser, A to Z?", "laser a to z"},
		{"0 or 9 sessions", "0 or 9 sessions"},
		{"after 10-09... ok?!", "after 10 09 ok"},
		{"`{@[/:", ""},
		{"Café  ÉTÉ", "café été"},
	}
	for _, tt := range tests {
		if got := Key(tt.in); got != tt.want {
			t.Errorf("Key(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
