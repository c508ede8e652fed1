package bot

import "github.com/smpbot/smpbot/index"

// ScopeNote goes under an answer to a question about a tattoo, micropigmentation,
// permanent makeup or ink that names neither SMP nor the scalp: the FAQ speaks of
// SMP and the scalp throughout, and whoever asks about a forearm tattoo or "my
// micropigmentation" should know how far its answer carries over.
const ScopeNote = "These answers are written for scalp micropigmentation (SMP); for a tattoo or " +
	"micropigmentation elsewhere, the removal methods, risks and cautions are the same, " +
	"but what they say about the scalp, hair or hairline may not apply."

// Declines of such questions say what the FAQ covers. Permanent makeup of the face
// (brows, eyeliner, lips) is outside it, and rephrasing will not change that, so those
// are sent to a practitioner (faceInkHint); a tattoo elsewhere is told how far the
// FAQ carries over (bodyInkHint), since its removal entries apply.
const (
	faceInkHint = "For brows, eyeliner, lips or other permanent makeup, a qualified practitioner " +
		"who can see you in person is the one to ask."
	bodyInkHint = "Much of what it says about removal applies to other tattoos too."
)

// Words that make a tattoo or ink the subject of a question, and words that place it
// on the scalp. Pairs are two words in a row ("micro pigmentation", "hair line").
var (
	tattooWords = wordSet("tattoo", "tattoos", "tattooed", "tattooing", "tatoo", "tatoos", "tatto", "tattos",
		"tattoes", "tat", "tats", "tatt", "tatts", "micropigmentation", "micropigment", "micropigments",
		"micropigmented", "micropigmentations", "pmu", "microblading", "microbladed", "microblade", "ink",
		"inks", "inked", "inking", "pigment", "pigments")
	tattooPairs = wordSet("micro pigmentation", "micro pigment", "permanent makeup", "permanent make",
		"permanent eyeliner")
	// makeupWords name permanent makeup of the face, which the FAQ leaves out.
	makeupWords = wordSet("brow", "brows", "eyebrow", "eyebrows", "eyeliner", "liner", "lip", "lips", "makeup",
		"microblading", "microbladed", "microblade", "pmu", "lash", "lashes", "eyelid", "eyelids")
	smpMarkers = wordSet("smp", "smps", "scalp", "scalps", "sclap", "hairline", "hairlines", "head", "heads",
		"bald", "balding", "baldness", "crown", "temple", "temples", "buzzcut")
	smpPairs = wordSet("hair line", "hair tattoo", "hair tattoos", "buzz cut")
	// misspelt is matched at one edit, as the urgent rules read signs: "tatooed",
	// "micropigmantation", "hairlne".
	misspelt = []string{"tattooed", "tattooing", "micropigmentation", "micropigmented", "microblading", "hairline"}
)

// inkWithoutSMP reports whether text speaks of a tattoo, micropigmentation,
// permanent makeup or ink without naming SMP or the scalp (its hairline, crown,
// temples, a bald head). A question with no subject at all ("is laser removal
// painful?") is not: most who ask the bot have SMP, and a note on every such answer
// would be noise. A negated scalp word does not count ("it's not SMP, it's a tattoo
// on my arm").
func inkWithoutSMP(text string) bool {
	ink := false
	for _, ts := range sentenceTokens(text) {
		for i, t := range ts {
			w := inkSpelling(t.w)
			pair := ""
			if i+1 < len(ts) {
				pair = w + " " + ts[i+1].w
			}
			if (smpMarkers[w] || smpPairs[pair]) && !negatedWord(ts, i) {
				return false
			}
			ink = ink || tattooWords[w] || tattooPairs[pair]
		}
	}
	return ink
}

// otherInkHint is the sentence a decline of an ink question without SMP ends with:
// faceInkHint when it names brows, eyeliner, lips or permanent makeup, bodyInkHint
// otherwise.
func otherInkHint(text string) string {
	for _, ts := range sentenceTokens(text) {
		for _, t := range ts {
			if makeupWords[inkSpelling(t.w)] {
				return faceInkHint
			}
		}
	}
	return bodyInkHint
}

// inkSpelling reads a word of six letters or more one edit from one of misspelt as
// that word, keeping its first letter, as canonical does for signs.
func inkSpelling(w string) string {
	if len(w) < 6 || tattooWords[w] || smpMarkers[w] {
		return w
	}
	for _, s := range misspelt {
		if w[0] == s[0] && index.WithinEdits(w, s, 1) {
			return s
		}
	}
	return w
}

// negatedWord reports whether one of the three words before i, in the same clause,
// negates it: "not smp", "isn't on my scalp"; "not sure if my smp" and "don't know
// whether SMP" are doubt, not negation.
func negatedWord(ts []token, i int) bool {
	for j := i - 1; j >= max(0, i-3); j-- {
		if ts[j].w == "," {
			return false
		}
		if negators[ts[j].w] && !notNegation[ts[j+1].w] {
			return true
		}
	}
	return false
}

// Caveats returns what an answer asks the reader to keep in mind, in the order shown:
// the scope note, then the entry's caveats; under an urgent answer the entry's
// caveats (about getting checked) first, and the note after them.
func Caveats(r Reply) []string {
	var out []string
	if r.Entry != nil {
		out = append(out, r.Entry.Caveats...)
	}
	if r.ScopeNote == "" {
		return out
	}
	if r.Urgent {
		return append(out, r.ScopeNote)
	}
	return append([]string{r.ScopeNote}, out...)
}
