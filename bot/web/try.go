package web

import (
	"net/http"
	"strings"
	"unicode"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/index"
)

// candidate is an entry the index ranked for a question.
type candidate struct {
	index.Match
	// Shared are the question's words found in how the entry is asked (its question,
	// alternates and tags): a plain hint at why it ranks where it does.
	Shared []string
}

// maxCandidates is how many ranked entries the test box shows.
const maxCandidates = 8

func wordsOf(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// shared lists the words of q (of three letters or more) that occur in texts.
func shared(q string, texts []string) []string {
	have := map[string]bool{}
	for _, t := range texts {
		for _, w := range wordsOf(t) {
			have[w] = true
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, w := range wordsOf(q) {
		if len([]rune(w)) >= 3 && have[w] && !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

func (c *Console) candidates(r *http.Request, q string, n int) ([]candidate, error) {
	ms, err := c.search.Search(r.Context(), bot.Clean(q), n)
	if err != nil {
		return nil, err
	}
	out := make([]candidate, len(ms))
	for i, m := range ms {
		out[i] = candidate{Match: m}
		if e, _, err := c.mod.Get(m.ID); err == nil {
			out[i].Shared = shared(q, append(append([]string{e.Question}, e.Alternates...), e.Tags...))
		}
	}
	return out, nil
}

func (c *Console) tryPage(w http.ResponseWriter, r *http.Request, ss *session) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	data := struct {
		Query      string
		Reply      *bot.Reply
		Preview    *platformPreview
		Candidates []candidate
	}{Query: q}
	if q != "" {
		rep, err := c.answer.Answer(r.Context(), bot.Question{Text: q, Platform: "web", User: ss.who.User, Preview: true})
		if err != nil {
			c.fail(w, r, ss, "answer the question", err)
			return
		}
		data.Reply, data.Preview = &rep, c.previewReply(rep)
		if data.Candidates, err = c.candidates(r, q, maxCandidates); err != nil {
			c.fail(w, r, ss, "rank the entries", err)
			return
		}
	}
	c.render(w, r, ss, "try", "Try it", data)
}
