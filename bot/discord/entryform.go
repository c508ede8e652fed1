package discord

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/smpbot/smpbot/knowledge"
)

// The entry form. A Discord modal holds at most five text inputs, so an entry's
// fields share them: the question; the alternates, one per line; the answer; the
// caveats, one per line; and a small block for the rest, one item per line:
//
//	tags: aftercare, healing
//	related: healing-time, laser-pain
//	source: Guilford Aesthetics – laser post-care | https://guilfordaesthetics.com/
//
// The id is the /faq add option (or the entry edited) and travels in the modal's
// custom id, with the version an edit is based on.
const (
	inputQuestion   = "question"
	inputAlternates = "alternates"
	inputAnswer     = "answer"
	inputCaveats    = "caveats"
	inputMore       = "more"

	maxModalTitle = 45
	maxInputValue = 4000

	morePlaceholder = "tags: a, b\nrelated: other-id\nsource: Title | https://…"
)

// form is what the entry form holds, input by input.
type form struct {
	question, alternates, answer, caveats, more string
}

// formOf fills the form with an entry, for editing.
func formOf(e knowledge.Entry) form {
	var more []string
	if len(e.Tags) > 0 {
		more = append(more, "tags: "+strings.Join(e.Tags, ", "))
	}
	if len(e.Related) > 0 {
		more = append(more, "related: "+strings.Join(e.Related, ", "))
	}
	for _, s := range e.Sources {
		more = append(more, "source: "+flat(s.Title)+" | "+flat(s.URL))
	}
	return form{
		question:   e.Question,
		alternates: strings.Join(flatAll(e.Alternates), "\n"),
		answer:     e.Answer,
		caveats:    strings.Join(flatAll(e.Caveats), "\n"),
		more:       strings.Join(more, "\n"),
	}
}

// flat puts s on one line, for an input that holds one item per line. Only line
// breaks change (to spaces), so that an unchanged form gives back the same entry.
func flat(s string) string { return flattener.Replace(s) }

// flattener leaves every other byte alone, invalid UTF-8 included.
var flattener = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")

func flatAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = flat(s)
	}
	return out
}

// newlines makes every line break "\n", as browsers and Discord's clients differ.
func newlines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// formFrom reads a submitted form.
func formFrom(fields map[string]string) form {
	return form{
		question:   fields[inputQuestion],
		alternates: fields[inputAlternates],
		answer:     fields[inputAnswer],
		caveats:    fields[inputCaveats],
		more:       fields[inputMore],
	}
}

// input describes one text input of the form.
type input struct {
	id, label   string
	style       discordgo.TextInputStyle
	max         int
	required    bool
	placeholder string
	value       func(form) string
}

var inputs = []input{
	{inputQuestion, "Question", discordgo.TextInputShort, knowledge.MaxQuestionLen, true, "How many laser sessions will I need?", func(f form) string { return f.question }},
	{inputAlternates, "Alternates (one per line)", discordgo.TextInputParagraph, maxInputValue, false, "Other ways people ask it, one per line", func(f form) string { return f.alternates }},
	{inputAnswer, "Answer", discordgo.TextInputParagraph, knowledge.MaxAnswerLen, true, "The answer, in light Markdown", func(f form) string { return f.answer }},
	{inputCaveats, "Caveats (one per line)", discordgo.TextInputParagraph, maxInputValue, true, "At least one, one per line", func(f form) string { return f.caveats }},
	{inputMore, "Tags, related and sources", discordgo.TextInputParagraph, maxInputValue, true, morePlaceholder, func(f form) string { return f.more }},
}

// inputs are the form's action rows, one text input each, prefilled with f.
func (f form) inputs() []discordgo.MessageComponent {
	rows := make([]discordgo.MessageComponent, 0, len(inputs))
	for _, in := range inputs {
		rows = append(rows, discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.TextInput{
			CustomID: in.id, Label: in.label, Style: in.style, Placeholder: in.placeholder,
			Value: validUTF8(in.value(f)), Required: in.required, MaxLength: in.max,
		}}})
	}
	return rows
}

// fits reports which field of f is too long to prefill its input; Discord refuses a
// form whose prefilled value passes the input's limit.
func (f form) fits() error {
	var errs []error
	for _, in := range inputs {
		if n := width(in.value(f)); n > in.max {
			errs = append(errs, fmt.Errorf("%s: %d characters, a form field holds %d", in.id, n, in.max))
		}
	}
	return errors.Join(errs...)
}

// entry reads the form as the entry id. Only the layout of the last input is checked
// here; the store validates the entry, with the rest of the FAQ.
func (f form) entry(id string) (knowledge.Entry, error) {
	e := knowledge.Entry{
		ID:         id,
		Question:   strings.TrimSpace(newlines(f.question)),
		Alternates: lines(f.alternates),
		Answer:     strings.TrimSpace(newlines(f.answer)),
		Caveats:    lines(f.caveats),
	}
	var errs []error
	for n, line := range strings.Split(newlines(f.more), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		key = strings.ToLower(strings.TrimSpace(key))
		value = strings.TrimSpace(value)
		switch {
		case ok && (key == "tags" || key == "tag"):
			e.Tags = append(e.Tags, items(value)...)
		case ok && key == "related":
			e.Related = append(e.Related, items(value)...)
		case ok && (key == "source" || key == "sources"):
			// URLs hold no spaces, so the last " | " separates the title.
			cut := strings.LastIndex(value, " | ")
			if cut < 0 {
				errs = append(errs, fmt.Errorf("tags, related and sources, line %d: write a source as \"source: Title | https://…\"", n+1))
				continue
			}
			e.Sources = append(e.Sources, knowledge.Source{Title: strings.TrimSpace(value[:cut]), URL: strings.TrimSpace(value[cut+3:])})
		default:
			errs = append(errs, fmt.Errorf("tags, related and sources, line %d: %q: start the line with \"tags:\", \"related:\" or \"source:\"", n+1, trimText(line, 60)))
		}
	}
	return e, errors.Join(errs...)
}

// lines splits a one-per-line input, dropping blank lines and bullets people type.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(newlines(s), "\n") {
		for l = strings.TrimSpace(l); strings.HasPrefix(l, "- ") || strings.HasPrefix(l, "• "); {
			_, l, _ = strings.Cut(l, " ")
			l = strings.TrimSpace(l)
		}
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// items splits a comma-separated list.
func items(s string) []string {
	var out []string
	for _, it := range strings.Split(s, ",") {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out
}

// embed shows what a form held, so that text a moderator typed is never lost with a
// refused form.
func (f form) embed(title string) *discordgo.MessageEmbed {
	em := &discordgo.MessageEmbed{Type: discordgo.EmbedTypeRich, Title: title, Color: colorUrgent,
		Description: trimText(f.answer, knowledge.MaxAnswerLen+100)}
	// Every value is bounded so the whole stays within 6,000 characters.
	for _, fl := range []struct{ name, value string }{
		{"Question", trimText(f.question, 300)},
		{"Alternates", trimText(f.alternates, 900)},
		{"Caveats", trimText(f.caveats, 900)},
		{"Tags, related and sources", trimText(f.more, 900)},
	} {
		if fl.value != "" {
			em.Fields = append(em.Fields, &discordgo.MessageEmbedField{Name: fl.name, Value: fl.value})
		}
	}
	if em.Description == "" && len(em.Fields) == 0 {
		em.Description = "(empty)"
	}
	return em
}

// draft is a refused form, kept so that "Fix and resubmit" reopens it as it was.
type draft struct {
	user    string // only who filled it in may reopen it
	action  string // modAdd or modEdit
	id      string
	base    knowledge.Version
	form    form
	expires time.Time
}

// Drafts are kept in memory only, for a while and a bounded number: losing one costs a
// moderator retyping, never an entry.
const (
	draftTTL  = time.Hour
	maxDrafts = 200
)

type drafts struct {
	mu sync.Mutex
	m  map[string]draft
}

func newDrafts() *drafts { return &drafts{m: map[string]draft{}} }

// put keeps d and returns its token.
func (ds *drafts) put(d draft, now time.Time) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	token := hex.EncodeToString(b[:])
	d.expires = now.Add(draftTTL)
	ds.mu.Lock()
	defer ds.mu.Unlock()
	for k, old := range ds.m {
		if now.After(old.expires) {
			delete(ds.m, k)
		}
	}
	for len(ds.m) >= maxDrafts {
		oldest := ""
		for k, old := range ds.m {
			if oldest == "" || old.expires.Before(ds.m[oldest].expires) {
				oldest = k
			}
		}
		delete(ds.m, oldest)
	}
	ds.m[token] = d
	return token
}

// get returns the draft token of user, if it is still kept.
func (ds *drafts) get(token, user string, now time.Time) (draft, bool) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	d, ok := ds.m[token]
	if !ok || d.user != user || now.After(d.expires) {
		return draft{}, false
	}
	return d, true
}
