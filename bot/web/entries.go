package web

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/knowledge"
)

// entryForm is an entry as the edit form shows it: lists one item a line, sources
// as "Title | URL" lines.
type entryForm struct {
	ID, Question, Alternates, Answer, Caveats, Tags, Related, Sources, Updated string
	Base                                                                       knowledge.Version
	New                                                                        bool
	Errors                                                                     map[string][]string // by field
	General                                                                    []string            // problems not tied to a field
	// Stale, after a refused save, lists what changed since the form was opened.
	Stale   []fieldDiff
	Preview *platformPreview // the reply as the bot gives it now, on each platform
}

func formOf(e knowledge.Entry, base knowledge.Version) entryForm {
	src := make([]string, len(e.Sources))
	for i, s := range e.Sources {
		src[i] = s.Title + " | " + s.URL
	}
	return entryForm{
		ID: e.ID, Question: e.Question, Alternates: strings.Join(e.Alternates, "\n"), Answer: e.Answer,
		Caveats: strings.Join(e.Caveats, "\n"), Tags: strings.Join(e.Tags, ", "), Related: strings.Join(e.Related, ", "),
		Sources: strings.Join(src, "\n"), Updated: e.Updated, Base: base,
	}
}

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func splitList(s string) []string {
	var out []string
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' }) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// readForm reads the posted entry form.
func readForm(r *http.Request) (knowledge.Entry, entryForm) {
	f := entryForm{
		ID: strings.TrimSpace(r.PostFormValue("id")), Question: r.PostFormValue("question"),
		Alternates: r.PostFormValue("alternates"), Answer: r.PostFormValue("answer"),
		Caveats: r.PostFormValue("caveats"), Tags: r.PostFormValue("tags"), Related: r.PostFormValue("related"),
		Sources: r.PostFormValue("sources"), Updated: strings.TrimSpace(r.PostFormValue("updated")),
		Base: knowledge.Version(r.PostFormValue("base")),
	}
	e := knowledge.Entry{
		ID: f.ID, Question: strings.TrimSpace(f.Question), Alternates: splitLines(f.Alternates),
		Answer: strings.TrimSpace(strings.ReplaceAll(f.Answer, "\r\n", "\n")), Caveats: splitLines(f.Caveats),
		Tags: splitList(f.Tags), Related: splitList(f.Related), Updated: f.Updated,
	}
	for _, l := range splitLines(f.Sources) {
		title, u, ok := strings.Cut(l, "|")
		if !ok {
			title, u = l, ""
		}
		e.Sources = append(e.Sources, knowledge.Source{Title: strings.TrimSpace(title), URL: strings.TrimSpace(u)})
	}
	return e, f
}

// explain puts a failed save's problems on the fields they concern. Validation problems
// are the moderator's to fix and are shown as they are; anything else is logged and
// shown without detail (it may name server paths).
func (c *Console) explain(f *entryForm, err error) {
	f.Errors = map[string][]string{}
	for _, p := range bot.Problems(err) {
		var ke *knowledge.Error
		switch {
		case errors.As(p, &ke) && ke.Field != "" && ke.File == f.ID+knowledge.Ext:
			f.Errors[ke.Field] = append(f.Errors[ke.Field], ke.Err.Error())
		case errors.As(p, &ke):
			f.General = append(f.General, ke.Error())
		case errors.Is(p, knowledge.ErrDuplicateID), errors.Is(p, knowledge.ErrNotFound), errors.Is(p, bot.ErrForbidden),
			errors.Is(p, knowledge.ErrUnavailable):
			f.General = append(f.General, bot.DescribeError(p))
		default:
			c.log.Error("web console: saving an entry", "id", f.ID, "err", p)
			f.General = append(f.General, "Not saved: the store failed; the details are in the server log.")
		}
	}
}

// describe puts a failed change's problems in one message, for a flash.
func (c *Console) describe(id string, err error) string {
	if errors.Is(err, knowledge.ErrStale) {
		return bot.DescribeError(err)
	}
	f := entryForm{ID: id}
	c.explain(&f, err)
	parts := f.General
	for _, field := range slices.Sorted(maps.Keys(f.Errors)) {
		parts = append(parts, field+": "+strings.Join(f.Errors[field], "; "))
	}
	return strings.Join(parts, " ")
}

func matchesEntry(e knowledge.Entry, q string) bool {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return true
	}
	for _, s := range append(append([]string{e.ID, e.Question, e.Answer}, e.Alternates...), e.Tags...) {
		if strings.Contains(strings.ToLower(s), q) {
			return true
		}
	}
	return false
}

func (c *Console) entryList(w http.ResponseWriter, r *http.Request, ss *session) {
	q := r.URL.Query().Get("q")
	all := c.mod.Entries()
	var rows []knowledge.Entry
	for _, e := range all {
		if matchesEntry(e, q) {
			rows = append(rows, e)
		}
	}
	c.render(w, r, ss, "entries", "Entries", struct {
		Query   string
		Entries []knowledge.Entry
		Total   int
	}{q, rows, len(all)})
}

func (c *Console) newEntry(w http.ResponseWriter, r *http.Request, ss *session) {
	f := entryForm{New: true, Question: r.URL.Query().Get("question")}
	c.render(w, r, ss, "entry", "New entry", f)
}

func (c *Console) addEntry(w http.ResponseWriter, r *http.Request, ss *session) {
	e, f := readForm(r)
	f.New = true
	if err := c.mod.Add(r.Context(), ss.who, e); err != nil {
		c.explain(&f, err)
		w.WriteHeader(http.StatusUnprocessableEntity)
		c.render(w, r, ss, "entry", "New entry", f)
		return
	}
	c.flash(r.Context(), ss, flash{Text: "Entry added; the bot answers from it now."})
	http.Redirect(w, r, "/entries/"+url.PathEscape(e.ID), http.StatusSeeOther)
}

func (c *Console) entryPage(w http.ResponseWriter, r *http.Request, ss *session) {
	e, v, err := c.mod.Get(r.PathValue("id"))
	if err != nil {
		w.WriteHeader(http.StatusNotFound)
		c.render(w, r, ss, "message", "No such entry", "There is no entry with that id; it may have been removed.")
		return
	}
	f := formOf(e, v)
	f.Preview = c.preview(r, e.ID)
	c.render(w, r, ss, "entry", e.ID, f)
}

// preview is the reply the bot gives now for the entry, as each platform shows it.
func (c *Console) preview(r *http.Request, id string) *platformPreview {
	rep, err := c.answer.Answer(r.Context(), bot.Question{EntryID: id, Platform: "web", User: "preview", Preview: true})
	if err != nil {
		return nil
	}
	return c.previewReply(rep)
}

func (c *Console) saveEntry(w http.ResponseWriter, r *http.Request, ss *session) {
	e, f := readForm(r)
	id := r.PathValue("id")
	if e.ID != id {
		// The id names the file and what others point at: it is not edited in place.
		c.refuse(w, r, http.StatusBadRequest, "The id of an entry cannot be changed here: add a new entry and remove this one.")
		return
	}
	err := c.mod.Edit(r.Context(), ss.who, e, f.Base)
	if err == nil {
		c.flash(r.Context(), ss, flash{Text: "Saved; the bot answers with this version now."})
		http.Redirect(w, r, "/entries/"+url.PathEscape(id), http.StatusSeeOther)
		return
	}
	if errors.Is(err, knowledge.ErrStale) {
		cur, v, gerr := c.mod.Get(id)
		if gerr != nil {
			c.refuse(w, r, http.StatusConflict, "This entry was removed after you opened it. Nothing was saved.")
			return
		}
		before, ok := c.versionFromHistory(r.Context(), ss.who, id, f.Base)
		if !ok {
			before = e // edited by hand on disk: compare with what was submitted
		}
		f.Stale = diffEntries(before, cur)
		f.General = []string{"Not saved: someone else changed this entry after you opened it. Their changes are listed below; your text is kept in the form. Save again to replace their version with yours."}
		f.Base = v
		f.Preview = c.preview(r, id)
		w.WriteHeader(http.StatusConflict)
		c.render(w, r, ss, "entry", id, f)
		return
	}
	c.explain(&f, err)
	f.Preview = c.preview(r, id)
	w.WriteHeader(http.StatusUnprocessableEntity)
	c.render(w, r, ss, "entry", id, f)
}

// versionFromHistory finds the content of version v of entry id in the audit log.
func (c *Console) versionFromHistory(ctx context.Context, who bot.Identity, id string, v knowledge.Version) (knowledge.Entry, bool) {
	hist, err := c.mod.History(ctx, who, id)
	if err != nil {
		return knowledge.Entry{}, false
	}
	for i := len(hist) - 1; i >= 0; i-- {
		for _, e := range []*knowledge.Entry{hist[i].After, hist[i].Before} {
			if e != nil && knowledge.VersionOf(*e) == v {
				return *e, true
			}
		}
	}
	return knowledge.Entry{}, false
}

func (c *Console) removeEntry(w http.ResponseWriter, r *http.Request, ss *session) {
	id := r.PathValue("id")
	if r.PostFormValue("confirm") != "yes" {
		c.flash(r.Context(), ss, flash{Error: true, Text: "Tick the box to confirm the removal."})
		http.Redirect(w, r, "/entries/"+url.PathEscape(id), http.StatusSeeOther)
		return
	}
	err := c.mod.Remove(r.Context(), ss.who, id, knowledge.Version(r.PostFormValue("base")))
	if err != nil {
		msg := c.describe(id, err)
		c.flash(r.Context(), ss, flash{Error: true, Text: "Not removed. " + msg})
		http.Redirect(w, r, "/entries/"+url.PathEscape(id), http.StatusSeeOther)
		return
	}
	c.flash(r.Context(), ss, flash{Text: "Entry " + id + " removed. Its history keeps it: undo is on the history page.", Link: "/entries/" + url.PathEscape(id) + "/history"})
	http.Redirect(w, r, "/entries", http.StatusSeeOther)
}

type historyRow struct {
	knowledge.Change
	Diff []fieldDiff
}

func (c *Console) historyPage(w http.ResponseWriter, r *http.Request, ss *session) {
	id := r.PathValue("id")
	hist, err := c.mod.History(r.Context(), ss.who, id)
	if err != nil {
		c.fail(w, r, ss, "read the entry's history", err)
		return
	}
	rows := make([]historyRow, 0, len(hist))
	for _, ch := range slices.Backward(hist) {
		var before, after knowledge.Entry
		if ch.Before != nil {
			before = *ch.Before
		}
		if ch.After != nil {
			after = *ch.After
		}
		rows = append(rows, historyRow{ch, diffEntries(before, after)})
	}
	_, _, gerr := c.mod.Get(id)
	c.render(w, r, ss, "history", "History of "+id, struct {
		ID      string
		Rows    []historyRow
		Removed bool
	}{id, rows, gerr != nil})
}

func (c *Console) undoEntry(w http.ResponseWriter, r *http.Request, ss *session) {
	id := r.PathValue("id")
	ch, err := c.mod.Undo(r.Context(), ss.who, id)
	if err != nil {
		msg := c.describe(id, err)
		c.flash(r.Context(), ss, flash{Error: true, Text: "Not undone. " + msg})
		http.Redirect(w, r, "/entries/"+url.PathEscape(id)+"/history", http.StatusSeeOther)
		return
	}
	c.flash(r.Context(), ss, flash{Text: "Undid the " + ch.Action + " of " + ch.Time.UTC().Format("2006-01-02 15:04") + "."})
	if ch.Before == nil {
		http.Redirect(w, r, "/entries/"+url.PathEscape(id)+"/history", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/entries/"+url.PathEscape(id), http.StatusSeeOther)
}
