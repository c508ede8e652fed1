package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/knowledge"
)

// healthDays is the default window for "never answered".
const healthDays = 30

// reviewAge is how old an entry's last review may be before it is listed.
const reviewAge = 365 * 24 * time.Hour

type healthIssue struct {
	ID, Question, Problem string
}

// overlap is a phrasing of one entry that the bot answers with another entry, or
// declines: the entries compete for the same questions.
type overlap struct {
	ID, Phrasing string
	Other        string // "" when the bot declines the phrasing
	Confidence   float64
}

// maxOverlapChecks bounds the questions one health page asks.
const maxOverlapChecks = 5000

// overlaps asks the bot every phrasing of every entry and lists those it does not
// answer with their own entry.
func (c *Console) overlaps(r *http.Request, entries []knowledge.Entry) ([]overlap, bool, error) {
	var out []overlap
	n := 0
	for _, e := range entries {
		for _, p := range append([]string{e.Question}, e.Alternates...) {
			if n++; n > maxOverlapChecks {
				return out, true, nil
			}
			rep, err := c.answer.Answer(r.Context(), bot.Question{Text: p, Platform: "web", User: "health", Preview: true})
			if err != nil {
				return nil, false, err
			}
			switch {
			case rep.Kind == bot.KindAnswer && rep.Entry != nil && rep.Entry.ID != e.ID:
				out = append(out, overlap{ID: e.ID, Phrasing: p, Other: rep.Entry.ID, Confidence: rep.Confidence})
			case rep.Kind == bot.KindNoMatch:
				out = append(out, overlap{ID: e.ID, Phrasing: p, Confidence: rep.Confidence})
			}
		}
	}
	return out, false, nil
}

func (c *Console) healthPage(w http.ResponseWriter, r *http.Request, ss *session) {
	n := days(r, healthDays)
	entries := c.mod.Entries()
	var unused []knowledge.Entry
	logOn := c.reports != nil
	if logOn {
		st, err := c.reports.Stats(r.Context(), n)
		if err != nil {
			c.fail(w, r, ss, "read the question log", err)
			return
		}
		answered := map[string]bool{}
		for _, e := range st.TopEntries {
			answered[e.EntryID] = true
		}
		for _, e := range entries {
			if !answered[e.ID] {
				unused = append(unused, e)
			}
		}
	}
	var issues []healthIssue
	now := c.now()
	for _, e := range entries {
		add := func(p string) { issues = append(issues, healthIssue{e.ID, e.Question, p}) }
		if len(e.Sources) == 0 {
			add("no source")
		}
		if len(e.Caveats) == 0 {
			add("no caveat")
		}
		for _, s := range e.Sources {
			if strings.HasPrefix(s.URL, "http://") {
				add("source not over HTTPS: " + s.Title)
			}
		}
		if t, err := time.Parse(time.DateOnly, e.Updated); err == nil && now.Sub(t) > reviewAge {
			add("last reviewed " + e.Updated)
		}
		if len(e.Alternates) == 0 {
			add("no alternate phrasings: only questions worded like its question find it")
		}
	}
	overlaps, cut, err := c.overlaps(r, entries)
	if err != nil {
		c.fail(w, r, ss, "search the FAQ", err)
		return
	}
	c.render(w, r, ss, "health", "Health", struct {
		Days        int
		LogOn       bool
		Unused      []knowledge.Entry
		Issues      []healthIssue
		Overlaps    []overlap
		OverlapsCut bool
		Entries     int
	}{n, logOn, unused, issues, overlaps, cut, len(entries)})
}
