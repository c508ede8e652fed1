// Package phrasing folds question texts into keys and groups near-duplicate questions:
// what the question logs (bot/sqlitelog, bot/pglog) share to count repeats, propose
// phrasings and report unanswered questions.
package phrasing

import (
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/knowledge"
)

// Key folds a question as FAQ validation folds phrasings (lower case, letters and
// digits, single spaces), so that a proposal and the alternate it becomes compare equal
// and repeats of a wording are counted together.
func Key(s string) string { return knowledge.PhraseKey(s) }

// stopWords carry no topic: two questions that differ only in them ask the same thing.
var stopWords = wordSet(`a an the i im i'm me my mine myself we our you your it its it's
	is are was were be been being am do does did doing can could will would should shall
	may might must to of in on at for with from by and or but so if then than that this
	these those there here what whats what's how hows why when where which who whom get got
	have has had having about any some just really please pls hi hello hey thanks thank
	also very too much`)

func wordSet(words string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.Fields(words) {
		set[w] = true
	}
	return set
}

// tokens returns the set of topic words of a question: lower-cased words of letters and
// digits, common words dropped, a plural -s removed. A question of common words only
// keeps them all, so it still groups with its exact repeats.
func tokens(s string) map[string]bool {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
	set := map[string]bool{}
	for _, w := range words {
		w = strings.Trim(w, "'")
		if w == "" || stopWords[w] {
			continue
		}
		if len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") {
			w = w[:len(w)-1]
		}
		set[w] = true
	}
	if len(set) == 0 {
		for _, w := range words {
			if w = strings.Trim(w, "'"); w != "" {
				set[w] = true
			}
		}
	}
	return set
}

// jaccard is the size of the intersection of a and b over the size of their union.
func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	inter := 0
	for w := range a {
		if b[w] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// sameQuestion is how alike two questions' topic words must be to count together.
const sameQuestion = 0.6

// Question is one unanswered question from a log.
type Question struct {
	Text    string
	Closest string // the entry the bot came closest to, or ""
	At      time.Time
}

// wording is one phrasing (by phrase key) and its repeats.
type wording struct {
	key     string
	text    string // the most recent original text
	count   int
	last    time.Time
	closest map[string]int
	tokens  map[string]bool
}

// Group gathers near-duplicate questions: repeats of a wording count together, then each
// wording, most frequent first, joins the first group whose main wording shares enough
// topic words with it. Comparing with the main wording only, not with every member,
// keeps groups from drifting from one topic to another through a chain of neighbours,
// and makes the result independent of the order of the input.
func Group(qs []Question, maxExamples int) []bot.UnansweredGroup {
	byKey := map[string]*wording{}
	for _, q := range qs {
		k := Key(q.Text)
		if k == "" {
			continue
		}
		w := byKey[k]
		if w == nil {
			w = &wording{key: k, closest: map[string]int{}, tokens: tokens(q.Text)}
			byKey[k] = w
		}
		w.count++
		if w.text == "" || q.At.After(w.last) || q.At.Equal(w.last) && q.Text < w.text {
			w.text = q.Text
		}
		if q.At.After(w.last) {
			w.last = q.At
		}
		if q.Closest != "" {
			w.closest[q.Closest]++
		}
	}
	ws := make([]*wording, 0, len(byKey))
	for _, w := range byKey {
		ws = append(ws, w)
	}
	sort.Slice(ws, func(i, j int) bool {
		a, b := ws[i], ws[j]
		if a.count != b.count {
			return a.count > b.count
		}
		if !a.last.Equal(b.last) {
			return a.last.After(b.last)
		}
		return a.key < b.key
	})
	type cluster struct {
		main    *wording
		members []*wording
	}
	var clusters []*cluster
	// Questions with no topic word in common cannot reach sameQuestion, so only the
	// groups sharing a word with a wording are compared with it.
	byToken := map[string][]int{}
	for _, w := range ws {
		if len(w.tokens) == 0 {
			w.tokens = map[string]bool{w.key: true}
		}
		home := -1
		for t := range w.tokens {
			for _, i := range byToken[t] {
				if (home < 0 || i < home) && jaccard(clusters[i].main.tokens, w.tokens) >= sameQuestion {
					home = i
					break // byToken lists ascend: the rest come later
				}
			}
		}
		if home < 0 {
			clusters = append(clusters, &cluster{main: w, members: []*wording{w}})
			for t := range w.tokens {
				byToken[t] = append(byToken[t], len(clusters)-1)
			}
			continue
		}
		clusters[home].members = append(clusters[home].members, w)
	}
	out := make([]bot.UnansweredGroup, 0, len(clusters))
	for _, c := range clusters {
		g := bot.UnansweredGroup{Question: c.main.text}
		closest := map[string]int{}
		for i, w := range c.members {
			g.Count += w.count
			if w.last.After(g.LastAsked) {
				g.LastAsked = w.last
			}
			for id, n := range w.closest {
				closest[id] += n
			}
			if i > 0 && len(g.Examples) < maxExamples {
				g.Examples = append(g.Examples, w.text)
			}
		}
		g.Closest = mostCommon(closest)
		out = append(out, g)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if !a.LastAsked.Equal(b.LastAsked) {
			return a.LastAsked.After(b.LastAsked)
		}
		return a.Question < b.Question
	})
	return out
}

// mostCommon returns the key with the highest count, the smallest such key on a tie.
func mostCommon(counts map[string]int) string {
	best, bestN := "", 0
	for k, n := range counts {
		if n > bestN || n == bestN && k < best {
			best, bestN = k, n
		}
	}
	return best
}

// Proposable reports whether text could become an alternate phrasing: a longer one
// would fail validation when accepted.
func Proposable(text string) bool {
	return Key(text) != "" && utf8.RuneCountInString(text) <= knowledge.MaxAlternateLen
}
