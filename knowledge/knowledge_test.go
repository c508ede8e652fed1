package knowledge

import (
	"bufio"
	"errors"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func sample() Entry {
	return Entry{
		ID:         "laser-pain",
		Question:   "Does laser removal hurt?",
		Alternates: []string{"does smp removal hurt", "how painful is lasering: honestly?"},
		Answer:     "It stings, like a rubber band.\n\nNumbing cream helps.",
		Caveats:    []string{"Everyone feels it differently."},
		Tags:       []string{"laser", "pain"},
		Related:    []string{"aftercare"},
		Sources:    []Source{{Title: "Cleveland Clinic", URL: "https://my.clevelandclinic.org/health/treatments/8313"}},
		Updated:    "2026-11-25",
	}
}

func TestFormatParseRoundTrip(t *testing.T) {
	want := sample()
	f, err := Parse("laser-pain.md", Format(want))
	if err != nil {
		t.Fatalf("Parse(Format(e)): %v", err)
	}
	if !reflect.DeepEqual(f.Entry, want) {
		t.Errorf("round trip:\ngot  %+v\nwant %+v", f.Entry, want)
	}
	if got := f.Line("question"); got != 3 {
		t.Errorf("Line(question) = %d, want 3", got)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, text string
		want       error
		line       int
	}{
		{"no front matter", "just text\n", ErrSyntax, 1},
		{"unclosed", "---\nid: x\n", ErrSyntax, 1},
		{"empty front matter", "---\n---\nanswer\n", ErrSyntax, 2},
		{"bad yaml", "---\nid: x\nquestion: a: b\n---\nanswer\n", ErrSyntax, 3},
		{"unknown key", "---\nid: x\nquestoin: typo\n---\nanswer\n", ErrSyntax, 3},
		{"wrong type", "---\nid: x\nalternates: {a: b}\n---\nanswer\n", ErrSyntax, 3},
		{"too large", "---\n" + strings.Repeat("x", MaxFileSize) + "\n---\n", ErrTooLong, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("e.md", []byte(tt.text))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse error = %v, want %v", err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.File != "e.md" || e.Line != tt.line {
				t.Errorf("error %q: want file e.md line %d", err, tt.line)
			}
		})
	}
}

func TestParseAcceptsCRLFAndBOM(t *testing.T) {
	text := "\xef\xbb\xbf" + strings.ReplaceAll(string(Format(sample())), "\n", "\r\n")
	f, err := Parse("e.md", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if f.Entry.Answer != sample().Answer {
		t.Errorf("answer = %q, want %q", f.Entry.Answer, sample().Answer)
	}
}

func TestValidate(t *testing.T) {
	other := sample()
	other.ID, other.Question, other.Alternates, other.Related = "aftercare", "What aftercare?", nil, nil
	tests := []struct {
		name   string
		edit   func(e *Entry)
		want   error
		field  string
		noLine bool
	}{
		{"missing question", func(e *Entry) { e.Question = "" }, ErrMissingField, "question", false},
		{"missing answer", func(e *Entry) { e.Answer = " " }, ErrMissingField, "answer", false},
		{"missing caveats", func(e *Entry) { e.Caveats = nil }, ErrMissingField, "caveats", true},
		{"missing sources", func(e *Entry) { e.Sources = nil }, ErrMissingField, "sources", true},
		{"bad id", func(e *Entry) { e.ID = "Laser Pain" }, ErrInvalidField, "id", false},
		{"bad date", func(e *Entry) { e.Updated = "yesterday" }, ErrInvalidField, "updated", false},
		{"bad url", func(e *Entry) { e.Sources[0].URL = "javascript:alert(1)" }, ErrInvalidField, "sources", false},
		{"long question", func(e *Entry) { e.Question = strings.Repeat("q", MaxQuestionLen+1) }, ErrTooLong, "question", false},
		{"long answer", func(e *Entry) { e.Answer = strings.Repeat("a", MaxAnswerLen+1) }, ErrTooLong, "answer", false},
		{"too many tags", func(e *Entry) { e.Tags = strings.Fields(strings.Repeat("t ", MaxTags+1)) }, ErrTooLong, "tags", false},
		{"unknown related", func(e *Entry) { e.Related = []string{"nope"} }, ErrUnknownRelated, "related", false},
		{"self related", func(e *Entry) { e.Related = []string{e.ID} }, ErrInvalidField, "related", false},
		{"duplicate id", func(e *Entry) { e.ID, e.Related = "aftercare", nil }, ErrDuplicateID, "id", false},
		{"alternate in two entries", func(e *Entry) { e.Alternates = append(e.Alternates, "What  aftercare") }, ErrDuplicateAlternate, "alternates", false},
		{"home page source", func(e *Entry) { e.Sources[0].URL = "https://the-hospitalist.org/" }, ErrInvalidField, "sources", false},
		{"home page source without a slash", func(e *Entry) { e.Sources[0].URL = "https://www.realself.com" }, ErrInvalidField, "sources", false},
		{"home page source with a fragment", func(e *Entry) { e.Sources[0].URL = "https://derm.city/#tips" }, ErrInvalidField, "sources", false},
		{"source in this repository", func(e *Entry) {
			e.Sources[0].URL = "https://github.com/smpbot/smpbot/blob/main/docs/seed-article.md"
		}, ErrInvalidField, "sources", false},
		{"source in this repository, raw", func(e *Entry) {
			e.Sources[0].URL = "https://raw.githubusercontent.com/SMPbot/smpbot/main/README.md"
		}, ErrInvalidField, "sources", false},
		{"source in this organisation", func(e *Entry) { e.Sources[0].URL = "https://www.github.com/smpbot" }, ErrInvalidField, "sources", false},
		{"internal word in question", func(e *Entry) { e.Question = "What does the seed article say about pain?" }, ErrInvalidField, "question", false},
		{"internal word in answer", func(e *Entry) { e.Answer += "\n\nThe project's Seed-Article says so." }, ErrInvalidField, "answer", false},
		{"internal word in caveat", func(e *Entry) { e.Caveats = []string{"See this repo for details."} }, ErrInvalidField, "caveats", false},
		{"caveat repeated in the answer", func(e *Entry) {
			e.Answer += "\n\nIf you've already tried something and the skin is burned, raw or looks infected, see a doctor."
			e.Caveats = []string{"If you've already tried something and the skin is burned, raw or infected, see a doctor."}
		}, ErrInvalidField, "caveats", false},
		{"internal word in source title", func(e *Entry) {
			e.Sources[0].Title = "Scalp Micropigmentation Removal (project seed article)"
		}, ErrInvalidField, "sources", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sample()
			e.Sources = append([]Source(nil), e.Sources...)
			tt.edit(&e)
			f, err := Parse("laser-pain.md", Format(e))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			// Format drops empty lists, so a missing list has no line of its own.
			err = Validate([]File{{Name: "aftercare.md", Entry: other}, f})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Validate = %v, want %v", err, tt.want)
			}
			var ve *Error
			if !errors.As(err, &ve) {
				t.Fatalf("error %v is not an *Error", err)
			}
			if ve.File != "laser-pain.md" || ve.Field != tt.field {
				t.Errorf("error at %s field %q, want laser-pain.md field %q", ve.File, ve.Field, tt.field)
			}
			if !tt.noLine && ve.Line != f.Line(tt.field) || !tt.noLine && ve.Line == 0 {
				t.Errorf("error line %d, want %d (the line of %s)", ve.Line, f.Line(tt.field), tt.field)
			}
		})
	}
	if err := Validate([]File{{Name: "a.md", Entry: other}, {Name: "b.md", Entry: sample()}}); err != nil {
		t.Errorf("valid entries: %v", err)
	}
}

// The checks on sources and wording must not refuse what a careful moderator writes.
func TestValidateAcceptsCheckableSources(t *testing.T) {
	tests := []struct {
		name string
		edit func(e *Entry)
	}{
		{"page named by its query", func(e *Entry) { e.Sources[0].URL = "https://laseraway.com/?p=21307" }},
		{"page with escaped characters", func(e *Entry) {
			e.Sources[0].URL = "https://doctorstudio.co/2025.+SMP/2.4+Preventing+Pigment+Migration+%28Blurred+Ink%29+in+SMP"
		}},
		{"another project on GitHub", func(e *Entry) { e.Sources[0].URL = "https://github.com/smpbotany/notes/blob/main/laser.md" }},
		{"words that only contain an internal word", func(e *Entry) {
			e.Answer = "Results are projected over months; the reseeded area heals first."
			e.Caveats = []string{"Repositioning a hairline takes skill."}
		}},
		{"alternates are not shown to readers", func(e *Entry) { e.Alternates = append(e.Alternates, "what does the seed article say") }},
		{"caveat that only shares words with the answer", func(e *Entry) {
			e.Answer = "Avoid tanning beforehand. An active tan usually means the session has to wait."
			e.Caveats = []string{"An active tan or sunburn usually means the session gets postponed."}
		}},
		{"short caveat", func(e *Entry) { e.Caveats = []string{"Numbing cream helps."} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sample()
			e.Sources = append([]Source(nil), e.Sources...)
			e.Related = nil
			tt.edit(&e)
			if err := ValidateEntries([]Entry{e}); err != nil {
				t.Errorf("ValidateEntries = %v, want nil", err)
			}
		})
	}
}

func TestLoadRefusesABrokenFAQ(t *testing.T) {
	good := Format(sample())
	fsys := fstest.MapFS{
		"laser-pain.md": {Data: good},
		"broken.md":     {Data: []byte("---\nid: broken\n")},
		".swp.md":       {Data: []byte("editor junk")},
		"notes.txt":     {Data: []byte("ignored")},
	}
	_, err := Load(fsys)
	if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), "broken.md:1") {
		t.Errorf("Load = %v, want a syntax error in broken.md:1", err)
	}
	if _, err := Load(fstest.MapFS{}); err == nil {
		t.Error("Load of an empty FAQ succeeded")
	}
}

// TestEmbeddedFAQCoversEveryTopic checks the shipped FAQ against the topics it must
// cover, and that its answers stay short enough to read on a phone.
func TestEmbeddedFAQCoversEveryTopic(t *testing.T) {
	entries, err := Load(Embedded())
	if err != nil {
		t.Fatalf("embedded FAQ: %v", err)
	}
	have := map[string]Entry{}
	for _, e := range entries {
		have[e.ID] = e
		if len(e.Answer) > 1200 {
			t.Errorf("%s: answer is %d bytes; keep it short enough for a phone", e.ID, len(e.Answer))
		}
		if len(e.Alternates) < 5 {
			t.Errorf("%s: only %d alternates", e.ID, len(e.Alternates))
		}
	}
	f, err := os.Open("../../shared/knowledge/topics.md")
	if err != nil {
		t.Fatalf("the topic list is needed beside the project: %v", err)
	}
	defer f.Close()
	row := regexp.MustCompile(`^\| ([a-z0-9-]+) \|`)
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := row.FindStringSubmatch(sc.Text())
		if m == nil || m[1] == "id" {
			continue
		}
		n++
		if _, ok := have[m[1]]; !ok {
			t.Errorf("topic %q has no entry", m[1])
		}
	}
	if n < 40 {
		t.Errorf("read only %d topics from topics.md", n)
	}
}
