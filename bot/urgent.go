package bot

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/smpbot/smpbot/index"
)

// UrgentEntryID is the FAQ entry on complications; an urgent message is answered with
// it first.
const UrgentEntryID = "complications-urgent"

// UrgentNotice is shown before anything else in a reply to an urgent message.
const UrgentNotice = "⚠️ What you describe can be a sign of a complication such as an infection, a burn or an allergic reaction. " +
	"Please contact a doctor (or the clinic's medical team) today. " +
	"If you have a fever, redness that spreads fast, swelling of the face or lips, or trouble breathing, get emergency care now."

// SignsNotice is shown first in a reply to a question on how to recognise a
// complication: the person may be asking because they see one.
const SignsNotice = "⚠️ If you have any of these signs now, please contact a doctor (or the clinic's medical team) today. " +
	"With a fever, redness that spreads fast, swelling of the face or lips, or trouble breathing, get emergency care now."

// IsUrgent reports whether text describes symptoms of a complication that need medical
// care first: signs of infection, an allergic reaction, a burn, or after-effects that
// are getting worse or spreading, about the person's (or someone else's) treated skin.
// A question about what is normal, how long something lasts or what the risks are is
// not urgent: the side-effects answer says when to see a doctor.
//
// Two readers decide together: the hand-written rules below (urgentRules) and a
// logistic regression learned from examples at first use (urgentmodel.go; how they
// are combined, and the numbers that decided it, are in URGENT.md).
func IsUrgent(text string) bool {
	all := sentenceTokens(text)
	return urgentModel().urgent(all, readRules(all))
}

// urgentRules reports whether the hand-written rules alone flag text.
func urgentRules(text string) bool {
	return readRules(sentenceTokens(text)).any()
}

// ruleSignals are what the rules found in a message: a severe sign (pus, fever,
// swollen lips...), an ordinary after-effect getting worse, or a sentence saying the
// one before has spread.
type ruleSignals struct {
	severe, worse, spread bool
	// strong: one of the severe signs is one no ordinary healing shows (pus, a
	// coloured discharge, a bad smell, a high temperature, trouble breathing, eyes
	// swollen shut, red streaks), where swollen lips, weeping or hives can be.
	strong bool
}

func (s ruleSignals) any() bool { return s.severe || s.worse || s.spread }

// readRules reads the sentences of a message with the rules, masking the tokens that
// do not describe a present sign (see maskContext).
//
// A sign of infection, allergy or a burn gone wrong (pus, fever, hives, swollen lips
// or eyes, trouble breathing, red streaks) counts on its own, however the message is
// phrased. The ordinary after-effects of a laser session (redness, swelling, pain,
// blisters, a rash) count only with a cue that they are getting worse, spreading or
// severe, so "is some redness normal?" and "how long does the swelling last?" do not.
//
// Words are read in context: a negated sign ("no fever"), one from the distant past
// ("an infection years ago"), one that has cleared up ("it oozed the first night but
// stopped"), a question about risk ("can laser cause an allergic reaction?") or about
// how to recognise a sign ("how do I know if it's infected?"), a worsening cue in a
// general question ("is it normal for swelling to get worse?") or a comparison ("does
// it hurt more than the tattoo?"), a sign of an animal, a thing or someone else ("my
// cat has a fever", "a leaking tap", "my friend's face swelled up after his laser")
// and an illness elsewhere ("a chest infection", "hay fever") do not count. A real
// question that reports a sign ("is it normal to have a fever and pus?") does.
// Misspellings of the sign words are recognised, at one edit.
//
// The rules were written from bot/testdata/urgent_pairs.jsonl.
func readRules(all [][]token) ruleSignals {
	var s ruleSignals
	body := bodyContext(all)
	treated := treatedHere(all)
	// "I got lip filler and my lips are swollen": swelling where another procedure
	// was done, in a message that does not name the treatment, is that procedure's.
	elsewhere := !treated && namesOtherProcedure(all)
	// "my eyeliner was lasered yesterday and my eyelids are puffy": swelling of the
	// eyes is the treated skin's own when the treatment was next to them.
	eyeSite := namesEyeSite(all)
	if ownIllness(all) {
		maskColdSymptoms(all)
	}
	if otherCause(all) {
		// "hives on my back from a new washing powder, nothing to do with the
		// laser": a look-alike with its own cause. Masked for the model too.
		for _, ts := range all {
			for i := range ts {
				if lookAlikes[ts[i].w] {
					ts[i].masked = true
				}
			}
		}
	}
	if lowReadingOnly(all) {
		// Read by the model as masked words too ("~temperature").
		for _, ts := range all {
			for i := range ts {
				if feverWords[ts[i].w] {
					ts[i].masked = true
				}
			}
		}
	}
	var prev []token
	for _, ts := range all {
		maskContext(ts, prev)
		if !treated {
			maskLimbs(ts)
		}
		s.severe = s.severe || severeSign(ts, body) || !elsewhere && faceSwelling(ts, eyeSite)
		s.strong = s.strong || strongSign(ts, body)
		s.worse = s.worse || worsening(ts)
		s.spread = s.spread || spreadOn(ts, prev)
		prev = ts
	}
	if eyeSite {
		// Read by the model as the treated skin's words, not as the eyes of an
		// allergic reaction: "~eyelids" is a different word from "eyelids".
		for _, ts := range all {
			for i := range ts {
				if eyeWords[ts[i].w] {
					ts[i].masked = true
				}
			}
		}
	}
	return s
}

// ownIllness reports whether a message names a common illness of its own: a cold
// ("I've got a cold", "full of cold", "a head cold"), the flu, covid, a virus.
func ownIllness(all [][]token) bool {
	for _, ts := range all {
		for i, t := range ts {
			if i > 0 && (ts[i-1].w == "like" || ts[i-1].w == "flulike") || i+1 < len(ts) && ts[i+1].w == "like" {
				// "flu-like symptoms since the laser" may be the infection's.
				continue
			}
			if otherIllness[t.w] || t.w == "virus" || t.w == "bug" && i > 0 && (ts[i-1].w == "a" || ts[i-1].w == "tummy" || ts[i-1].w == "stomach") ||
				coldIllness(ts, i) {
				return true
			}
		}
	}
	return false
}

// coldIllness reports "cold" as the illness: a noun after "a", "the", "of", "head"
// or "chest" that ends its phrase ("I've got a cold, ...", "full of cold and a sore
// throat"), not "a cold compress" or "it feels cold".
func coldIllness(ts []token, i int) bool {
	if ts[i].w != "cold" && ts[i].w != "colds" || i == 0 || !coldBefore[ts[i-1].w] {
		return false
	}
	return i+1 == len(ts) || coldAfter[ts[i+1].w]
}

var (
	coldBefore = wordSet("a", "the", "of", "head", "chest", "bad", "heavy", "stinking", "streaming", "nasty", "horrible",
		"awful", "mild", "slight", "little", "summer", "winter", "caught", "got")
	coldAfter = wordSet(",", "?", "and", "with", "so", "but", "at", "now", "since", "going", "coming", "which", "that",
		"or", "plus", "too", "again", "last", "this", "for", "right", "still", "bug", "virus")
)

// maskColdSymptoms masks the symptoms a cold gives, in a message naming one: a sore
// or scratchy throat (not one that is tight, closing or swollen, nor trouble
// swallowing), a blocked or runny nose, a cough, aches. A sore throat is no trouble
// swallowing.
func maskColdSymptoms(all [][]token) {
	for _, ts := range all {
		for i, t := range ts {
			switch {
			case coldSymptoms[t.w]:
				ts[i].masked = true
			case t.w == "throat" && !airwayNear(ts, i):
				ts[i].masked = true
				for j := max(0, i-2); j < len(ts) && j <= i+3; j++ {
					if throatFeel[ts[j].w] {
						ts[j].masked = true
					}
				}
			}
		}
	}
}

// airwayNear reports a throat word with a sign of the airway near: tight, closing,
// swollen, swallowing.
func airwayNear(ts []token, i int) bool {
	for j := max(0, i-3); j < len(ts) && j <= i+4; j++ {
		if airwayWords[ts[j].w] {
			return true
		}
	}
	return false
}

var (
	coldSymptoms = wordSet("nose", "runny", "blocked", "stuffy", "bunged", "congested", "cough", "coughing", "sneezing",
		"sneezy", "snotty", "sinuses", "headache", "achy", "aches", "aching")
	throatFeel  = wordSet("sore", "scratchy", "tickly", "raw", "itchy", "hoarse", "dry")
	airwayWords = wordSet("tight", "tightness", "closing", "swollen", "swelling", "swelled", "swallow", "swallowing",
		"cannot", "breathe", "breathing", "thick")
)

// otherCause reports whether a message gives an everyday cause for a rash, hives or
// welts ("from a new washing powder", "after changing detergent", "a reaction to
// nuts") and does not name the treatment, or names it only to deny it ("nothing to
// do with the laser", "I haven't had a session in months").
func otherCause(all [][]token) bool {
	if treatedHere(all) && !treatmentDenied(all) {
		return false
	}
	for _, ts := range all {
		for i, t := range ts {
			if !causeMarkers[t.w] {
				continue
			}
			for j := i + 1; j < len(ts) && j <= i+4 && !clauseEnd[ts[j].w]; j++ {
				if everydayCauses[ts[j].w] {
					return true
				}
			}
		}
	}
	return false
}

// treatmentDenied reports whether every mention of the treatment is negated, set
// long ago or still to come: "nothing to do with the laser", "no laser involved", "I
// haven't had a session in months", "before my next session".
func treatmentDenied(all [][]token) bool {
	named := false
	for _, ts := range all {
		for i, t := range ts {
			if !treatmentWords[t.w] {
				continue
			}
			named = true
			denied := false
			for j := i - 1; j >= 0 && j >= i-5 && ts[j].w != "," && ts[j].w != "but"; j-- {
				// "my next session" is still to come.
				denied = denied || negators[ts[j].w] || j >= i-3 && aheadWords[ts[j].w]
			}
			for j := i + 1; j < len(ts) && j <= i+3 && !denied; j++ {
				// "no laser involved", "a session months ago"
				denied = ts[j].w == "involved" && i > 0 && negators[ts[i-1].w] ||
					j+1 < len(ts) && longAgoEnds[ts[j+1].w] && longAgo[ts[j].w+" "+ts[j+1].w]
			}
			if !denied {
				return false
			}
		}
	}
	return named
}

// longAgoEnds are the second words of longAgo: a pair is joined (and allocated)
// only when its second word can end one.
var longAgoEnds = func() map[string]bool {
	m := map[string]bool{}
	for p := range longAgo {
		m[p[strings.LastIndexByte(p, ' ')+1:]] = true
	}
	return m
}()

var (
	causeMarkers   = wordSet("from", "because", "due", "to", "after", "since", "changing", "changed", "switching", "switched", "new")
	everydayCauses = wordSet("detergent", "detergents", "powder", "softener", "laundry", "soap", "perfume", "fragrance",
		"nuts", "peanuts", "shellfish", "seafood", "strawberries", "pollen", "grass", "cat", "cats", "dog", "dogs",
		"nettles", "plant", "plants", "antibiotics", "penicillin", "ibuprofen", "medication", "wool", "latex",
		"nickel", "jewellery", "jewelry", "sheets", "bedding", "food", "stress", "heat", "sweat", "exercise")
	// lookAlikes are the signs an everyday cause also gives, the ones otherCause masks.
	lookAlikes = wordSet("hives", "welts", "rash", "rashes", "itchy", "itching", "itch", "bumps", "blotches", "blotchy",
		"wheals", "weals")
)

// bodyContext reports whether the message is about a body, a symptom or a treatment
// at all: "leaking", "weeping", "discharge" and "hives" are signs only then, not in
// "how do i fix a leaking tap" or "bee hives in the shed".
func bodyContext(all [][]token) bool {
	for _, ts := range all {
		for _, t := range ts {
			if bodyWords[t.w] || mildWords[t.w] || swellWords[t.w] || faceWords[t.w] || severeKeys[t.w] && !ambiguous[t.w] {
				return true
			}
		}
	}
	return false
}

// treatedHere reports whether the message names the treatment or the treated skin.
func treatedHere(all [][]token) bool {
	for _, ts := range all {
		for _, t := range ts {
			if treatmentWords[t.w] || scalpWords[t.w] {
				return true
			}
		}
	}
	return false
}

// maskLimbs masks the clauses about a limb, the gums or teeth, in a message that
// names neither the treatment nor the scalp: "after my run my calf is swollen and
// hot" is no complication of SMP removal. As with an animal, the limb stays the
// subject until a clause speaks of the writer: "my ear piercing is hot and has some
// yellow crust around it".
func maskLimbs(ts []token) {
	start := 0
	limb := false
	for i := 0; i <= len(ts); i++ {
		if i < len(ts) && !clauseEnd[ts[i].w] {
			continue
		}
		clause := ts[start:i]
		named := false
		for _, t := range clause {
			named = named || limbs[t.w]
		}
		limb = named || limb && !speaksOfWriter(clause)
		if limb {
			maskAll(clause)
		}
		start = i + 1
	}
}

func speaksOfWriter(clause []token) bool {
	for _, t := range clause {
		if firstPerson[t.w] {
			return true
		}
	}
	return false
}

var (
	scalpWords = wordSet("scalp", "head", "hairline", "temple", "temples", "crown", "forehead", "treated", "scab", "scabs")
	limbs      = wordSet("calf", "calves", "knee", "knees", "ankle", "ankles", "foot", "feet", "toe", "toes", "hand",
		"hands", "finger", "fingers", "wrist", "elbow", "thigh", "shin", "gums", "gum", "tooth", "teeth",
		// A piercing's crust is no complication of SMP removal either.
		"piercing", "piercings")
)

var (
	// ambiguous signs have an everyday sense besides the medical one.
	ambiguous = wordSet("leaking", "leak", "leaks", "leaky", "weeping", "weeps", "discharge", "hives", "stinks",
		"streaking", "chills", "smell", "smells", "foul", "yellow", "green", "greenish", "yellowish", "fainted", "fainting")
	bodyWords = wordSet("scalp", "head", "skin", "hairline", "temple", "temples", "crown", "forehead", "scab", "scabs",
		"scabbed", "scabbing", "crust", "crusts", "crusty", "wound", "wounds", "sores", "bumps", "spots", "laser", "lasered",
		"lazer", "lasering", "zap", "zapped", "zapping", "smp", "session", "removal", "treated", "treatment", "area",
		"patch", "tattoo", "ink", "saline", "micropigmentation", "numbing", "scar", "bandage", "dressing", "neck",
		"ear", "ears", "chest", "arms", "body", "fluid", "liquid")
)

// MentionsSymptom reports whether text names a symptom at all, urgent or not: an
// ordinary after-effect ("is some redness normal?"), or a sign that is negated, past
// or asked about as a risk ("how do I avoid an infection?").
//
// A question that only asks how to recognise a complication ("what are the signs of
// infection?", "how do I know if it's infected?") names none: the complications
// entry, which lists the signs, answers it.
func MentionsSymptom(text string) bool {
	for _, s := range sentences(text) {
		ts := tokens(s)
		for i, t := range ts {
			if mildWords[t.w] || swellWords[t.w] {
				return true
			}
			if (severeKeys[t.w] || t.w == "allergic" || t.w == "allergy") && !recognising(ts, i) {
				return true
			}
		}
	}
	return false
}

// AsksSigns reports whether text asks how to recognise a complication without
// describing one: "what are the signs of infection after laser?", "how do I know if
// it's infected?". When it names the treatment or the treated skin it is flagged
// urgent, with SignsNotice, and the complications entry answers (see
// signsAfterTreatment).
func AsksSigns(text string) bool {
	return !IsUrgent(text) && asksSigns(sentenceTokens(text))
}

func asksSigns(all [][]token) bool {
	for _, ts := range all {
		for i, t := range ts {
			if (severeKeys[t.w] || t.w == "allergic") && recognising(ts, i) {
				return true
			}
		}
	}
	return false
}

// signsAfterTreatment reports whether text, which IsUrgent did not flag, asks how to
// recognise a complication of the treatment ("what are the signs of infection after
// laser removal?"): whoever asks may be looking at the signs, so medical care comes
// first, as for a description.
func signsAfterTreatment(text string) bool {
	all := sentenceTokens(text)
	return asksSigns(all) && treatedHere(all)
}

// sentenceTokens gives the tokens of each sentence, fresh (nothing masked yet).
func sentenceTokens(text string) [][]token {
	ss := sentences(text)
	all := make([][]token, len(ss))
	for i, s := range ss {
		all[i] = tokens(s)
	}
	return all
}

// token is a word of a message, canonicalised (typos corrected, apostrophes dropped),
// or a comma; masked tokens are out of the picture (negated, long ago, cleared up).
type token struct {
	w      string
	masked bool
}

var sentenceEnd = regexp.MustCompile(`[.!?;:\n]+`)

// decimalPoint joins "38.5": a number's point does not end a sentence (its integer
// part is what the rules read).
var decimalPoint = regexp.MustCompile(`(\d)[.,](\d)`)

func sentences(text string) []string {
	t := strings.ToLower(text)
	t = strings.NewReplacer("’", "'", "‘", "'", "`", "'").Replace(t)
	t = decimalPoint.ReplaceAllString(t, "$1 $2")
	var out []string
	from := 0
	for _, m := range sentenceEnd.FindAllStringIndex(t, -1) {
		s := t[from:m[0]]
		if strings.Contains(t[m[0]:m[1]], "?") {
			// A question keeps its mark, as a last token: see asked.
			s += " ?"
		}
		out = append(out, s)
		from = m[1]
	}
	return append(out, t[from:])
}

// asked reports whether the sentence ended with a question mark.
func asked(ts []token) bool {
	return len(ts) > 0 && ts[len(ts)-1].w == "?"
}

// tokens splits a sentence into words and commas, words canonicalised.
func tokens(s string) []token {
	var out []token
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, token{w: canonical(b.String())})
			b.Reset()
		}
	}
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		case r == '\'':
			// don't → dont, it's → its: one spelling whether or not the apostrophe is typed.
		case r == ',' || r == '?':
			flush()
			out = append(out, token{w: string(r)})
		default:
			flush()
		}
	}
	flush()
	return out
}

// signWords are the words the rules below look for. A word of six letters or more
// that is one edit away from one of them, with the same first letter, is read as that
// word: "swolen", "infecton", "alergic", "brething". One edit, not two: checked
// against an English word list, two edits turned "showering" into "shivering",
// "inspection" and "insertion" into "infection", "streaming" into "spreading".
var signWords = []string{
	"swollen", "swelling", "allergic", "allergy", "breathe", "breathing", "spreading",
	"redness", "blister", "blisters", "infection", "infected", "feverish", "discharge",
	"painful", "throbbing", "oozing", "bleeding", "worsening", "shivering", "anaphylaxis",
	"anaphylactic", "increasing", "unbearable", "excruciating", "streaks", "unbearably",
}

// spellings are misspellings too short for the edit rule, and near words that are not
// misspellings of a sign ("injection" is not "infection", "blending" not "bleeding").
var spellings = map[string]string{
	"puss": "pus", "feaver": "fever", "fevr": "fever", "fevar": "fever", "fevor": "fever",
	"feever": "fever", "fiever": "fever", "hivs": "hives", "hieves": "hives", "brethe": "breathe",
	"breath": "breathe", "breathin": "breathing", "cant": "cannot", "couldnt": "cannot", "swole": "swollen", "swolen": "swollen",
	"injection": "injection", "injections": "injections", "injected": "injected", "inflected": "inflected",
	"blending": "blending", "breeding": "breeding", "bleeping": "bleeping", "spelling": "spelling",
	"smelling": "smelling", "selling": "selling", "blaster": "blaster", "shredding": "shredding",
	"spending": "spending", "bleaching": "bleaching", "infested": "infested", "discharged": "discharged",
	// English words one edit from a sign word (found with a word list).
	"inflection": "inflection", "inflections": "inflections", "redress": "redress", "shelling": "shelling",
	"swilling": "swilling", "bluster": "bluster", "blusters": "blusters", "blasters": "blasters",
	"steaks": "steaks", "streams": "streams", "streaky": "streaky", "breaching": "breaching",
	"breather": "breather", "pailful": "pailful", "breasting": "breasting", "unbeatable": "unbeatable",
	"slivering": "slivering",
}

func canonical(w string) string {
	if c, ok := spellings[w]; ok {
		return c
	}
	if len(w) < 6 {
		return w
	}
	for _, s := range signWords {
		if w == s {
			return w
		}
	}
	for _, s := range signWords {
		if w[0] == s[0] && index.WithinEdits(w, s, 1) {
			return s
		}
	}
	return w
}

func wordSet(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

var (
	negators = wordSet("no", "not", "never", "without", "none", "nor", "neither", "dont", "doesnt", "didnt",
		"isnt", "arent", "wasnt", "werent", "havent", "hasnt", "hadnt", "zero", "nothing")
	// A negator before one of these is doubt or persistence, not the absence of a sign:
	// "not sure if it's infected", "the bleeding doesn't stop".
	notNegation = wordSet("sure", "certain", "know", "stop", "stopping", "stopped", "go", "going", "gone",
		"get", "getting", "improve", "improving", "better", "heal", "healing", "help", "helping", "normal",
		"breathe", "breathing")
	// Negation reaches at most four words and stops at these.
	scopeEnd = wordSet(",", "and", "but", "so", "also", "plus", "there", "theres", "now", "then", "because",
		"though", "although", "yet", "except", "just", "only", "apart", "however", "while")
	// Clauses end at these, for the distant-past and cleared-up rules.
	clauseEnd = wordSet(",", "and", "but", "now", "however", "though", "although", "so", "also", "plus", "then", "while")
)

// Two-word phrases that place a clause in the distant past, and words that say a
// symptom has cleared up.
var (
	longAgo = wordSet("years ago", "year ago", "last year", "a kid", "a child", "history of",
		"used to", "once had", "ages ago", "before my first", "my first tattoo", "a teenager", "a teen", "in school",
		"in college", "last month", "months ago", "month ago")
	clearedUp = wordSet("stopped", "cleared", "settled", "resolved", "healed", "disappeared", "vanished", "subsided")
	goneUp    = wordSet("gone", "went")
	goneAfter = wordSet("away", "down", "now")
	direction = wordSet("my", "to", "the", "onto", "into", "towards", "over", "past", "his", "her")
)

// maskContext masks the tokens of s that do not describe a present sign: negated,
// in a clause set in the distant past, or in a clause that says it cleared up (which
// also clears the clause before it, possibly the end of the previous sentence).
func maskContext(ts, prev []token) {
	for i := 1; i < len(ts); i++ {
		if notSign[ts[i-1].w+" "+ts[i].w] {
			ts[i-1].masked, ts[i].masked = true, true
			// "my eyes are puffy and red from hay fever": what the clause describes
			// has its own, everyday cause.
			if i >= 2 && causeWords[ts[i-2].w] {
				for j := i - 3; j >= 0 && ts[j].w != ","; j-- {
					ts[j].masked = true
				}
			}
			// "a chest infection and a fever": the fever is the illness's own.
			if i+1 < len(ts) && (ts[i+1].w == "and" || ts[i+1].w == "with") {
				for j := i + 1; j < len(ts) && j <= i+3 && ts[j].w != ","; j++ {
					ts[j].masked = true
				}
			}
		}
	}
	maskToldNormal(ts)
	maskTolerance(ts)
	for i := 0; i < len(ts); i++ {
		// "not getting better" is no negation, but "not getting worse" denies the cue
		// ("doesn't stop spreading" does not).
		if !negators[ts[i].w] || (i+1 < len(ts) && notNegation[ts[i+1].w] && !deniesWorse(ts, i+1)) {
			continue
		}
		for j := i + 1; j < len(ts) && j <= i+4 && !scopeEnd[ts[j].w]; j++ {
			ts[j].masked = true
		}
	}
	start := 0
	prevClause := lastClause(prev)
	var clauses [16][]token
	before := clauses[:0] // this sentence's clauses so far (on the stack for most)
	animal := false
	for i := 0; i <= len(ts); i++ {
		if i < len(ts) && !clauseEnd[ts[i].w] {
			continue
		}
		clause := ts[start:i]
		// "my cat has a fever and pus in her eye": the animal or thing stays the
		// subject until a clause speaks of the person or their skin.
		animal = nonHuman(clause) || animal && !personal(clause)
		if past(clause) || animal || hearsay(clause) || habitual(clause) {
			maskAll(clause)
		}
		if cleared(clause) {
			maskAll(clause)
			if !namesSign(clause) {
				// "... but it stopped": the relief is about what came before, back to
				// the clause that names the sign ("bumps came up, like hives, the
				// nurse put cream on and by the evening they'd gone").
				relieved := false
				for k := len(before) - 1; k >= 0 && !relieved; k-- {
					maskAll(before[k])
					relieved = namesSign(before[k])
				}
				if len(before) == 0 {
					maskAll(prevClause)
				}
			}
		}
		if len(clause) > 0 {
			// ", then it crusted over": the empty clause between two ends is no
			// clause for the relief to refer back to.
			prevClause = clause
			before = append(before, clause)
		}
		start = i + 1
	}
}

// deniesWorse reports whether a negated "get" at i denies a turn for the worse: "not
// getting worse", "hasn't got any bigger".
func deniesWorse(ts []token, i int) bool {
	switch ts[i].w {
	case "get", "getting", "got", "gotten", "going":
	default:
		return false
	}
	for j := i + 1; j < len(ts) && j <= i+2; j++ {
		if worseWords[ts[j].w] {
			return true
		}
	}
	return false
}

// maskTolerance masks the clause about the writer's pain tolerance: "my pain
// tolerance is terrible", "a really low pain threshold": words of degree there rate
// the person, not a sign.
func maskTolerance(ts []token) {
	for i, t := range ts {
		if t.w != "tolerance" && t.w != "threshold" {
			continue
		}
		for j := i; j >= 0 && j >= i-3 && !clauseEnd[ts[j].w]; j-- {
			ts[j].masked = true
		}
		for j := i + 1; j < len(ts) && !clauseEnd[ts[j].w] && ts[j].w != "?"; j++ {
			ts[j].masked = true
		}
	}
}

// namesSign reports whether a clause names a symptom of its own ("the pain stopped")
// rather than referring back to one ("it stopped").
func namesSign(clause []token) bool {
	for _, t := range clause {
		if mildWords[t.w] || swellWords[t.w] || severeKeys[t.w] {
			return true
		}
	}
	return false
}

func lastClause(ts []token) []token {
	for i := len(ts) - 1; i >= 0; i-- {
		if clauseEnd[ts[i].w] {
			return ts[i+1:]
		}
	}
	return ts
}

func maskAll(ts []token) {
	for i := range ts {
		ts[i].masked = true
	}
}

// nonHuman reports whether the clause is about an animal, a thing or a child: "my cat
// has had a fever", "my laptop has a virus infection".
func nonHuman(clause []token) bool {
	for i, t := range clause {
		if things[t.w] && !placeOf(clause, i) {
			return true
		}
	}
	return false
}

// placeOf reports whether the thing at i is where something happened, not what it
// happened to: "I passed out in the car park", "fainted at the vet's".
func placeOf(clause []token, i int) bool {
	for j := max(0, i-2); j < i; j++ {
		if placePrepositions[clause[j].w] {
			return true
		}
	}
	return false
}

var placePrepositions = wordSet("in", "at", "into", "inside", "outside", "near", "by")

// personal reports whether a clause speaks of the person who writes or their skin.
func personal(clause []token) bool {
	for _, t := range clause {
		if firstPerson[t.w] || bodyWords[t.w] {
			return true
		}
	}
	return false
}

// hearsay reports a clause about another illness ("my fever from the flu") or about
// what happened to other people ("my friend's face swelled up after his laser"),
// unless it is happening to them now ("my friend's face is swelling up").
func hearsay(clause []token) bool {
	other, now := false, false
	for _, t := range clause {
		if otherIllness[t.w] {
			return true
		}
		other = other || others[t.w]
		now = now || presentWords[t.w]
	}
	return other && !now
}

// maskToldNormal masks what someone said is normal: "my artist said swelling and
// weeping in the first day are normal".
func maskToldNormal(ts []token) {
	for i, t := range ts {
		if !saidWords[t.w] {
			continue
		}
		for j := i + 1; j < len(ts) && ts[j].w != ","; j++ {
			if fineWords[ts[j].w] {
				maskAll(ts[i:j])
				break
			}
		}
	}
}

var (
	fineWords    = wordSet("normal", "expected", "common", "usual", "fine")
	saidWords    = wordSet("said", "says", "told", "reckons", "claims")
	otherIllness = wordSet("flu", "covid", "coronavirus")
	// Not "anyone": "anyone else get a rash after removal?" is often asked by
	// someone who has one.
	others       = wordSet("friend", "friends", "mate", "mates", "someone", "somebody", "people", "others", "guys")
	presentWords = wordSet("now", "is", "are", "has", "have", "keeps", "still", "tonight", "today", "currently", "getting", "its")
)

var firstPerson = wordSet("i", "im", "ive", "me", "my", "mine", "myself")

var things = wordSet("dog", "dogs", "puppy", "cat", "cats", "kitten", "pet", "pets", "horse", "rabbit", "hamster",
	"parrot", "vet", "laptop", "computer", "pc", "phone", "battery", "car", "radiator", "engine", "fridge", "freezer",
	"sink", "tap", "faucet", "pipe", "pipes", "roof", "ceiling", "toilet", "boiler", "dishwasher", "basement",
	// Nobody has SMP removed as a child: a child's fever is not a complication.
	"toddler", "baby", "babies", "infant", "newborn", "kid", "kids", "child", "children")

// notSign are two words whose second would otherwise be a sign of a complication: an
// infection elsewhere in the body, a fever that is no fever, a rash with its own
// cause, a hive of bees.
var notSign = wordSet("chest infection", "ear infection", "sinus infection", "throat infection", "tooth infection",
	"urinary infection", "tract infection", "kidney infection", "bladder infection", "yeast infection",
	"virus infection", "viral infection", "chest infections", "ear infections", "sinus infections",
	"hay fever", "cabin fever", "spring fever", "fever pitch", "heat rash", "razor rash", "sweat rash", "nappy rash", "diaper rash",
	"bee hives", "bees hives")

// causeWords before an illness elsewhere attribute what comes before them to it.
var causeWords = wordSet("from", "of", "with")

// habitual reports a clause about what happens every time or in general: "my lips
// swell up after lip filler every time".
func habitual(clause []token) bool {
	for _, t := range clause {
		if treatmentWords[t.w] || scalpWords[t.w] || t.w == "lasered" {
			// "every time I touch the lasered bit, pus comes out" is happening now.
			return false
		}
	}
	for i, t := range clause {
		if t.w == "always" || t.w == "typically" || i+1 < len(clause) && (t.w == "every" && clause[i+1].w == "time" ||
			t.w == "each" && clause[i+1].w == "time" || t.w == "in" && clause[i+1].w == "general") {
			return true
		}
	}
	return false
}

func past(clause []token) bool {
	if n := len(clause); n > 1 && clause[n-1].w == "once" {
		// "had an allergic reaction to a hair dye once"
		for _, t := range clause {
			if t.w == "had" || t.w == "got" {
				return true
			}
		}
	}
	for i := 0; i+1 < len(clause); i++ {
		if longAgo[clause[i].w+" "+clause[i+1].w] {
			return true
		}
	}
	return false
}

// cleared reports whether the clause says a symptom went away, and not that it hasn't
// ("it hasn't gone down" is no relief).
func cleared(clause []token) bool {
	for i, t := range clause {
		next := ""
		if i+1 < len(clause) {
			next = clause[i+1].w
		}
		hit := clearedUp[t.w] || t.w == "gone" && i+1 == len(clause) || goneUp[t.w] && goneAfter[next] &&
			// "went down my neck" is a direction, not relief.
			(i+2 >= len(clause) || !direction[clause[i+2].w]) ||
			// "it oozed the first day and it's dried up now", "they popped and crusted over"
			t.w == "dried" && next == "up" || t.w == "crusted" && next == "over" ||
			// "they calmed down within an hour", "the pain eased off"; not "calming down",
			// which is still under way.
			(t.w == "calmed" || t.w == "died") && next == "down" || t.w == "eased" && (next == "off" || next == "down")
		if !hit {
			continue
		}
		for j := max(0, i-3); j < i; j++ {
			if negators[clause[j].w] || clause[j].w == "cannot" || clause[j].w == "wont" {
				return false
			}
		}
		return true
	}
	return false
}

// A phrase is a sequence of slots, each matching one of its words; a slot holding ""
// may be skipped, and "#" matches a number.
type phrase [][]string

func phraseOf(slots ...string) phrase {
	ph := make(phrase, len(slots))
	for i, s := range slots {
		ph[i] = strings.Split(s, "|")
	}
	return ph
}

// severeSigns need care whoever describes them, unless the message only asks about
// their risk ("can laser cause an infection?"): infection, fever, allergic reactions,
// breathing trouble, bleeding that will not stop. Words are matched one by one rather
// than with a regular expression: a long message is read in microseconds.
var severeSigns = append([]phrase{
	phraseOf("oozing|oozes|ooze|oozed|weeping|weeps|leaking|discharge|stinks|chills|shivering|shivery" +
		"|wheezy|wheeze|infection|infections|infected|infecting|hives|welts|streaking|wheezing|fainted|fainting"),
	phraseOf("cream|creamy|white|whitish", "coloured|colored", "stuff|fluid|liquid|goo|gunk|discharge"),
	phraseOf("burning", "up"),
	phraseOf("im", "shaking|shivering|shivery"),
	phraseOf("sweating|sweats|sweaty", "and", "freezing|shivering|cold|chills|shaking"),
	phraseOf("feel|feeling|feels|going", "hot", "and|then", "cold"),
	phraseOf("keeps|keep|kept", "bleeding|oozing|weeping|leaking"),
	phraseOf("allergic", "reaction"),
	phraseOf("hot", "to", "the|", "touch"),
	phraseOf("red|swollen|swelling|sore|hard|tender|puffy|inflamed", "and|", "hot"),
	phraseOf("hot", "and|", "red|swollen"),
	phraseOf("trouble|difficulty|struggling|cannot", "catching|catch", "my|", "breathe"),
	phraseOf("hard", "to", "catch", "my|", "breathe"),
	phraseOf("passed", "out"),
	phraseOf("gonna|about", "to|", "pass|faint", "out|"),
	phraseOf("feel|feeling", "faint|lightheaded"),
	phraseOf("wont|doesnt|cannot|not|never", "stop", "the|", "bleeding"),
	phraseOf("bleeding", "wont|doesnt|hasnt|heavily|nonstop"),
	phraseOf("bleeding", "a|that", "lot|wont"),
	phraseOf("open", "wound"),
	// "peeling off in raw patches": skin open like a wound.
	phraseOf("raw", "skin|flesh|patch|patches|wound|wounds|hole"),
}, strongSigns...)

// matchAt reports whether ph matches the unmasked words of ts from i on.
func (ph phrase) matchAt(ts []token, i int) bool {
	if len(ph) == 0 {
		return true
	}
	optional := false
	for _, w := range ph[0] {
		switch {
		case w == "":
			optional = true
		case i < len(ts) && !ts[i].masked && (w == ts[i].w || w == "#" && isNumber(ts[i].w)):
			if ph[1:].matchAt(ts, i+1) {
				return true
			}
		}
	}
	return optional && ph[1:].matchAt(ts, i)
}

func isNumber(w string) bool {
	for _, r := range w {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return w != ""
}

// bleedingGoesOn matches "bleeding for an hour and won't stop": bleeding, then within
// five words a refusal to stop.
func bleedingGoesOn(ts []token, i int) bool {
	if ts[i].w != "bleeding" {
		return false
	}
	for j := i + 1; j < len(ts)-1 && j <= i+6; j++ {
		if ts[j].masked {
			return false
		}
		if stopRefused[ts[j].w] && strings.HasPrefix(ts[j+1].w, "stop") {
			return true
		}
	}
	return false
}

var stopRefused = wordSet("wont", "doesnt", "hasnt", "isnt", "not", "never", "cannot")

// Swelling of the face, lips, eyes, tongue or throat is a sign of an allergic
// reaction.
var (
	swellWords = wordSet("swollen", "swelling", "swell", "swells", "swelled", "puffy", "puffed", "puffing", "ballooned")
	// Swollen glands (lymph nodes) behind the ears or in the neck are a sign of infection.
	faceWords = wordSet("face", "lip", "lips", "eye", "eyes", "eyelid", "eyelids", "tongue", "throat", "mouth", "cheeks",
		"cheek", "ear", "ears", "glands", "gland", "nodes", "lymph", "lid", "lids")
)

// "allergy prone", "allergy sufferer": a disposition, not a reaction.
var notAllergy = wordSet("to", "test", "tests", "testing", "patch", "check", "prone", "sufferer", "season", "tablets",
	"pills", "meds", "medicine", "medication")

// riskWords before a sign make the sentence a question about risk, not a report.
var riskWords = wordSet("odds", "cause", "causes", "trigger", "triggers", "risk", "risks", "chance", "chances",
	"prone", "avoid", "prevent", "preventing", "likely", "possible", "read", "reading", "heard", "hearing", "stories", "horror", "reviews")

// recogniseWords before a sign ask how to tell it is there.
var recogniseWords = wordSet("tell", "recognise", "recognize", "identify", "spotting")

// severeSign reports a sign of a complication in the sentence that is not only asked
// about as a risk.
func severeSign(ts []token, body bool) bool {
	for i, t := range ts {
		if !t.masked && !(ambiguous[t.w] && !body) && signAt(ts, i) && !aboutRisk(ts, i) && !clearFluid(ts, i) && !nearMiss(ts, i) {
			return true
		}
	}
	return false
}

// nearMiss reports a sign that did not happen: "I nearly passed out", "almost
// fainted".
func nearMiss(ts []token, i int) bool {
	return i > 0 && (ts[i-1].w == "nearly" || ts[i-1].w == "almost")
}

// namesOtherProcedure reports whether the message names a cosmetic procedure other
// than the removal: filler, botox, microblading, lip blush, eyeliner.
func namesOtherProcedure(all [][]token) bool { return namesAny(all, otherProcedureWords) }

// namesEyeSite reports whether the message names a treated site next to the eyes:
// brows or an eyeliner (removed or done).
func namesEyeSite(all [][]token) bool { return namesAny(all, eyeSites) }

// namesAny reports whether any word of the message, masked or not, is in words.
func namesAny(all [][]token, words map[string]bool) bool {
	for _, ts := range all {
		for _, t := range ts {
			if words[t.w] {
				return true
			}
		}
	}
	return false
}

var (
	eyeSites = wordSet("brow", "brows", "eyebrow", "eyebrows", "eyeliner", "lashline", "liner")
	eyeWords = wordSet("eye", "eyes", "eyelid", "eyelids", "lid", "lids")
)

var otherProcedureWords = wordSet("filler", "fillers", "botox", "microblading", "microbladed", "blush", "eyeliner",
	"injections", "injectables")

// strongSign reports a sign no ordinary healing shows (strongSigns, a high
// temperature) in the sentence, read as severeSign reads.
func strongSign(ts []token, body bool) bool {
	for i, t := range ts {
		if t.masked || ambiguous[t.w] && !body || !highTemperature(ts, i) && !strongAt(ts, i) {
			continue
		}
		if !aboutRisk(ts, i) && !clearFluid(ts, i) && !nearMiss(ts, i) {
			return true
		}
	}
	return false
}

// strongAt reports whether one of strongSigns starts at ts[i].
func strongAt(ts []token, i int) bool {
	for _, ph := range strongFrom[ts[i].w] {
		if ph[1:].matchAt(ts, i+1) {
			return true
		}
	}
	return false
}

// clearFluid reports whether the fluid at ts[i] is said to be clear: "weeping a
// little clear fluid", "a clear, slightly yellowish fluid" is the plasma of a healing
// wound, which the side-effects answer describes, not pus. A turn ("but", "now")
// between the two words speaks of a change, which stays a sign.
func clearFluid(ts []token, i int) bool {
	if !fluidWords[ts[i].w] {
		return false
	}
	for j := max(0, i-4); j < min(len(ts), i+5); j++ {
		if !clearWords[ts[j].w] {
			continue
		}
		for k := min(i, j) + 1; k < max(i, j); k++ {
			if fluidTurn[ts[k].w] {
				return false
			}
		}
		return true
	}
	return false
}

var (
	fluidWords = wordSet("oozing", "oozes", "ooze", "oozed", "weeping", "weeps", "leaking", "leaks", "discharge",
		"seeping", "seeps", "yellow", "yellowish", "fluid", "liquid")
	clearWords = wordSet("clear", "clearish", "plasma", "serum", "watery")
	fluidTurn  = wordSet("but", "now", "however", "then", "though", "although", "yet", "until", "turned", "turning")
)

// strongSigns are the severe signs that ordinary healing does not show: an
// infection's pus, coloured discharge and smell, a fever, an airway closing, eyes
// swollen shut, red streaks, fainting. Swollen lips, weeping, hives and an "infection" named
// are severe signs too, but ordinary healing or another cause shows them often
// enough that the model may veto them.
var strongSigns = []phrase{
	phraseOf("pus|pustule|pustules|abscess|cellulitis|sepsis|impetigo|anaphylaxis|anaphylactic|fever|feverish"),
	phraseOf("yellow|green|greenish|yellowish|greeny|cloudy", "coloured|colored|", "stuff|fluid|liquid|crust|crusts|crusty|goo|gunk|head|heads|discharge"),
	phraseOf("thick", "yellow|green|white|cream|creamy|", "stuff|goo|gunk|fluid|liquid|discharge"),
	phraseOf("smell|stink|stench|odour|odor", "coming", "off|from|out"),
	phraseOf("smell|smells", "bad|funny|weird|off|awful|horrible|rotten"),
	phraseOf("bad|awful|horrible|rotten|foul", "smell|smells|odour|odor|stink|stench"),
	phraseOf("high", "temperature"),
	phraseOf("red", "streak|streaks|line|lines|tracks|trails"),
	phraseOf("streak|streaks", "of", "red"),
	phraseOf("eye|eyes|eyelid|eyelids", "are|is|", "nearly|almost|half|swollen|puffed|puffing|puffy", "shut|closed"),
	phraseOf("cannot", "open", "my|", "left|right|", "eye|eyes|eyelid|eyelids"),
	phraseOf("cannot|trouble|hard|difficulty|struggling|unable", "to|", "swallow|swallowing"),
	phraseOf("breathing|breathe", "feels|is|feel|", "wheezy|tight|funny|weird|difficult|laboured|labored|heavy|strange"),
	phraseOf("cannot|not|trouble|difficulty", "breathe|breathing"),
	phraseOf("hard|struggling|struggle|unable", "to", "breathe|breathing"),
	phraseOf("short|shortness", "of", "breathe"),
	phraseOf("throat", "is|feels|went|gone|getting|feeling|", "scratchy|sore|", "and|", "tight|closing"),
	phraseOf("tight", "throat"),
	// Losing consciousness ("I passed out at home an hour after the session"); "I
	// nearly passed out from nerves" is a near miss (nearMiss).
	phraseOf("passed|blacked", "out"),
	phraseOf("fainted"),
}

// signAt reports whether a sign starts at ts[i], whatever the words around it.
func signAt(ts []token, i int) bool {
	if highTemperature(ts, i) || burnReport(ts, i) || bleedingGoesOn(ts, i) {
		return true
	}
	w, next := ts[i].w, ""
	if i+1 < len(ts) {
		next = ts[i+1].w
	}
	// "I'm allergic to penicillin" and "an allergy test" are not reactions;
	// "I think I'm allergic" and "allergy after the laser" may be.
	if (w == "allergic" || w == "allergy") && (disposition(ts, i) || askedWhether(ts, i)) {
		return false
	}
	if w == "allergic" && next != "to" || w == "allergy" && !notAllergy[next] {
		return true
	}
	for _, ph := range phrasesFrom[w] {
		if ph[1:].matchAt(ts, i+1) {
			return true
		}
	}
	return false
}

// disposition reports an allergy as the person's tendency: "prone to allergic
// reactions", "susceptible to allergic rashes".
func disposition(ts []token, i int) bool {
	for j := max(0, i-3); j < i; j++ {
		if proneWords[ts[j].w] {
			return true
		}
	}
	return false
}

// askedWhether reports a question whether something is an allergy, opening at most
// four words before it: "is that an allergy?", "could I be allergic?". The
// message's other words say whether it is a reaction (the model reads them; swollen
// lips or hives are signs of their own).
func askedWhether(ts []token, i int) bool {
	if !asked(ts) {
		return false
	}
	for j := i - 1; j >= 0 && j >= i-4; j-- {
		if ts[j].w == "," {
			return false
		}
		if whetherOpeners[ts[j].w] && (j == 0 || ts[j-1].w == ",") {
			return true
		}
	}
	return false
}

var whetherOpeners = wordSet("is", "am", "could", "can", "might", "would", "maybe", "possibly")

var proneWords = wordSet("prone", "susceptible", "tendency", "tend", "predisposed", "sensitive")

// faceSwelling reports swelling of the face, lips, eyes, tongue or throat; with
// eyeSite (the treatment was on the brows or the eyelids), not of the eyes, which
// swell with the treated skin: eyes swollen shut (strongSigns), swelling that grows
// or spreads (worsening) and the lips or throat still count.
func faceSwelling(ts []token, eyeSite bool) bool {
	for i, t := range ts {
		swell := swellWords[t.w] || (t.w == "blew" || t.w == "blown") && i+1 < len(ts) && ts[i+1].w == "up"
		if t.masked || !swell && !lipWords[t.w] || hypotheticalCue(ts, i) {
			continue
		}
		near := 4
		if !swell {
			// "lips went all big and tingly": closer than swelling.
			near = 3
		}
		for j := max(0, i-near); j < min(len(ts), i+near+1); j++ {
			if j == i || ts[j].masked || !faceWords[ts[j].w] || eyeSite && eyeWords[ts[j].w] || aboutRisk(ts, min(i, j)) {
				continue
			}
			// "lip filler", "eye cream": a procedure or product, not the body part.
			if j+1 < len(ts) && faceProduct[ts[j+1].w] {
				continue
			}
			if swell || mouthWords[ts[j].w] {
				return true
			}
		}
	}
	return false
}

var (
	// lipWords describe lips or a tongue that swell or tingle.
	lipWords    = wordSet("big", "bigger", "huge", "fat", "massive", "tingly", "tingling", "tingles", "thick")
	mouthWords  = wordSet("lip", "lips", "tongue", "mouth", "throat")
	faceProduct = wordSet("filler", "fillers", "blush", "injection", "injections", "flip", "lift", "liner", "cream",
		"creams", "mask", "tattoo", "gloss", "balm", "drops")
)

// aboutRisk reports whether the words just before ts[i] ask about its risk ("can
// laser cause", "what are the chances of", "how do I avoid", "set off").
func aboutRisk(ts []token, i int) bool {
	return askedAbout(ts, i, true)
}

// recognising reports whether the words around ts[i] ask how to recognise it: "what
// are the signs of infection?", "how do I know if it's infected?", "what does an
// allergic reaction look like?".
func recognising(ts []token, i int) bool {
	return askedAbout(ts, i, false)
}

// askedAbout reports whether ts[i] is asked about, as a risk if risk is set, or how
// to recognise it.
func askedAbout(ts []token, i int, risk bool) bool {
	// A risk word governs the next five words; "how can I tell if the area has got
	// infected" reaches further.
	for k := i - 1; k >= 0 && k >= i-7; k-- {
		w := ts[k].w
		if w == "," || w == "but" || w == "so" || w == "because" || w == "though" {
			return false
		}
		if k < i-5 && !recogniseWords[w] && !askingIf(ts, k) {
			continue
		}
		if risk && (riskWords[w] || k > 0 && ts[k-1].w == "set" && w == "off") || recogniseWords[w] || askingIf(ts, k) {
			return true
		}
		// "antibiotics to stop infection" prevents it; "how do I stop the infection"
		// has it.
		if risk && w == "stop" && k > 0 && ts[k-1].w == "to" {
			return true
		}
		// "did you guys get a fever after your sessions?" asks about others.
		if risk && w == "did" && k+1 < len(ts) && othersAsked[ts[k+1].w] {
			return true
		}
		// "how common are infections?", but "is it common to have pus?" reports it.
		if risk && frequency[w] && k > 0 && ts[k-1].w == "how" {
			return true
		}
		// "will I get a fever?", "can you get hives from it?"
		if risk && becoming[w] && (k > 0 && modal[ts[k-1].w] || k > 1 && modal[ts[k-2].w]) {
			return true
		}
		// "can the laser give you hives?" asks about a risk; "it gave me hives" reports.
		if risk && (w == "give" || w == "gives") && asked(ts) && modalWithin(ts, k, 3) {
			return true
		}
		// "is it dangerous if blisters get infected?" supposes; "is it normal if
		// there's pus?" and "if it has become infected" report.
		if risk && (becoming[w] || becomes[w]) && w != "have" && w != "be" && !(k > 0 && finite[ts[k-1].w]) && supposed(ts, k) {
			return true
		}
		// "the signs of infection", but not "I have signs of infection".
		if signWord[w] && !(k > 0 && reporting[ts[k-1].w] || k > 1 && reporting[ts[k-2].w]) {
			return true
		}
	}
	return lookLike(ts, i) || risk && (definition(ts, i) || possibleAfter(ts, i))
}

// modalWithin reports a modal verb ("can", "will") among the n words before ts[k].
func modalWithin(ts []token, k, n int) bool {
	for j := max(0, k-n); j < k; j++ {
		if modal[ts[j].w] {
			return true
		}
	}
	return false
}

// possibleAfter reports a sign asked about as a possibility, the word of chance
// after it: "is a fever possible after removal?", "are hives common after laser?".
// "is it common to have pus?" has the sign after it, and reports it.
func possibleAfter(ts []token, i int) bool {
	if !asked(ts) || len(ts) == 0 || ts[0].w != "is" && ts[0].w != "are" {
		return false
	}
	for k := i + 1; k < len(ts) && k <= i+3; k++ {
		if chanceWords[ts[k].w] {
			return true
		}
	}
	return false
}

var chanceWords = wordSet("possible", "likely", "unlikely", "rare", "common", "myth", "risk")

// supposed reports an "if" or "whether" among the six words before ts[k], in its
// clause.
func supposed(ts []token, k int) bool {
	for m := k - 1; m >= 0 && m >= k-6; m-- {
		if ts[m].w == "," {
			return false
		}
		if ts[m].w == "if" || ts[m].w == "whether" {
			return true
		}
	}
	return false
}

var becomes = wordSet("gets", "becomes", "develops", "turns", "turn")

// definition reports a sign named in a general statement: "pus is a sign of
// infection", "a fever means you should see a doctor".
func definition(ts []token, i int) bool {
	// "what temperature counts as a fever?"
	for j := i - 1; j >= 0 && j >= i-3; j-- {
		if ts[j].w == "counts" || ts[j].w == "considered" || ts[j].w == "define" {
			return true
		}
	}
	for j := i + 1; j < len(ts) && j <= i+3; j++ {
		if signWord[ts[j].w] || ts[j].w == "means" || ts[j].w == "mean" || ts[j].w == "counts" || ts[j].w == "considered" {
			return true
		}
	}
	return false
}

var (
	othersAsked = wordSet("you", "anyone", "anybody", "everyone", "people", "others", "yall")
	frequency   = wordSet("common", "often", "likely", "rare", "frequent", "usual", "many")
	becoming    = wordSet("get", "develop", "become", "catch", "have", "be")
	modal       = wordSet("will", "would", "can", "could", "might", "may", "gonna", "should")
	signWord    = wordSet("sign", "signs", "symptom", "symptoms")
	reporting   = wordSet("have", "has", "had", "got", "getting", "showing", "shows", "seeing", "see", "noticed", "noticing", "im", "ive")
	// An "if" after these asks what to do or how to tell, not whether it is
	// happening: "how do I know if it's infected", "what should I do if it gets
	// infected", "what if I get a fever". "Is it normal if there's pus?" reports it.
	ifAsks = wordSet("know", "tell", "do", "happens", "happen", "what", "case", "check", "expect")
)

// askingIf reports whether ts[k] is an "if" or "whether" that asks how to tell or what
// to do.
func askingIf(ts []token, k int) bool {
	if ts[k].w != "if" && ts[k].w != "whether" {
		return false
	}
	for j := k - 1; j >= max(0, k-3); j-- {
		if ifAsks[ts[j].w] {
			return true
		}
	}
	return false
}

// lookLike reports whether the sign at i is asked about: "what does an allergic
// reaction look like?".
func lookLike(ts []token, i int) bool {
	if len(ts) == 0 || ts[0].w != "what" && ts[0].w != "how" {
		return false
	}
	for j := i + 1; j+1 < len(ts) && j <= i+7; j++ {
		if (ts[j].w == "look" || ts[j].w == "looks") && ts[j+1].w == "like" {
			return true
		}
	}
	return false
}

// highTemperature matches a temperature of 38 °C (100 °F) or more: "my temperature has
// been 38.5", "temp is 39".
func highTemperature(ts []token, i int) bool {
	if ts[i].w != "temperature" && ts[i].w != "temp" && ts[i].w != "thermometer" {
		return false
	}
	for j := i + 1; j < len(ts) && j <= i+4; j++ {
		if ts[j].masked {
			return false
		}
		if n, err := strconv.Atoi(ts[j].w); err == nil {
			return n >= 38 && n <= 45 || n >= 100 && n <= 110
		}
		if !tempFiller[ts[j].w] {
			return false
		}
	}
	return false
}

// tempReading gives the number read as a temperature at a temperature or fever word:
// after it ("temperature of 37.8", "a slight fever, 37.5") or before it ("37.5
// temp", "37.8 degrees"). Only the integer part is read (decimalPoint split it).
func tempReading(ts []token, i int) (int, bool) {
	if !feverWords[ts[i].w] {
		return 0, false
	}
	for j := i + 1; j < len(ts) && j <= i+4; j++ {
		if n, ok := reading(ts[j].w); ok {
			return n, plausibleReading(n)
		}
		if !tempFiller[ts[j].w] && !readingFiller[ts[j].w] {
			break
		}
	}
	for j := i - 1; j >= 0 && j >= i-3; j-- {
		if n, ok := reading(ts[j].w); ok {
			if plausibleReading(n) {
				return n, true
			}
			continue // the decimals of "37.5 temp"
		}
		if !readingFiller[ts[j].w] {
			break
		}
	}
	return 0, false
}

// reading parses a token made of digits only, without strconv's error for a word
// (which allocates).
func reading(w string) (int, bool) {
	if w == "" || len(w) > 4 {
		return 0, false
	}
	n := 0
	for _, r := range w {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, true
}

func plausibleReading(n int) bool { return n >= 34 && n <= 45 || n >= 93 && n <= 110 }

func feverReading(n int) bool { return n >= 38 && n <= 45 || n >= 100 }

// lowReadingOnly reports whether a message gives a temperature, every reading of it
// under 38 °C (100 °F): "a cold, temperature of 37.8, blocked nose". A fever or a
// temperature named beside such a reading is the reading, no fever sign, whatever
// else is said around it.
func lowReadingOnly(all [][]token) bool {
	low := false
	for _, ts := range all {
		for i := range ts {
			n, ok := tempReading(ts, i)
			if !ok {
				continue
			}
			if feverReading(n) {
				return false
			}
			low = true
		}
	}
	return low
}

var (
	feverWords    = wordSet("temperature", "temp", "temps", "thermometer", "fever", "feverish", "degrees")
	readingFiller = wordSet(",", "slight", "low", "mild", "grade", "a", "of", "degrees", "c", "f", "celsius", "only", "just")
)

var tempFiller = wordSet("is", "was", "has", "been", "of", "at", "around", "about", "over", "reading", "a", "up", "to", "hit", "its",
	"says", "reads", "shows", "showed", "said")

// burnReport reports a burn from the treatment: "there's a burn on my crown", "got
// burned by the laser", "did they burn me?". A question about the risk ("can the
// laser burn the skin?"), a burning feeling ("it burns"), a sunburn and a burn
// without a treatment in the message ("a burn from a hot pan") are not.
func burnReport(ts []token, i int) bool {
	w := ts[i].w
	if w != "burn" && w != "burns" && w != "burned" && w != "burnt" || hypotheticalCue(ts, i) || modalStart[ts[0].w] {
		return false
	}
	prev, next := "", ""
	if i > 0 {
		prev = ts[i-1].w
	}
	if i+1 < len(ts) {
		next = ts[i+1].w
	}
	if burnNot[next] || i > 0 && ts[i-1].w == "like" || i > 1 && ts[i-2].w == "like" {
		// "burned out"; "does it feel like getting burned?"
		return false
	}
	if next == "by" && !treatmentNear(ts, i+2) {
		// "got burned by a cheap smp artist": cheated, not burnt.
		return false
	}
	switch {
	case w == "burned" || w == "burnt":
	case next == "me" || next == "my":
	case (w == "burn" || w == "burns") && burnNoun[prev]:
	default:
		return false
	}
	treatment := false
	for _, t := range ts {
		if t.masked {
			continue
		}
		if sunWords[t.w] {
			return false
		}
		treatment = treatment || treatmentWords[t.w]
	}
	return treatment
}

// treatmentNear reports a word of the treatment among the few from ts[i] on: "burned
// by the laser", "by the removal tech"; not "by a cheap smp artist".
func treatmentNear(ts []token, i int) bool {
	for j := i; j < len(ts) && j < i+4; j++ {
		if treatmentWords[ts[j].w] && ts[j].w != "smp" {
			return true
		}
	}
	return false
}

var (
	burnNot  = wordSet("out", "through", "money", "cash", "off", "away", "calories", "fat")
	burnNoun = wordSet("a", "the", "this", "that", "my", "his", "her", "bad", "big", "massive", "huge", "nasty", "real", "proper")
	// A question that opens with one of these asks whether the laser can burn, not
	// whether it did.
	modalStart     = wordSet("can", "could", "will", "would", "might", "may", "does", "do", "should", "is", "are")
	sunWords       = wordSet("sun", "sunbed", "sunburn", "sunburnt", "sunburned", "tanning", "sunbathing")
	treatmentWords = wordSet("laser", "lasered", "lazer", "lasering", "zap", "zapped", "zapping", "session", "treatment",
		"removal", "saline", "smp", "technician", "tech", "machine", "clinic")
)

// phrasesFrom and strongFrom index severeSigns and strongSigns by their first words
// (never optional).
var phrasesFrom, strongFrom = firstWords(severeSigns), firstWords(strongSigns)

func firstWords(phs []phrase) map[string][]phrase {
	m := map[string][]phrase{}
	for _, ph := range phs {
		for _, w := range ph[0] {
			m[w] = append(m[w], ph)
		}
	}
	return m
}

// severeKeys are the words that name a sign on their own, for telling whether a
// message names a symptom at all.
var severeKeys = wordSet(append(append(severeSigns[0][0], strongSigns[0][0]...), "reaction", "streaks", "bleeding", "breathe", "breathing")...)

// Ordinary after-effects, and the cues that they are getting worse or are severe.
var (
	mildWords = wordSet("red", "redness", "redder", "swelling", "swollen", "swelled", "puffy", "pain", "pains", "painful",
		"hurts", "hurt", "hurting", "sore", "soreness", "ache", "aches", "aching", "throbbing", "blister",
		"blisters", "rash", "rashes", "bleeding", "bleeds", "itching", "itchy", "itch", "tender", "bruising",
		"burning", "sting", "stings", "stinging", "inflamed", "welts", "lump", "lumps", "sores", "angry", "balloon", "ballooned",
		"ballooning")
	worseWords = wordSet("worse", "worsening", "worsened", "spreading", "spread", "spreads", "bigger",
		"larger", "growing", "grows", "grown", "increasing", "increased", "redder", "hotter", "creeping", "creeps", "crept",
		"expanding", "expanded", "expands", "doubled", "tripled", "angrier", "wider", "widening", "widens", "tighter")
	// Adjectives of degree describe the sign itself: "severe pain", "huge blisters".
	degreeWords = wordSet("severe", "extreme", "unbearable", "unbearably", "excruciating", "intense", "terrible",
		"agonizing", "agonising", "huge", "massive", "giant", "enormous")
	// Size words make blisters a worry, not other things: "a big blister", but "a big
	// deal".
	sizeWords = wordSet("big", "large")
	// A rash, blisters or itching over the body, not just the treated patch, is a sign
	// of an allergic reaction.
	bodyWide   = wordSet("rash", "rashes", "blister", "blisters", "itching", "itchy", "itch", "welts")
	bodyPhrase = wordSet("all over", "whole body", "my body", "my chest", "my arms", "my legs", "my back",
		"my stomach", "my face", "my neck", "my torso")
	// A cue after one of these is about what may happen, not what is happening: "is it
	// normal for swelling to get worse?", "will the redness spread?".
	hypothetical = wordSet("to", "can", "could", "will", "would", "might", "may", "does", "do", "should",
		"usually", "normally", "ever", "sometimes", "gonna", "if")
	// Words that make a cue about the pigment, not the skin: "the ink is spreading".
	inkWords = wordSet("ink", "inks", "pigment", "pigments", "dots", "dot", "smp", "tattoo", "hairline", "colour",
		"color", "shade", "micropigmentation")
)

// worsening reports whether an ordinary after-effect comes with a cue that it is
// getting worse, spreading or severe, within six words of it, or anywhere in the
// sentence when the cue is spreading onto the face or neck ("the redness that was
// only on the hairline has now spread across my whole forehead").
func worsening(ts []token) bool {
	if painRising(ts) {
		return true
	}
	for i, t := range ts {
		if t.masked || !mildWords[t.w] || painWords[t.w] && (raisedSetting(ts, i) || perSession(ts)) {
			continue
		}
		for j := range ts {
			near := j >= i-6 && j <= i+6
			if j == i || ts[j].masked || hypotheticalCue(ts, j) || pigmentCue(ts, i, j) || expectedDegree(ts, j) {
				continue
			}
			if near && cue(ts, i, j) || !near && j > i && (moving[ts[j].w] || spreadWords[ts[j].w]) && ontoElsewhere(ts, j) ||
				!near && j > i && keepsGrowing(ts, j) {
				return true
			}
		}
	}
	return false
}

// raisedSetting reports a pain told beside a setting of the machine, with nothing
// said of the days since: "it hurt more when they turned the setting up", "more
// painful at the higher level" compares the settings of one treatment, no
// after-effect getting worse.
func raisedSetting(ts []token, i int) bool {
	setting := false
	for j := max(0, i-8); j < len(ts) && j <= i+8; j++ {
		w := ts[j].w
		setting = setting || settingWords[w] ||
			turnWords[w] && (j+1 < len(ts) && ts[j+1].w == "up" || j+2 < len(ts) && ts[j+2].w == "up")
	}
	if !setting {
		return false
	}
	for _, t := range ts {
		if laterWords[t.w] {
			return false
		}
	}
	return true
}

var (
	settingWords = wordSet("setting", "settings", "level", "levels", "power", "intensity", "energy", "fluence", "joules",
		"strength", "wavelength")
	turnWords  = wordSet("turned", "turn", "turning", "turns", "cranked", "crank", "upped", "bumped", "put", "pushed")
	laterWords = wordSet("days", "weeks", "since", "now", "today", "yesterday", "hours", "still", "tonight", "morning")
)

// expectedDegree reports a word of degree in a question about what a treatment
// feels like, about no one's skin now: "is the pain intense?", "how severe is the
// pain with laser?". "is this severe pain normal?" and "my pain is unbearable, is
// that ok?" report one.
func expectedDegree(ts []token, j int) bool {
	if !degreeWords[ts[j].w] || !asked(ts) {
		return false
	}
	k := j
	for k > 0 && ts[k-1].w != "," {
		k--
	}
	if !questionStart[ts[k].w] || chatterOpener(ts, k) {
		return false
	}
	for ; k < len(ts) && ts[k].w != ","; k++ {
		if w := ts[k].w; firstPerson[w] || pointing[w] || nowWords[w] || otherPeople[w] {
			return false
		}
	}
	return true
}

// keepsGrowing reports "they keep spreading", "it keeps growing" at j: the sign
// named earlier in the sentence is getting worse, however far back it was named.
func keepsGrowing(ts []token, j int) bool {
	return (ts[j].w == "keep" || ts[j].w == "keeps") && j+1 < len(ts) && (ts[j+1].w == "spreading" || ts[j+1].w == "growing")
}

// spreadOn matches a sentence that says that what the one before described is getting
// worse: "is it meant to be this swollen? it has spread down to my eyes".
func spreadOn(ts, prev []token) bool {
	if len(ts) == 0 || !pronoun[ts[0].w] && !(len(ts) > 1 && pronoun[ts[1].w]) {
		return false
	}
	for _, t := range ts {
		if mildWords[t.w] || inkWords[t.w] {
			return false // the sentence has its own subject
		}
	}
	described, painOnly := false, true
	for _, t := range prev {
		if !t.masked && mildWords[t.w] {
			described = true
			painOnly = painOnly && painWords[t.w]
		}
	}
	if !described || painOnly && perSession(ts) {
		// "it hurt more than the first two. does it keep getting worse every
		// session?" compares the sessions' pain.
		return false
	}
	for j, t := range ts {
		if !t.masked && worseWords[t.w] && !hypotheticalCue(ts, j) {
			return true
		}
	}
	return false
}

var (
	moving    = wordSet("going", "moving", "travelling", "traveling", "heading", "running", "creeping", "spreading")
	elsewhere = wordSet("face", "eye", "eyes", "neck", "ear", "ears", "forehead", "cheek", "cheeks", "chest", "back",
		"shoulders", "shoulder", "arms", "jaw", "nose", "eyebrows", "eyebrow", "brow", "brows", "eyelid", "eyelids")
	onto = wordSet("onto", "into", "to", "towards", "toward", "down", "up", "over", "across", "through")
)

// fainter words say an after-effect is fading: "a bit paler every day".
var fainter = wordSet("less", "lighter", "paler", "fainter", "smaller", "faded", "fades")

var places = wordSet("where", "there", "here", "on", "over", "near", "around", "at", "in", "along", "closer", "nearer")

var pronoun = wordSet("it", "its", "this", "thats", "that")

// cue reports whether the word at j says that the symptom at i is getting worse,
// spreading or severe.
func cue(ts []token, i, j int) bool {
	w, next := ts[j].w, ""
	if j+1 < len(ts) {
		next = ts[j+1].w
	}
	switch {
	case (worseWords[w] || w == "more") && next == "than":
		// "worse than yesterday" is getting worse; "is laser worse than saline for
		// pain?" and "does it hurt more than the tattoo?" compare.
		return thanBefore(ts, j+2)
	case w == "more" && mildWords[next] && j+2 < len(ts) && ts[j+2].w == "than":
		// Likewise "more painful than yesterday", not "more painful than the SMP
		// itself".
		return thanBefore(ts, j+3)
	case worseWords[w] || degreeWords[w]:
		return true
	case sizeWords[w] && j == i-1 && (ts[i].w == "blister" || ts[i].w == "blisters"):
		return true
	case w == "worst":
		// "the worst pain", not "the worst part is the itching".
		return j == i-1
	case w == "everywhere" && bodyWide[ts[i].w]:
		// "a rash everywhere", not "blisters everywhere they lasered".
		return j+1 >= len(ts) || !treated[ts[j+1].w] && ts[j+1].w != "they"
	case bodyWide[ts[i].w] && bodyPhrase[w+" "+next]:
		return w != "all" || j+2 >= len(ts) || !treated[ts[j+2].w]
	case w == "more" && places[next]:
		// "hurts more where the skin is thin", "more on the crown": compares places.
		return false
	case w == "more":
		// "more and more", "more each day", "more swollen", "hurts more"; not "faded a
		// bit more every day".
		for k := j - 1; k >= max(0, j-3); k-- {
			if betterWords[ts[k].w] || fainter[ts[k].w] {
				return false
			}
		}
		return next == "and" || next == "each" || next == "every" || next == "by" || mildWords[next] ||
			j > 0 && (ts[j-1].w == "hurts" || ts[j-1].w == "hurting" || ts[j-1].w == "even")
	case w == "keeps" || w == "keep":
		return next == "getting" || next == "growing" || next == "spreading"
	case moving[w] || w == "towards" || w == "toward":
		return ontoElsewhere(ts, j)
	}
	return false
}

// thanBefore reports whether the comparison whose object starts at k is with an
// earlier time ("than yesterday", "than it was this morning"), not with another
// thing.
func thanBefore(ts []token, k int) bool {
	if k < len(ts) && norms[ts[k].w] {
		// "more blisters than usual after this session" compares with the norm.
		return false
	}
	if sessionObject(ts, k) {
		// "it hurt more than last time", "than my first session": a session compared
		// with another, not an after-effect growing.
		return false
	}
	for i := k; i < len(ts) && i <= k+2; i++ {
		if sinceWords[ts[i].w] {
			return true
		}
	}
	return false
}

// sessionObject reports a comparison's object, from k, that is another session:
// "last time", "the first session", "my previous treatment" (three words at most,
// no day or week named: "than the first day after the session" is a time).
func sessionObject(ts []token, k int) bool {
	found := false
	for i := k; i < len(ts) && i <= k+3; i++ {
		w := ts[i].w
		switch {
		case w == ",":
			return found
		case dayWords[w]:
			return false
		case w == "time" && i+1 < len(ts) && firstPerson[ts[i+1].w]:
			// "worse than last time I looked" compares the skin with itself.
			return false
		case sessionNouns[w] || w == "time" && i > k && ordinals[ts[i-1].w]:
			found = true
		case ordinals[w] && i+1 < len(ts) && (counts[ts[i+1].w] || isNumber(ts[i+1].w)):
			// "than the first two", "than the last one": the sessions before.
			found = true
		}
	}
	return found
}

// againstSession reports the pain at i compared with another session in its
// sentence: "the pain was much worse than last time".
func againstSession(ts []token, i int) bool {
	for j := max(0, i-8); j+1 < len(ts) && j <= i+8; j++ {
		if ts[j+1].w == "than" && (worseWords[ts[j].w] || ts[j].w == "more" || ts[j].w == "stronger" || ts[j].w == "harder") && sessionObject(ts, j+2) {
			return true
		}
		if j+2 < len(ts) && ts[j+2].w == "than" && ts[j].w == "more" && mildWords[ts[j+1].w] && sessionObject(ts, j+3) {
			return true
		}
	}
	return false
}

// perSession reports a sentence telling of each session, "every session", "each
// treatment", with nothing of the days after one: "will each session keep getting
// more painful?" compares the sessions.
func perSession(ts []token) bool {
	each := false
	for i, t := range ts {
		if laterWords[t.w] {
			return false
		}
		if (t.w == "each" || t.w == "every") && i+1 < len(ts) && (sessionNouns[ts[i+1].w] ||
			i+2 < len(ts) && sessionNouns[ts[i+2].w]) {
			each = true
		}
	}
	return each
}

var (
	ordinals     = wordSet("first", "last", "previous", "earlier", "other", "second", "third", "fourth")
	counts       = wordSet("one", "ones", "two", "three", "four", "five", "few", "couple")
	sessionNouns = wordSet("session", "sessions", "treatment", "treatments", "appointment", "sitting", "round", "visit")
	dayWords     = wordSet("day", "days", "week", "weeks", "morning", "night", "evening", "hour", "hours")
)

// painRising matches pain rated higher now than before: "the pain was a 3 after the
// session, now two days later it's an 8".
func painRising(ts []token) bool {
	pain, first, now := false, -1, false
	for _, t := range ts {
		if t.masked {
			continue
		}
		pain = pain || t.w == "pain" || t.w == "painful" || t.w == "hurts"
		now = now || t.w == "now" || t.w == "today"
		n, ok := reading(t.w)
		if !ok || n > 10 {
			continue
		}
		if first < 0 {
			first = n
		} else if now && n >= first+3 {
			return pain
		}
	}
	return false
}

// ontoElsewhere reports whether the word at j moves onto skin that was not treated:
// "going down my face towards my eyes", "spread across my whole forehead" ("going
// down" alone is relief).
func ontoElsewhere(ts []token, j int) bool {
	k := j + 1
	if w := ts[j].w; w != "towards" && w != "toward" {
		if k >= len(ts) || !direction[ts[k].w] && !onto[ts[k].w] || ts[k].w == "my" {
			return false
		}
		// "going down onto my cheek"
		for k++; k < len(ts) && onto[ts[k].w]; k++ {
		}
	}
	for k < len(ts) && (ts[k].w == "my" || ts[k].w == "the" || ts[k].w == "his" || ts[k].w == "her" || wholeWords[ts[k].w]) {
		k++
	}
	return k < len(ts) && elsewhere[ts[k].w]
}

var (
	spreadWords = wordSet("spread", "spreads", "moved", "crept", "travelled", "traveled")
	wholeWords  = wordSet("whole", "entire", "left", "right", "other", "upper", "lower")
)

var norms = wordSet("usual", "normal", "expected", "average", "most", "others", "everyone", "anyone")

var sinceWords = wordSet("yesterday", "before", "earlier", "day", "days", "morning", "night", "week", "last", "first", "ever",
	"it", "when", "this", "today", "started")

// treated words after "all over" keep a rash on the treated patch: "all over the
// treated area" is not the whole body.
var treated = wordSet("the", "treated", "area", "patch", "spot", "scalp", "head", "hairline", "it")

// hypotheticalCue reports whether the cue at j is governed by a modal or an
// infinitive within four words: "can it get worse", "for the swelling to get a bit
// worse".
func hypotheticalCue(ts []token, j int) bool {
	from := j - 4
	if degreeWords[ts[j].w] {
		from = j - 1
	}
	for k := j - 1; k >= max(0, from); k-- {
		if ts[k].w == "," || ts[k].w == "but" || ts[k].w == "so" || finite[ts[k].w] {
			// "what do I do, the redness keeps spreading"; "... the redness is spreading".
			return false
		}
		if !hypothetical[ts[k].w] {
			continue
		}
		// "what do I do the redness is spreading" asks what to do, not whether.
		if (ts[k].w == "do" || ts[k].w == "does") && k+1 < len(ts) && (ts[k+1].w == "i" || ts[k+1].w == "you" || ts[k+1].w == "we") {
			continue
		}
		// "started to spread", "seems to get worse" report what is happening.
		if ts[k].w == "to" && k > 0 && reportTo[ts[k-1].w] {
			continue
		}
		return true
	}
	// "can swelling after the laser spread to the forehead?": the question opens with
	// the modal, and no finite verb comes between ("can barely breathe and my face
	// feels swollen" is no question).
	if !asked(ts) || !modalStart[ts[0].w] || ts[0].w == "is" || ts[0].w == "are" ||
		(ts[0].w == "do" || ts[0].w == "does") && len(ts) > 1 && (ts[1].w == "i" || ts[1].w == "you" || ts[1].w == "we") {
		return false
	}
	for k := from - 1; k > 0; k-- {
		if ts[k].w == "," || ts[k].w == "but" || ts[k].w == "so" || finite[ts[k].w] {
			return false
		}
	}
	return true
}

// finite verbs between a modal and a cue make the cue a report: "can it be that the
// redness is spreading?".
var finite = wordSet("is", "are", "was", "were", "has", "have", "had", "keeps", "keep", "got", "gets", "its",
	"thats", "im", "ive", "feels", "looks", "seems", "went", "turned")

var reportTo = wordSet("start", "starts", "started", "starting", "begin", "begins", "began", "begun", "beginning",
	"continue", "continues", "continued", "continuing", "seems", "seem", "seemed", "appears", "appear",
	"appeared", "going", "used")

// pigmentCue reports whether the cue at j is about the pigment: an ink word closer to
// it than the symptom at i, just before it.
func pigmentCue(ts []token, i, j int) bool {
	for k := j - 1; k >= max(0, j-2); k-- {
		if k == i {
			return false
		}
		if inkWords[ts[k].w] {
			return true
		}
	}
	return false
}
