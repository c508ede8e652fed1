package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/smpbot/smpbot/knowledge"
)

// healthDays is the default window for "never answered".
const healthDays = 30

// reviewAge is how old an entry's last review may be before it is listed.
const reviewAge = 365 * 24 * time.Hour

type healthIssue struct {
	ID, Question, Problem string
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
	c.render(w, r, ss, "health", "Health", struct {
		Days    int
		LogOn   bool
		Unused  []knowledge.Entry
		Issues  []healthIssue
		Entries int
	}{n, logOn, unused, issues, len(entries)})
}
