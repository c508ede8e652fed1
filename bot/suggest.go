package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/smpbot/smpbot/knowledge"
)

// ErrNoSuggestion is returned for a phrasing suggestion that does not exist or was
// already accepted or rejected (two moderators pressing the same button).
var ErrNoSuggestion = errors.New("no open suggestion with that id")

// AlternatesFullError is returned for a suggestion whose entry already has as many
// alternates as an entry may have (knowledge.MaxAlternates). It wraps
// knowledge.ErrTooLong; its text says what to do, on every platform and the CLI.
type AlternatesFullError struct {
	EntryID string
	Limit   int
}

func (e *AlternatesFullError) Error() string {
	return fmt.Sprintf("entry %s already has %d alternates, the most an entry may have. Prune it first: "+
		"remove the alternates it can do without (edit the entry in chat, in the web console or with "+
		"`smpbot faq edit %s`, or edit its file %s.md), then accept this suggestion again",
		e.EntryID, e.Limit, e.EntryID, e.EntryID)
}

func (e *AlternatesFullError) Unwrap() error { return knowledge.ErrTooLong }

// AcceptSuggestion adds the phrasing of the open suggestion id as an alternate of its
// entry through the moderator edit path (permission-checked, validated, audited; the
// store's OnChange reindexes), then marks it accepted. A phrasing the entry already
// has is not added twice, so accepting again after a failure halfway is safe.
func AcceptSuggestion(ctx context.Context, mod *Moderation, reports Reports, who Identity, id int64) error {
	if !mod.Allowed(ctx, who, "accept suggestion") {
		return ErrForbidden
	}
	s, err := openSuggestion(ctx, reports, id)
	if err != nil {
		return err
	}
	e, version, err := mod.Get(s.EntryID)
	if err != nil {
		return fmt.Errorf("suggestion %d: %w", id, err)
	}
	if !hasPhrasing(e, s.Question) {
		if len(e.Alternates) >= knowledge.MaxAlternates {
			// Validation would say only "too long": say which entry, and what to do.
			return fmt.Errorf("suggestion %d: %w", id, &AlternatesFullError{EntryID: s.EntryID, Limit: knowledge.MaxAlternates})
		}
		e.Alternates = append(e.Alternates, s.Question)
		if err := mod.Edit(ctx, who, e, version); err != nil {
			return fmt.Errorf("suggestion %d: %w", id, err)
		}
	}
	if _, err := reports.ResolveSuggestion(ctx, id, true); err != nil {
		return fmt.Errorf("suggestion %d added to %q but not marked accepted: %w", id, s.EntryID, err)
	}
	return nil
}

// RejectSuggestion marks the open suggestion id rejected; it is not proposed again.
func RejectSuggestion(ctx context.Context, mod *Moderation, reports Reports, who Identity, id int64) error {
	if !mod.Allowed(ctx, who, "reject suggestion") {
		return ErrForbidden
	}
	_, err := reports.ResolveSuggestion(ctx, id, false)
	return err
}

func openSuggestion(ctx context.Context, reports Reports, id int64) (PhrasingSuggestion, error) {
	open, err := reports.Suggestions(ctx)
	if err != nil {
		return PhrasingSuggestion{}, err
	}
	for _, s := range open {
		if s.ID == id {
			return s, nil
		}
	}
	return PhrasingSuggestion{}, fmt.Errorf("%w: %d", ErrNoSuggestion, id)
}

// hasPhrasing reports whether q is already the question or an alternate of e, compared
// as the FAQ validation compares phrasings (case and punctuation ignored).
func hasPhrasing(e knowledge.Entry, q string) bool {
	key := knowledge.PhraseKey(q)
	for _, p := range append([]string{e.Question}, e.Alternates...) {
		if knowledge.PhraseKey(p) == key {
			return true
		}
	}
	return false
}

// EntryMatcher returns a search for the question log's Rescan: the entry h answers text
// with and its confidence, or "" when h declines, answers small talk, or treats text as
// urgent (a complication is not a phrasing of the complications entry to learn).
func EntryMatcher(h Handler) func(ctx context.Context, text string) (string, float64, error) {
	return func(ctx context.Context, text string) (string, float64, error) {
		r, err := h.Answer(ctx, Question{Text: text, Platform: "rescan", User: "rescan"})
		if err != nil {
			return "", 0, err
		}
		if r.Kind != KindAnswer || r.Urgent || r.Entry == nil {
			return "", 0, nil
		}
		return r.Entry.ID, r.Confidence, nil
	}
}
