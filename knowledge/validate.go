package knowledge

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on an entry, chosen so that an answer still reads well on a phone and fits a
// chat message with room for caveats and sources.
const (
	MaxIDLen        = 64
	MaxQuestionLen  = 200
	MaxAlternates   = 40
	MaxAlternateLen = 200
	MaxAnswerLen    = 2000
	MaxCaveats      = 6
	MaxCaveatLen    = 300
	MaxTags         = 10
	MaxTagLen       = 40
	MaxRelated      = 8
	MaxSources      = 8
	MaxSourceLen    = 300
)

var idPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// internalWords are the project's own words for its material. A reader does not know
// what "the seed article" or "this repo" is, so user-facing text names a source as a
// reader would ("one SMP clinic's guide to removal") and links it.
var internalWords = regexp.MustCompile(`(?i)\b(seed[- ]articles?|projects?|this repo(sitory)?)\b`)

// ownRepos are where this project's code lives. A FAQ source must be public material
// that supports the claim, not a file of ours.
var ownRepos = []string{"github.com/smpbot/", "raw.githubusercontent.com/smpbot/"}

// Validate checks each file on its own and the set as a whole (unique ids, related ids
// that exist, no phrasing shared by two entries). It returns nil or an error joining
// one *Error per problem, in file order.
func Validate(files []File) error {
	var errs []error
	ids := make(map[string]string, len(files))
	for _, f := range files {
		errs = append(errs, check(f)...)
		if f.Entry.ID == "" {
			continue
		}
		if prev, ok := ids[f.Entry.ID]; ok {
			errs = append(errs, f.errorf("id", ErrDuplicateID, "%q is also the id in %s", f.Entry.ID, prev))
			continue
		}
		ids[f.Entry.ID] = f.Name
	}
	phrasings := make(map[string]string)
	for _, f := range files {
		for _, r := range f.Entry.Related {
			if _, ok := ids[r]; !ok {
				errs = append(errs, f.errorf("related", ErrUnknownRelated, "%q", r))
			}
		}
		seen := map[string]bool{}
		for _, p := range append([]string{f.Entry.Question}, f.Entry.Alternates...) {
			key := PhraseKey(p)
			if key == "" || seen[key] {
				continue
			}
			seen[key] = true
			if other, ok := phrasings[key]; ok && other != f.Entry.ID {
				errs = append(errs, f.errorf("alternates", ErrDuplicateAlternate, "%q is also a phrasing of %q", p, other))
				continue
			}
			phrasings[key] = f.Entry.ID
		}
	}
	return errors.Join(errs...)
}

// ValidateEntries validates entries that did not come from files (chat edits, imports);
// errors name the entry id instead of a file.
func ValidateEntries(entries []Entry) error {
	files := make([]File, len(entries))
	for i, e := range entries {
		files[i] = File{Name: e.ID + ".md", Entry: e}
	}
	return Validate(files)
}

// PhraseKey folds a phrasing to what search would see (lower case, letters and digits,
// single spaces), so "Is SMP removal possible?" and "is smp removal possible" count as
// the same. Everything that compares phrasings (validation, evaluation sets, the
// question log's proposals) folds them this way.
func PhraseKey(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > utf8.RuneSelf)
	}), " ")
}

func (f File) errorf(field string, kind error, format string, args ...any) error {
	return &Error{File: f.Name, Line: f.Line(field), Field: field, Err: fmt.Errorf("%w: "+format, append([]any{kind}, args...)...)}
}

func check(f File) []error {
	var errs []error
	e := f.Entry
	add := func(field string, kind error, format string, args ...any) {
		errs = append(errs, f.errorf(field, kind, format, args...))
	}
	required := func(field, v string) bool {
		if strings.TrimSpace(v) == "" {
			add(field, ErrMissingField, "%s is required", field)
			return false
		}
		return true
	}
	limit := func(field, v string, max int) {
		if n := utf8.RuneCountInString(v); n > max {
			add(field, ErrTooLong, "%d characters, limit %d", n, max)
		}
	}
	if required("id", e.ID) {
		if !idPattern.MatchString(e.ID) {
			add("id", ErrInvalidField, "%q: use lower-case letters, digits and single hyphens", e.ID)
		}
		limit("id", e.ID, MaxIDLen)
	}
	internal := func(field, v string) {
		if w := internalWords.FindString(v); w != "" {
			add(field, ErrInvalidField, "%q is the project's own word, which readers do not know; say it as a reader would (a source by its publisher)", w)
		}
	}
	if required("question", e.Question) {
		limit("question", e.Question, MaxQuestionLen)
		internal("question", e.Question)
	}
	if required("answer", e.Answer) {
		limit("answer", e.Answer, MaxAnswerLen)
		internal("answer", e.Answer)
	}
	if required("updated", e.Updated) {
		if _, err := time.Parse(time.DateOnly, e.Updated); err != nil {
			add("updated", ErrInvalidField, "%q is not a date like 2026-01-31", e.Updated)
		}
	}
	if len(e.Caveats) == 0 {
		add("caveats", ErrMissingField, "at least one caveat is required")
	}
	if len(e.Sources) == 0 {
		add("sources", ErrMissingField, "at least one source is required")
	}
	list := func(field string, vs []string, maxN, maxLen int) {
		if len(vs) > maxN {
			add(field, ErrTooLong, "%d items, limit %d", len(vs), maxN)
		}
		for _, v := range vs {
			limit(field, v, maxLen)
		}
	}
	list("alternates", e.Alternates, MaxAlternates, MaxAlternateLen)
	list("caveats", e.Caveats, MaxCaveats, MaxCaveatLen)
	for _, c := range e.Caveats {
		internal("caveats", c)
		if repeats(e.Answer, c) {
			add("caveats", ErrInvalidField, "%q repeats the answer almost word for word; keep one", c)
		}
	}
	list("tags", e.Tags, MaxTags, MaxTagLen)
	list("related", e.Related, MaxRelated, MaxIDLen)
	if len(e.Sources) > MaxSources {
		add("sources", ErrTooLong, "%d items, limit %d", len(e.Sources), MaxSources)
	}
	for _, r := range e.Related {
		if r == e.ID {
			add("related", ErrInvalidField, "an entry cannot be related to itself")
		}
	}
	for i, s := range e.Sources {
		if s.Title == "" || s.URL == "" {
			add("sources", ErrMissingField, "source %d needs a title and a url", i+1)
			continue
		}
		limit("sources", s.Title, MaxSourceLen)
		limit("sources", s.URL, MaxSourceLen)
		internal("sources", s.Title)
		u, err := url.Parse(s.URL)
		switch {
		case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
			add("sources", ErrInvalidField, "source %d: %q is not an http(s) URL", i+1, s.URL)
		case strings.Trim(u.Path, "/") == "" && u.RawQuery == "":
			// A home page lets no reader check the claim; link the page that makes it.
			add("sources", ErrInvalidField, "source %d: %q is a site's home page; link the page that supports the answer", i+1, s.URL)
		case ownRepo(u):
			add("sources", ErrInvalidField, "source %d: %q is this project's own repository; cite the public page the claim comes from", i+1, s.URL)
		}
	}
	return errs
}

// ownRepo reports whether u points into this project's repository.
func ownRepo(u *url.URL) bool {
	where := strings.ToLower(strings.TrimPrefix(u.Host, "www.") + u.Path)
	for _, r := range ownRepos {
		if strings.HasPrefix(where+"/", r) {
			return true
		}
	}
	return false
}

// repeats reports whether a sentence of answer says caveat again, near enough word for
// word: a caveat shown right under the same sentence only makes the reply longer on a
// phone. Sentences are compared as sets of words, so "or infected" and "or looks
// infected" count as the same; short caveats are left alone.
func repeats(answer, caveat string) bool {
	cw := strings.Fields(PhraseKey(caveat))
	if len(cw) < 4 {
		return false
	}
	sentences := strings.FieldsFunc(answer, func(r rune) bool { return strings.ContainsRune(".!?\n", r) })
	for _, s := range sentences {
		if similarWords(cw, strings.Fields(PhraseKey(s))) >= repeatSimilarity {
			return true
		}
	}
	return false
}

// repeatSimilarity is the share of words two sentences must have in common to count as
// the same sentence (intersection over union of their words).
const repeatSimilarity = 0.8

func similarWords(a, b []string) float64 {
	set := make(map[string]int, len(a)+len(b))
	for _, w := range a {
		set[w] |= 1
	}
	for _, w := range b {
		set[w] |= 2
	}
	both := 0
	for _, v := range set {
		if v == 3 {
			both++
		}
	}
	return float64(both) / float64(len(set))
}
