package knowledge

import (
	"errors"
	"fmt"
)

// Errors reported by parsing, validation and the store. They are wrapped in an *Error
// that says where; test for them with errors.Is.
var (
	// ErrSyntax: the file is not in the entry format (front matter, YAML, unknown keys).
	ErrSyntax = errors.New("syntax error")
	// ErrMissingField: a required field is empty.
	ErrMissingField = errors.New("missing field")
	// ErrInvalidField: a field has a value of the wrong shape (id, URL, date).
	ErrInvalidField = errors.New("invalid field")
	// ErrTooLong: a field, a list or the whole file is over its limit.
	ErrTooLong = errors.New("too long")
	// ErrDuplicateID: two entries share an id.
	ErrDuplicateID = errors.New("duplicate id")
	// ErrUnknownRelated: a related id names no entry.
	ErrUnknownRelated = errors.New("unknown related id")
	// ErrDuplicateAlternate: the same phrasing belongs to two entries, so search could
	// not tell them apart.
	ErrDuplicateAlternate = errors.New("alternate in two entries")
	// ErrNotFound: no entry has the id asked for.
	ErrNotFound = errors.New("no such entry")
	// ErrStale: an edit was based on a version of the entry that has since changed.
	ErrStale = errors.New("entry changed since it was read")
	// ErrBroken: the entry's file is not valid (being edited by hand, say); it must be
	// fixed in the file before the entry can be changed through the store.
	ErrBroken = errors.New("entry file is not valid")
	// ErrUnavailable: the store's database cannot be reached. Nothing was changed; the
	// entries last loaded keep being served until it is back.
	ErrUnavailable = errors.New("the FAQ database cannot be reached; edits are refused until it is back, answers continue from the last copy")
)

// Error says which file, line and field a problem is in.
type Error struct {
	File  string
	Line  int    // 1-based; 0 if unknown
	Field string // front-matter key, "answer", or "" for the whole file
	Err   error
}

func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %v", loc, e.Field, e.Err)
	}
	return fmt.Sprintf("%s: %v", loc, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }
