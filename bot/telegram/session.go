package telegram

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/knowledge"
)

// session is a moderator's change in progress, from the command to Confirm or Cancel.
// It lives in memory only: a restart or sessionTTL of silence drops it, and nothing is
// written before Confirm.
type session struct {
	// id names the current preview in its Confirm / Cancel buttons. Each preview gets a
	// new one, so a button under an older preview cannot confirm a newer draft.
	id      string
	action  string // add, edit, remove, undo
	entryID string
	// base is the version an edit or removal started from: the store refuses the change
	// if the entry has changed since.
	base  knowledge.Version
	orig  knowledge.Entry // the entry as it was (edit, remove)
	draft knowledge.Entry
	steps []step
	at    int // the step awaiting input; len(steps) once the preview is shown
	// lastSeq is, for an undo, the audit record being undone.
	lastSeq int64
	expires time.Time
}

func (s *session) previewing() bool { return s.at >= len(s.steps) }

func newSessionID() string { return strconv.FormatUint(rand.Uint64(), 36) }

// step asks for one field of an entry.
type step struct {
	field string // the field's name in the file format and in validation errors
	title string
	ask   string
	// list fields take one item per line (or comma-separated); "none" empties them.
	list bool
	show func(knowledge.Entry) []string // the current value, one line per item
	set  func(e *knowledge.Entry, in string) error
}

// Inputs with a meaning of their own at any step.
const (
	keepInput  = "-"    // keep the current value (edit), or leave the field empty (add)
	emptyInput = "none" // empty a list field
)

var (
	stepQuestion = step{field: "question", title: "Question",
		ask:  "Send the question, worded the way people ask it.",
		show: func(e knowledge.Entry) []string { return nonEmpty(e.Question) },
		set: func(e *knowledge.Entry, in string) error {
			e.Question = strings.Join(strings.Fields(in), " ")
			return nil
		}}
	stepID = step{field: "id", title: "Id",
		ask:  "Send a short id for the entry: lower-case words joined by hyphens, like laser-cost.",
		show: func(e knowledge.Entry) []string { return nonEmpty(e.ID) },
		set:  func(e *knowledge.Entry, in string) error { e.ID = strings.ToLower(strings.TrimSpace(in)); return nil }}
	stepAlternates = step{field: "alternates", title: "Other wordings", list: true,
		ask:  "Send other ways people ask the same thing, one per line. Short and informal ones help.",
		show: func(e knowledge.Entry) []string { return e.Alternates },
		set:  func(e *knowledge.Entry, in string) error { e.Alternates = splitLines(in); return nil }}
	stepAnswer = step{field: "answer", title: "Answer",
		ask:  "Send the answer. **bold** works, lines starting with - are bullets, and a blank line starts a new paragraph.",
		show: func(e knowledge.Entry) []string { return nonEmpty(e.Answer) },
		set:  func(e *knowledge.Entry, in string) error { e.Answer = strings.TrimSpace(in); return nil }}
	stepCaveats = step{field: "caveats", title: "Caveats", list: true,
		ask:  "Send what the reader should keep in mind, one caveat per line (at least one).",
		show: func(e knowledge.Entry) []string { return e.Caveats },
		set:  func(e *knowledge.Entry, in string) error { e.Caveats = splitLines(in); return nil }}
	stepTags = step{field: "tags", title: "Tags", list: true,
		ask:  "Send a few tags, separated by commas.",
		show: func(e knowledge.Entry) []string { return e.Tags },
		set:  func(e *knowledge.Entry, in string) error { e.Tags = splitList(in, ","); return nil }}
	stepRelated = step{field: "related", title: "Related entries", list: true,
		ask:  "Send the ids of entries worth reading next, separated by commas (/faq_list shows the ids).",
		show: func(e knowledge.Entry) []string { return e.Related },
		set:  func(e *knowledge.Entry, in string) error { e.Related = splitList(in, ", "); return nil }}
	stepSources = step{field: "sources", title: "Sources", list: true,
		ask: "Send the sources, one per line, as: Title | https://example.com/page (at least one).",
		show: func(e knowledge.Entry) []string {
			var out []string
			for _, s := range e.Sources {
				out = append(out, s.Title+" | "+s.URL)
			}
			return out
		},
		set: func(e *knowledge.Entry, in string) error {
			src, err := parseSources(in)
			if err != nil {
				return err
			}
			e.Sources = src
			return nil
		}}
)

// addSteps and editSteps are the guided flows; an add started with an id skips stepID.
var (
	addSteps  = []step{stepQuestion, stepID, stepAlternates, stepAnswer, stepCaveats, stepTags, stepRelated, stepSources}
	editSteps = []step{stepQuestion, stepAlternates, stepAnswer, stepCaveats, stepTags, stepRelated, stepSources}
)

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// splitLines splits a list sent one item per line, dropping bullets people type out of
// habit and empty lines.
func splitLines(in string) []string {
	var out []string
	for _, l := range strings.Split(in, "\n") {
		l = strings.TrimSpace(l)
		for _, b := range []string{"- ", "• ", "* "} {
			l = strings.TrimSpace(strings.TrimPrefix(l, b))
		}
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// splitList splits a list sent on one line or several, at newlines and at any of seps.
func splitList(in, seps string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(in, func(r rune) bool { return r == '\n' || strings.ContainsRune(seps, r) }) {
		if f = strings.TrimSpace(f); f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// parseSources reads one source a line: "Title | URL", or a title followed by the URL.
func parseSources(in string) ([]knowledge.Source, error) {
	var out []knowledge.Source
	for i, l := range splitLines(in) {
		var s knowledge.Source
		if title, url, ok := strings.Cut(l, "|"); ok {
			s = knowledge.Source{Title: strings.TrimSpace(title), URL: strings.TrimSpace(url)}
		} else if j := strings.LastIndexAny(l, " \t"); j > 0 && strings.Contains(l[j+1:], "://") {
			s = knowledge.Source{Title: strings.TrimRight(strings.TrimSpace(l[:j]), " -–—:"), URL: l[j+1:]}
		} else {
			return nil, fmt.Errorf("sources: line %d has no title and URL; write it as: Title | https://example.com/page", i+1)
		}
		if s.Title == "" || s.URL == "" {
			return nil, fmt.Errorf("sources: line %d needs both a title and a URL, as: Title | https://example.com/page", i+1)
		}
		out = append(out, s)
	}
	return out, nil
}

// suggestID makes an id from a question: its first few meaningful words.
func suggestID(question string, taken func(string) bool) string {
	var words []string
	for _, w := range strings.FieldsFunc(strings.ToLower(question), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	}) {
		if !idStopWords[w] && len(words) < 5 {
			words = append(words, w)
		}
	}
	id := strings.Join(words, "-")
	if id == "" {
		id = "new-entry"
	}
	id = clip(id, 48)
	id = strings.Trim(id, "-")
	base := id
	for n := 2; taken(id); n++ {
		id = base + "-" + strconv.Itoa(n)
	}
	return id
}

var idStopWords = map[string]bool{
	"a": true, "an": true, "the": true, "is": true, "are": true, "do": true, "does": true, "i": true, "my": true,
	"can": true, "to": true, "of": true, "for": true, "it": true, "and": true, "or": true, "in": true, "on": true,
	"will": true, "should": true, "be": true, "what": true, "how": true, "me": true, "you": true, "with": true,
	"s": true, "t": true, "if": true, "get": true, "there": true, "this": true, "that": true,
}

// isPaste reports whether a message is a whole entry in the file format.
func isPaste(text string) bool {
	return strings.HasPrefix(strings.TrimLeft(text, " \t\r\n\ufeff"), "---")
}

// parsePasted reads an entry pasted in the file format. A missing updated date is
// filled in with today's: the moderator is reviewing the entry now.
func parsePasted(text, today string) (knowledge.Entry, []error) {
	e, err := bot.ParseEntry(text)
	var problems []error
	for _, p := range bot.Problems(err) {
		var ke *knowledge.Error
		if errors.As(p, &ke) && ke.Field == "updated" && errors.Is(p, knowledge.ErrMissingField) {
			e.Updated = today
			continue
		}
		problems = append(problems, p)
	}
	return e, problems
}

// problemText says what is wrong in a way a moderator can act on: the line (for a
// pasted entry), the field, and the problem.
func problemText(err error) string {
	var ke *knowledge.Error
	if !errors.As(err, &ke) {
		return err.Error()
	}
	var b strings.Builder
	if ke.Line > 0 {
		fmt.Fprintf(&b, "line %d, ", ke.Line)
	}
	if ke.Field != "" {
		b.WriteString(ke.Field + ": ")
	}
	b.WriteString(ke.Err.Error())
	return b.String()
}

// errText is a problem without where it is.
func errText(err error) string {
	var ke *knowledge.Error
	if errors.As(err, &ke) {
		return ke.Err.Error()
	}
	return err.Error()
}

// fieldOf is the field a problem is in, "" if it does not say.
func fieldOf(err error) string {
	var ke *knowledge.Error
	if errors.As(err, &ke) {
		return ke.Field
	}
	return ""
}

// changedFields lists the fields that differ between two versions of an entry.
func changedFields(before, after knowledge.Entry) []string {
	var out []string
	for _, s := range addSteps {
		if !slices.Equal(s.show(before), s.show(after)) {
			out = append(out, s.field)
		}
	}
	if before.Updated != after.Updated {
		out = append(out, "updated")
	}
	return out
}
