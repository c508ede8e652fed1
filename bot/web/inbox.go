package web

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/smpbot/smpbot/bot"
)

// inboxDays is how far back the inbox looks; maxInboxItems is how many items of each
// kind it shows at once (the newest).
const (
	inboxDays     = 30
	maxInboxItems = 25
)

// inboxItem is one thing in the inbox to act on: an unanswered group or an answer
// pressed Not helpful.
type inboxItem struct {
	Key      string // for dismissing
	Question string
	Count    int
	Examples []string
	Last     time.Time
	Answered string // for Not helpful: the entry that answered
	Choices  []candidate
	closest  string // for unanswered: the entry the bot came closest to
}

func questionKey(q string) string { return "q:" + strings.Join(wordsOf(q), " ") }

// days reads a window in days from the query, within limits.
func days(r *http.Request, def int) int {
	n, err := strconv.Atoi(r.URL.Query().Get("days"))
	if err != nil || n < 1 {
		return def
	}
	return min(n, 365)
}

func (c *Console) inboxPage(w http.ResponseWriter, r *http.Request, ss *session) {
	if c.reports == nil {
		c.render(w, r, ss, "inbox", "Inbox", nil)
		return
	}
	ctx := r.Context()
	hidden, err := c.hidden.all()
	if err != nil {
		c.fail(w, r, ss, "read the dismissed inbox items", err)
		return
	}
	visible := func(key string, last time.Time) bool {
		at, ok := hidden[dismissalKey(key)]
		return !ok || last.After(at)
	}
	groups, err := c.reports.Unanswered(ctx, inboxDays)
	if err != nil {
		c.fail(w, r, ss, "read the unanswered questions", err)
		return
	}
	var unanswered []inboxItem
	for _, g := range groups {
		key := questionKey(g.Question)
		if visible(key, g.LastAsked) {
			unanswered = append(unanswered, inboxItem{Key: key, Question: g.Question, Count: g.Count, Examples: g.Examples, Last: g.LastAsked, closest: g.Closest})
		}
	}
	sort.SliceStable(unanswered, func(i, j int) bool { return unanswered[i].Last.After(unanswered[j].Last) })
	for i := range unanswered[:min(len(unanswered), maxInboxItems)] {
		it := &unanswered[i]
		if it.Choices, err = c.choices(r, it.Question, it.closest, ""); err != nil {
			c.fail(w, r, ss, "rank the entries", err)
			return
		}
	}
	var notHelpful []inboxItem
	if c.activity != nil {
		rated, err := c.activity.NotHelpfulAnswers(ctx, inboxDays)
		if err != nil {
			c.fail(w, r, ss, "read the Not helpful presses", err)
			return
		}
		// The same question answered with the same entry is one item, however many
		// times it was asked and pressed.
		byKey := map[string]int{}
		for _, a := range rated {
			key := "n:" + a.EntryID + "|" + strings.TrimPrefix(questionKey(a.Question), "q:")
			if i, ok := byKey[key]; ok {
				notHelpful[i].Count += a.Presses
				continue
			}
			if !visible(key, a.Last) {
				continue
			}
			byKey[key] = len(notHelpful)
			notHelpful = append(notHelpful, inboxItem{Key: key, Question: a.Question, Count: a.Presses, Last: a.Last, Answered: a.EntryID})
		}
		for i := range notHelpful[:min(len(notHelpful), maxInboxItems)] {
			it := &notHelpful[i]
			if it.Choices, err = c.choices(r, it.Question, "", it.Answered); err != nil {
				c.fail(w, r, ss, "rank the entries", err)
				return
			}
		}
	}
	sugg, err := c.reports.Suggestions(ctx)
	if err != nil {
		c.fail(w, r, ss, "read the phrasing suggestions", err)
		return
	}
	c.render(w, r, ss, "inbox", "Inbox", struct {
		Days                      int
		Unanswered, NotHelpful    []inboxItem
		MoreUnanswered, MoreRated int
		Suggestions               []bot.PhrasingSuggestion
	}{inboxDays, unanswered[:min(len(unanswered), maxInboxItems)], notHelpful[:min(len(notHelpful), maxInboxItems)],
		max(0, len(unanswered)-maxInboxItems), max(0, len(notHelpful)-maxInboxItems), sugg})
}

// choices are the entries offered for a question: the index's best candidates, the
// one the bot came closest to first, without the entry to leave out.
func (c *Console) choices(r *http.Request, q, closest, leaveOut string) ([]candidate, error) {
	cs, err := c.candidates(r, q, 4)
	if err != nil {
		return nil, err
	}
	var out []candidate
	if closest != "" {
		if e, _, err := c.mod.Get(closest); err == nil {
			out = append(out, candidate{})
			out[0].ID, out[0].Question = e.ID, e.Question
			for _, x := range cs {
				if x.ID == closest {
					out[0] = x
				}
			}
		}
	}
	for _, x := range cs {
		if x.ID != closest && x.ID != leaveOut {
			out = append(out, x)
		}
	}
	return out, nil
}

func (c *Console) addAlternate(w http.ResponseWriter, r *http.Request, ss *session) {
	q := strings.TrimSpace(r.PostFormValue("question"))
	id := r.PostFormValue("entry")
	back := "/inbox"
	e, v, err := c.mod.Get(id)
	if err != nil || q == "" {
		c.flash(r.Context(), ss, flash{Error: true, Text: "Choose an entry for the question."})
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	e.Alternates = append(e.Alternates, q)
	if err := c.mod.Edit(r.Context(), ss.who, e, v); err != nil {
		msg := c.describe(id, err)
		c.flash(r.Context(), ss, flash{Error: true, Text: "Not added. " + msg})
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	if key := r.PostFormValue("key"); key != "" {
		if err := c.hidden.add(key, c.now()); err != nil {
			c.log.Error("web console: dismissing an inbox item", "err", err)
		}
	}
	c.flash(r.Context(), ss, flash{Text: "Added “" + q + "” as a phrasing of " + id + ". Try it:", Link: "/try?q=" + url.QueryEscape(q)})
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (c *Console) dismiss(w http.ResponseWriter, r *http.Request, ss *session) {
	key := r.PostFormValue("key")
	if !strings.HasPrefix(key, "q:") && !strings.HasPrefix(key, "n:") || len(key) > 500 {
		c.refuse(w, r, http.StatusBadRequest, "Nothing to dismiss.")
		return
	}
	if err := c.hidden.add(key, c.now()); err != nil {
		c.fail(w, r, ss, "dismiss the item", err)
		return
	}
	c.flash(r.Context(), ss, flash{Text: "Dismissed. It comes back if someone asks it again."})
	http.Redirect(w, r, "/inbox", http.StatusSeeOther)
}

func (c *Console) resolveSuggestion(accept bool) func(http.ResponseWriter, *http.Request, *session) {
	return func(w http.ResponseWriter, r *http.Request, ss *session) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil || c.reports == nil {
			c.refuse(w, r, http.StatusNotFound, "No such suggestion.")
			return
		}
		if accept {
			err = bot.AcceptSuggestion(r.Context(), c.mod, c.reports, ss.who, id)
		} else {
			err = bot.RejectSuggestion(r.Context(), c.mod, c.reports, ss.who, id)
		}
		switch {
		case err == nil && accept:
			c.flash(r.Context(), ss, flash{Text: "Suggestion accepted: the phrasing is now an alternate."})
		case err == nil:
			c.flash(r.Context(), ss, flash{Text: "Suggestion rejected; it will not be proposed again."})
		case errors.Is(err, bot.ErrNoSuggestion):
			c.flash(r.Context(), ss, flash{Error: true, Text: "That suggestion was already resolved."})
		default:
			msg := c.describe("", err)
			c.flash(r.Context(), ss, flash{Error: true, Text: "Not done. " + msg})
		}
		http.Redirect(w, r, "/inbox", http.StatusSeeOther)
	}
}
