package bot

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/smpbot/smpbot/knowledge"
)

// ErrForbidden is returned when someone who is not a moderator tries to change the FAQ.
var ErrForbidden = errors.New("only moderators can do that")

// Editor is the FAQ store moderators change. *knowledge.Store implements it: every
// change is validated, recorded in the audit log and written atomically, and an edit
// based on a stale version fails with knowledge.ErrStale.
type Editor interface {
	Entries() []knowledge.Entry
	Get(id string) (knowledge.Entry, knowledge.Version, error)
	Put(ctx context.Context, e knowledge.Entry, base knowledge.Version, who knowledge.Actor) (knowledge.Version, error)
	Remove(ctx context.Context, id string, base knowledge.Version, who knowledge.Actor) error
	History(id string) ([]knowledge.Change, error)
	Undo(ctx context.Context, id string, who knowledge.Actor) (knowledge.Change, error)
}

var _ Editor = (*knowledge.Store)(nil)

// Moderators says who may change the FAQ.
type Moderators struct {
	DiscordUsers  []string `toml:"discord_users"`
	DiscordRoles  []string `toml:"discord_roles"`
	TelegramUsers []string `toml:"telegram_users"`
}

// Identity is who is asking for a moderator action.
type Identity struct {
	Platform string   // "discord", "telegram", "cli"
	User     string   // platform user id
	Name     string   // display name, for the audit log
	Chat     string   // where the request was made
	Roles    []string // Discord role ids of the member, if any
}

// Allows reports whether id is a moderator. On the command line, whoever can write the
// data directory is one.
func (m Moderators) Allows(id Identity) bool {
	switch id.Platform {
	case "cli":
		return true
	case "discord":
		if slices.Contains(m.DiscordUsers, id.User) {
			return true
		}
		for _, r := range id.Roles {
			if slices.Contains(m.DiscordRoles, r) {
				return true
			}
		}
	case "telegram":
		return slices.Contains(m.TelegramUsers, id.User)
	}
	return false
}

// Moderation is what the chat fronts and the command line call to change the FAQ: it
// checks that the caller is a moderator, logs refused attempts, and passes the change
// to the store, which validates, records and publishes it (the index follows through
// the store's OnChange).
type Moderation struct {
	store Editor
	mods  Moderators
	log   *slog.Logger

	refusedMu sync.Mutex
	refused   refusalLog
}

// NewModeration returns a Moderation over store for the given moderators.
func NewModeration(store Editor, mods Moderators, log *slog.Logger) *Moderation {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Moderation{store: store, mods: mods, log: log, refused: refusalLog{now: time.Now}}
}

// Allowed reports whether id may moderate; a refusal is logged, but a flood of them
// is not: see refusalLog.
func (m *Moderation) Allowed(ctx context.Context, id Identity, action string) bool {
	if m.mods.Allows(id) {
		return true
	}
	m.refusedMu.Lock()
	log, suppressed := m.refused.allow(id.Platform + "\x00" + id.User + "\x00" + action)
	m.refusedMu.Unlock()
	if log {
		attrs := []any{"platform", id.Platform, "user", id.User, "chat", id.Chat, "action", action}
		if suppressed > 0 {
			attrs = append(attrs, "not_logged_since_last", suppressed)
		}
		m.log.WarnContext(ctx, "moderator command refused", attrs...)
	}
	return false
}

// Bounds on the log lines of refused moderator commands.
const (
	refusalWindow   = time.Minute
	refusalLinesMax = 20   // lines per window, whoever asks
	refusalKeysMax  = 4096 // people and actions remembered; past it, the stale go first, then any
)

// refusalLog decides which refused attempts are logged: the first of each person and
// action per window, and no more than refusalLinesMax lines per window in all. The
// attempts not logged are counted and reported with the next line that is.
type refusalLog struct {
	now        func() time.Time
	last       map[string]time.Time // person and action -> when last logged
	windowFrom time.Time
	lines      int
	suppressed int
}

func (r *refusalLog) allow(key string) (log bool, suppressed int) {
	now := r.now()
	if now.Sub(r.windowFrom) >= refusalWindow {
		r.windowFrom, r.lines = now, 0
	}
	if r.last == nil {
		r.last = map[string]time.Time{}
	}
	if t, ok := r.last[key]; ok && now.Sub(t) < refusalWindow || r.lines >= refusalLinesMax {
		r.suppressed++
		return false, 0
	}
	if len(r.last) >= refusalKeysMax {
		for k, t := range r.last {
			if now.Sub(t) >= refusalWindow || len(r.last) >= refusalKeysMax {
				delete(r.last, k)
			}
		}
	}
	r.last[key] = now
	r.lines++
	suppressed, r.suppressed = r.suppressed, 0
	return true, suppressed
}

func (m *Moderation) check(ctx context.Context, id Identity, action string) error {
	if !m.Allowed(ctx, id, action) {
		return ErrForbidden
	}
	return nil
}

func actor(id Identity) knowledge.Actor {
	return knowledge.Actor{Platform: id.Platform, User: id.User, Name: id.Name, Chat: id.Chat}
}

// Entries lists the FAQ (anyone may read it).
func (m *Moderation) Entries() []knowledge.Entry { return m.store.Entries() }

// Get returns an entry and its version, for showing or for editing.
func (m *Moderation) Get(id string) (knowledge.Entry, knowledge.Version, error) {
	return m.store.Get(id)
}

// Add adds a new entry.
func (m *Moderation) Add(ctx context.Context, who Identity, e knowledge.Entry) error {
	if err := m.check(ctx, who, "add"); err != nil {
		return err
	}
	_, err := m.store.Put(ctx, e, "", actor(who))
	return err
}

// Edit replaces the version base of an entry.
func (m *Moderation) Edit(ctx context.Context, who Identity, e knowledge.Entry, base knowledge.Version) error {
	if err := m.check(ctx, who, "edit"); err != nil {
		return err
	}
	_, err := m.store.Put(ctx, e, base, actor(who))
	return err
}

// Remove deletes the version base of an entry.
func (m *Moderation) Remove(ctx context.Context, who Identity, id string, base knowledge.Version) error {
	if err := m.check(ctx, who, "remove"); err != nil {
		return err
	}
	return m.store.Remove(ctx, id, base, actor(who))
}

// History returns the recorded changes to an entry.
func (m *Moderation) History(ctx context.Context, who Identity, id string) ([]knowledge.Change, error) {
	if err := m.check(ctx, who, "history"); err != nil {
		return nil, err
	}
	return m.store.History(id)
}

// Undo restores an entry to its version before its last change.
func (m *Moderation) Undo(ctx context.Context, who Identity, id string) (knowledge.Change, error) {
	if err := m.check(ctx, who, "undo"); err != nil {
		return knowledge.Change{}, err
	}
	return m.store.Undo(ctx, id, actor(who))
}

// Notice says, without server paths, which FAQ files are not valid, for showing to
// moderators after a change: the bot serves the other entries and keeps the last good
// version of a broken one, so nothing else would tell them. It is "" when every file is
// valid or the store cannot say.
func (m *Moderation) Notice() string {
	p, ok := m.store.(interface{ Problems() []error })
	if !ok {
		return ""
	}
	problems := p.Problems()
	if len(problems) == 0 {
		return ""
	}
	files := map[string]bool{}
	var where []string
	for _, err := range problems {
		var ke *knowledge.Error
		if !errors.As(err, &ke) || files[ke.File] {
			continue
		}
		files[ke.File] = true
		if len(where) == 5 {
			where = append(where, "and more (see faq validate on the server)")
			break
		}
		w := ke.File
		if ke.Line > 0 {
			w = fmt.Sprintf("%s line %d", ke.File, ke.Line)
		}
		where = append(where, w)
	}
	if len(where) == 0 {
		return ""
	}
	return fmt.Sprintf("Note: %d FAQ file(s) on the server are not valid and are not served as written: %s. The other entries are unaffected.",
		len(files), strings.Join(where, "; "))
}

// ParseEntry reads an entry pasted in the FAQ file format, as a moderator may send it
// in chat, and validates it on its own (the store validates it against the whole FAQ).
func ParseEntry(text string) (knowledge.Entry, error) {
	f, err := knowledge.Parse("message", []byte(text))
	if err != nil {
		return knowledge.Entry{}, err
	}
	if err := knowledge.Validate([]knowledge.File{f}); err != nil {
		var errs []error
		// Related ids are checked against the whole FAQ by the store.
		for _, e := range Problems(err) {
			if !errors.Is(e, knowledge.ErrUnknownRelated) {
				errs = append(errs, e)
			}
		}
		if err := errors.Join(errs...); err != nil {
			return f.Entry, err
		}
	}
	return f.Entry, nil
}

// Problems splits an error made by errors.Join (as validation returns, one
// *knowledge.Error per problem) into its parts, so that each can be shown on a line of
// its own. A nil error has none.
func Problems(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// DescribeError turns a moderation error into a sentence for the moderator.
func DescribeError(err error) string {
	var full *AlternatesFullError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrLogUnavailable):
		return "Not saved: the question log's database does not answer just now (answering goes on). Try again in a few minutes."
	case errors.Is(err, ErrForbidden):
		return "Sorry, only moderators can change the FAQ."
	case errors.Is(err, knowledge.ErrStale):
		return "Someone else changed this entry after you opened it. Nothing was saved; open it again to see their version."
	case errors.Is(err, knowledge.ErrNotFound):
		return "There is no entry with that id."
	case errors.Is(err, knowledge.ErrUnavailable):
		return "Not saved: the FAQ database cannot be reached right now, so edits are refused until it is back. The bot keeps answering from its last copy of the FAQ; try again in a few minutes."
	case errors.Is(err, knowledge.ErrDuplicateID):
		return "An entry with that id already exists."
	case errors.As(err, &full):
		return "Not saved: " + full.Error() + "."
	case errors.Is(err, knowledge.ErrBroken):
		var ke *knowledge.Error
		where := "its file"
		if errors.As(err, &ke) {
			where = ke.File
			if ke.Line > 0 {
				where = fmt.Sprintf("%s (line %d)", ke.File, ke.Line)
			}
		}
		return fmt.Sprintf("Not saved: the entry's file %s was edited by hand and is not valid, so it can't be changed from chat until it is fixed on the server.", where)
	}
	// A file system error names a path on the server: a moderator sees only its base.
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Sprintf("Not saved: the server could not %s %s (%v). Tell whoever runs the bot.", pe.Op, filepath.Base(pe.Path), pe.Err)
	}
	return fmt.Sprintf("Not saved: %v", err)
}
