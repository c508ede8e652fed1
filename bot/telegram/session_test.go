package telegram

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/smpbot/smpbot/bot/telegram/telegramtest"
	"github.com/smpbot/smpbot/knowledge"
)

func TestParseSources(t *testing.T) {
	tests := []struct {
		in      string
		want    []knowledge.Source
		wantErr string
	}{
		{"AAD | https://www.aad.org/", []knowledge.Source{{Title: "AAD", URL: "https://www.aad.org/"}}, ""},
		{"- AAD: tattoo removal https://www.aad.org/x\n\n• Guilford – post-care: https://g.example/",
			[]knowledge.Source{{Title: "AAD: tattoo removal", URL: "https://www.aad.org/x"}, {Title: "Guilford – post-care", URL: "https://g.example/"}}, ""},
		// The URL is checked by validation, which names the field; here only the shape.
		{"A book | chapter 3", []knowledge.Source{{Title: "A book", URL: "chapter 3"}}, ""},
		{"just a title", nil, "line 1 has no title and URL"},
		{"AAD | https://a.example/\n| https://b.example/", nil, "line 2 needs both a title and a URL"},
	}
	for _, tt := range tests {
		got, err := parseSources(tt.in)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("parseSources(%q) error = %v, want %q", tt.in, err, tt.wantErr)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("parseSources(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestSplitting(t *testing.T) {
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"lines with bullets", splitLines("- one\n\n• two \n* three\nfour"), []string{"one", "two", "three", "four"}},
		{"tags", splitList("aftercare, healing,\nsun,,aftercare", ","), []string{"aftercare", "healing", "sun"}},
		{"tags keep spaces", splitList("hair dye, sun", ","), []string{"hair dye", "sun"}},
		{"related", splitList("aftercare healing-time,pain", ", "), []string{"aftercare", "healing-time", "pain"}},
		{"nothing", splitLines(" \n "), nil},
	}
	for _, tt := range tests {
		if !slices.Equal(tt.got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestSuggestID(t *testing.T) {
	taken := map[string]bool{"laser-cost": true, "laser-cost-2": true}
	tests := []struct{ question, want string }{
		{"Can I dye my hair after SMP removal?", "dye-hair-after-smp-removal"},
		{"How much does laser cost?", "much-laser-cost"},
		{"laser cost", "laser-cost-3"},
		{"¿Qué?", "qu"},
		{"???", "new-entry"},
		{strings.Repeat("pigment ", 30), "pigment-pigment-pigment-pigment-pigment"},
	}
	for _, tt := range tests {
		got := suggestID(tt.question, func(id string) bool { return taken[id] })
		if got != tt.want {
			t.Errorf("suggestID(%q) = %q, want %q", tt.question, got, tt.want)
		}
		if err := knowledge.ValidateEntries([]knowledge.Entry{{ID: got}}); err != nil && strings.Contains(err.Error(), "id:") {
			t.Errorf("suggestID(%q) = %q, which is not a valid id: %v", tt.question, got, err)
		}
	}
}

func TestPreMessagesFitAndKeepEverything(t *testing.T) {
	var b strings.Builder
	for i := range 300 {
		fmt.Fprintf(&b, "  - line %d with <html> & \"quotes\" to escape\n", i)
	}
	b.WriteString(strings.Repeat("x", 5000) + "\n")
	text := b.String()
	msgs := preMessages("Copy <this>:", text)
	if len(msgs) < 3 {
		t.Fatalf("got %d messages, want the text split in several", len(msgs))
	}
	var all []string
	for i, m := range msgs {
		if n := telegramtest.Len(m.text); n > maxMessageLen {
			t.Errorf("message %d is %d UTF-16 units", i, n)
		}
		p, err := telegramtest.ParseHTML(m.text)
		if err != nil {
			t.Fatalf("message %d does not parse: %v", i, err)
		}
		if i == 0 {
			p = strings.TrimPrefix(p, "Copy <this>:\n\n")
		}
		all = append(all, p)
	}
	if got := strings.ReplaceAll(strings.Join(all, "\n"), "\n", ""); got != strings.ReplaceAll(text, "\n", "") {
		t.Errorf("the preformatted text lost or changed something")
	}
}

func TestVotes(t *testing.T) {
	v := newVotes(2)
	steps := []struct {
		reply, user string
		helpful     bool
		want        bool
	}{
		{"r1", "ann", true, true},
		{"r1", "ann", true, false}, // the same again
		{"r1", "bob", true, true},  // another person
		{"r1", "ann", false, true}, // a change of mind
		{"r2", "ann", true, true},  // a third: the oldest is forgotten
		{"r1", "ann", false, true}, // forgotten, so recorded again
	}
	for i, s := range steps {
		if got := v.changes(s.reply, s.user, s.helpful); got != s.want {
			t.Errorf("step %d: changes(%s, %s, %v) = %v, want %v", i, s.reply, s.user, s.helpful, got, s.want)
		}
	}
	if len(v.last) > 2 {
		t.Errorf("remembers %d judgements, limit 2", len(v.last))
	}
}

func TestMarkBold(t *testing.T) {
	bold := func(off, n int) tgbotapi.MessageEntity {
		return tgbotapi.MessageEntity{Type: "bold", Offset: off, Length: n}
	}
	tests := []struct {
		text string
		ents []tgbotapi.MessageEntity
		want string
	}{
		{"Wait until fully healed.", []tgbotapi.MessageEntity{bold(11, 12)}, "Wait until **fully healed**."},
		{"a b", []tgbotapi.MessageEntity{bold(0, 1), bold(1, 1), {Type: "italic", Offset: 2, Length: 1}}, "**a**** **b"},
		// Offsets count UTF-16 units: the emoji is two.
		{"😀 heal now", []tgbotapi.MessageEntity{bold(3, 4)}, "😀 **heal** now"},
		// A mark inside the surrogate pair goes after the character.
		{"😀x", []tgbotapi.MessageEntity{bold(1, 2)}, "😀**x**"},
		{"short", []tgbotapi.MessageEntity{bold(3, 9), bold(-1, 2), bold(0, 0)}, "short"},
		{"end", []tgbotapi.MessageEntity{bold(0, 3)}, "**end**"},
	}
	for _, tt := range tests {
		if got := markBold(tt.text, tt.ents); got != tt.want {
			t.Errorf("markBold(%q, %v) = %q, want %q", tt.text, tt.ents, got, tt.want)
		}
	}
}
