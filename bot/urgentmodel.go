package bot

import (
	"bytes"
	"cmp"
	_ "embed"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"

	"github.com/smpbot/smpbot/knowledge"
)

// The learned half of IsUrgent: a binary logistic regression over hashed word 1- and
// 2-grams (words the rules read as negated, past or hearsay count apart) and a few
// dense signals (groups of cue words: a question about what is normal, how long, a
// risk; someone else; now; a body, a thing, a limb). It is trained in process, once,
// from the examples in the repository (see urgentExamples), and reads a message as a
// whole and sentence by sentence. A message is urgent when the model says so, or when
// the rules do and the model does not strongly disagree. URGENT.md says why, with
// the numbers.

//go:embed testdata/urgent_pairs.jsonl
var urgentPairsJSONL []byte

// The dense features come first in the weight vector, the hashed n-grams after.
const (
	fRules  = iota // the rules flag the message (only with ruleFeats, which lost: URGENT.md)
	fSevere        // the rules found a severe sign, worsening, a spread (likewise)
	fWorse
	fSpread
	fSymptom   // names a symptom at all (MentionsSymptom)
	fSigns     // asks how to recognise a sign
	fQuestion  // a sentence is asked (ends with a question mark or opens like a question)
	fNormal    // asks whether something is normal, expected, ok
	fDuration  // asks how long
	fRisk      // asks about a risk or a cause
	fOther     // names someone else: a partner, a friend
	fNow       // now, today, since, still
	fNegated   // a negator
	fTreatment // names the treatment or the treated skin
	fBody      // names a body, a symptom or the treatment at all (bodyContext)
	fThing     // names an animal, a thing or a child (things)
	fLimb      // names a limb, gums or teeth
	fBetter    // says an after-effect is settling: going down, calmer, drying (course)
	fCare      // asks what to do for the skin: a cream, covering, the gym, a cap (course)
	fAhead     // speaks of a session ahead: the next one, booked (course)
	fElse      // names another procedure: microblading, filler, a transplant (course)
	fBody2     // names a sign of the whole body: fever, chills, throat, lips (course)
	fAtOnce    // places a reaction at once: straight after, the first night (course)
	fBias
	nDense
)

const (
	urgentHashBits = 16
	urgentFeatures = nDense + 1<<urgentHashBits
)

// urgentModelParams are the design's choices, fixed by cross-validation
// (TestUrgentDesigns; the alternatives are kept to reproduce the comparison).
type urgentModelParams struct {
	epochs     int
	rate       float64
	l2         float64
	threshold  float64 // the model flags above this probability
	ruleFeats  bool    // the rules' signals are features
	bigrams    bool
	cues       bool // the groups of cue words
	context    bool // body, thing and limb features
	course     bool // the groups telling expected healing from a spreading or systemic sign
	units      int  // read the whole message; 1: or its highest sentence; 2: or clause
	mixed      bool // train on messages joined to other questions too (withAsides)
	withRules  bool // the rules flag too, unless the model reads under veto
	veto       float64
	severeVeto float64 // the veto of a message with a severe sign (at most veto)
	strongVeto float64 // the veto of a message with a strong sign (ruleSignals.strong; at most severeVeto)
	vetoParts  bool    // the veto reads every sentence and clause (see read)
	careVeto   bool    // a question about care the rules do not flag is not urgent (careAsked)
	riskVeto   bool    // likewise a question about a risk (riskAsked)
	betterVeto bool    // likewise a message saying an after-effect is settling (settling)
	courseVeto bool    // likewise a question about how long it lasts or whether it will show (courseAsked)
	getVeto    bool    // likewise a question whether one can get something ("can you get X?", getAsked)
	steadyVeto bool    // likewise a message saying it is no worse, less than before or painless (steady)
	bodyVeto   bool    // likewise a message naming no body, symptom or treatment at all (bodyContext)
	// generalVeto: a general question (no one's skin, nothing now: generalQuestion)
	// is not urgent for a sign ordinary healing can show (not strong, no worsening).
	generalVeto bool
	worryVeto   bool // a message the rules do not flag asking whether to worry (worryAsked)
	// causeVeto: likewise a rash, hives or welts with an everyday cause, the
	// treatment not named or denied (otherCause)
	causeVeto bool
	// illnessVeto: likewise a message naming a common illness of its own, a cold or
	// the flu (ownIllness): its sore throat and aches are the illness's.
	illnessVeto bool
	recurVeto   bool // likewise an after-effect back after each session that settles each time (recurringSettles)
	// sessionPainVeto: likewise a message whose only symptom is the pain of a
	// session, at a setting or against another session (sessionPain).
	sessionPainVeto bool
	walkSeed        uint64 // varies the walk of training (the tests measure how much it moves)
	// textOrder: training walks the examples in an order drawn from their texts, not
	// their places, so an example added moves only itself in the walk.
	textOrder bool
	// textAsides: the question joined to each pair (withAsides), the join and which
	// comes first are drawn from the texts, so an FAQ phrasing added changes only the
	// joins it wins.
	textAsides bool
	average    int // the weights are the mean of the last average epochs' (0: the last epoch's)
}

var shippedUrgentParams = urgentModelParams{
	epochs: 60, rate: 0.2, l2: 1e-4, threshold: 0.6, bigrams: true, cues: true, context: true, course: true,
	units: 1, mixed: true, withRules: true, veto: 0.05, severeVeto: 0.05, strongVeto: 0, careVeto: true, riskVeto: true, betterVeto: true,
	steadyVeto: true, bodyVeto: true, generalVeto: true, worryVeto: true, causeVeto: true,
	illnessVeto: true, recurVeto: true, sessionPainVeto: true, textOrder: true, textAsides: true,
}

// urgentLearner is a trained model. Its zero value (no weights) defers to the rules.
type urgentLearner struct {
	p urgentModelParams
	w []float32
}

var (
	urgentOnce   sync.Once
	urgentShared *urgentLearner
)

// urgentModel returns the model trained on the repository's examples, training it on
// first use (0.3-0.4 s; NewFAQ calls it at start).
func urgentModel() *urgentLearner {
	urgentOnce.Do(func() {
		exs, err := urgentExamples()
		if err != nil {
			// The examples are embedded and tested; without them the rules decide.
			urgentShared = &urgentLearner{p: shippedUrgentParams}
			return
		}
		urgentShared = trainUrgent(exs, shippedUrgentParams)
	})
	return urgentShared
}

// urgentExample is a message and whether it describes a complication; group keeps
// the two messages of a pair in one cross-validation fold.
type urgentExample struct {
	text   string
	urgent bool
	group  int
	source string
	line   int // in urgent_pairs.jsonl, from 1
}

// urgentExamples gathers the training messages: the urgent pairs (complications and
// ordinary questions in the same words), the complications entry's phrasings that
// name a symptom (positive), every other entry's phrasings and the out-of-scope
// questions (negative).
func urgentExamples() ([]urgentExample, error) {
	entries, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		return nil, err
	}
	return urgentExamplesFrom(entries, knowledge.OutOfScope())
}

// urgentExamplesFrom gathers the training messages from the pairs, the FAQ entries
// and the out-of-scope questions given (the tests edit the FAQ's phrasings).
func urgentExamplesFrom(entries []knowledge.Entry, outOfScope []string) ([]urgentExample, error) {
	cases, err := ReadEvalCases(bytes.NewReader(urgentPairsJSONL))
	if err != nil {
		return nil, err
	}
	var exs []urgentExample
	group := 0
	for i, c := range cases {
		if c.Urgent {
			group++ // a complication opens a pair; the ordinary messages after it join it
			if !urgentRules(c.Q) && signsAfterTreatment(c.Q) {
				// "what are the signs of infection after laser?" describes nothing: the
				// handler flags it for the question it asks (SignsNotice), not IsUrgent.
				continue
			}
		}
		exs = append(exs, urgentExample{text: c.Q, urgent: c.Urgent, group: group, source: "pairs", line: i + 1})
	}
	// An FAQ phrasing or out-of-scope question is a group of its own, numbered from
	// its text: cross-validation's folds (group mod k) stay the same when a moderator
	// adds a phrasing, so comparing CV before and after an edit measures the edit.
	pairGroups := group
	textGroup := func(q string) int { return pairGroups + 1 + int(textKey(q)%(1<<30)) }
	for _, e := range entries {
		for _, q := range append([]string{e.Question}, e.Alternates...) {
			group = textGroup(q)
			if e.ID == UrgentEntryID {
				// "when to see a doctor after smp removal" asks; it describes nothing.
				if MentionsSymptom(q) {
					exs = append(exs, urgentExample{text: q, urgent: true, group: group, source: "faq"})
				}
				continue
			}
			exs = append(exs, urgentExample{text: q, group: group, source: "faq"})
		}
	}
	for _, q := range outOfScope {
		group = textGroup(q)
		exs = append(exs, urgentExample{text: q, group: group, source: "outofscope"})
	}
	return exs, nil
}

// features lists the active features of a message (each of value 1): the dense
// signals, then hashed word 1- and 2-grams of the sentences that are not small talk.
// A greeting before a message or thanks after it changes nothing. Masked words (read
// by the rules as negated, past, someone's hearsay) count as different words.
func (p urgentModelParams) features(all [][]token, rs ruleSignals, out []int32) []int32 {
	out = p.dense(all, rs, out)
	for _, ts := range all {
		if !chatter(ts) {
			out = p.grams(ts, out)
		}
	}
	return out
}

// dense lists the dense features of a message.
func (p urgentModelParams) dense(all [][]token, rs ruleSignals, out []int32) []int32 {
	if p.ruleFeats {
		if rs.any() {
			out = append(out, fRules)
		}
		if rs.severe {
			out = append(out, fSevere)
		}
		if rs.worse {
			out = append(out, fWorse)
		}
		if rs.spread {
			out = append(out, fSpread)
		}
	}
	var seen [nDense]bool
	mark := func(f int) {
		if !seen[f] {
			seen[f] = true
			out = append(out, int32(f))
		}
	}
	mark(fBias)
	for _, ts := range all {
		if chatter(ts) {
			continue
		}
		if p.cues && (asked(ts) || len(ts) > 0 && questionStart[ts[0].w]) {
			mark(fQuestion)
		}
		for i, t := range ts {
			w := t.w
			switch {
			case p.context && things[w]:
				mark(fThing)
			case p.context && limbs[w]:
				mark(fLimb)
			case !p.cues:
			case mildWords[w] || swellWords[w] || severeKeys[w]:
				mark(fSymptom)
			case normalWords[w]:
				mark(fNormal)
			case w == "long" && i > 0 && ts[i-1].w == "how" || w == "last" || w == "lasts":
				mark(fDuration)
			case riskWords[w]:
				mark(fRisk)
			case otherPeople[w]:
				mark(fOther)
			case nowWords[w]:
				mark(fNow)
			case negators[w]:
				mark(fNegated)
			case treatmentWords[w] || scalpWords[w]:
				mark(fTreatment)
			}
		}
	}
	if p.cues && asksSigns(all) {
		mark(fSigns)
	}
	if p.context && bodyContext(all) {
		mark(fBody)
	}
	if p.course {
		courseGroups(all, mark)
	}
	return out
}

// grams lists the hashed word 1- and 2-grams of a sentence or a clause.
func (p urgentModelParams) grams(ts []token, out []int32) []int32 {
	prev := "<s>"
	for _, t := range ts {
		w := t.w
		if w == "," {
			prev = ","
			continue
		}
		if t.masked {
			out = append(out, hashFeature("~", w))
		} else {
			out = append(out, hashFeature(w, ""))
		}
		if p.bigrams {
			out = append(out, hashFeature(prev, w))
		}
		prev = w
	}
	if p.bigrams && prev != "<s>" {
		out = append(out, hashFeature(prev, "</s>"))
	}
	return out
}

// courseGroups marks the groups of cue words that tell the expected course of
// healing ("it's going down already", "can I wear a cap?", "before my next session",
// "I had filler once") from a sign of the whole body ("chills", "my throat feels
// tight"); add may be called more than once for a group. The model weighs them.
func courseGroups(all [][]token, add func(int)) {
	for _, ts := range all {
		if chatter(ts) {
			continue
		}
		question := asked(ts) || len(ts) > 0 && questionStart[ts[0].w]
		if len(ts) > 0 && (ts[0].w == "will" || ts[0].w == "gonna") {
			add(fAhead)
		}
		for i, t := range ts {
			w, next := t.w, ""
			if i+1 < len(ts) {
				next = ts[i+1].w
			}
			switch {
			case betterWords[w] && !doubted(ts, i), downVerbs[w] && next == "down" && !doubted(ts, i):
				add(fBetter)
			case question && careWords[w]:
				add(fCare)
			case aheadWords[w]:
				add(fAhead)
			case otherProcedures[w]:
				add(fElse)
			case wholeBodySigns[w]:
				add(fBody2)
			case w == "immediately" || (w == "straight" || w == "right") && next == "after" ||
				w == "first" && (next == "night" || next == "day" || next == "evening") || w == "during":
				add(fAtOnce)
			}
		}
	}
}

// doubted reports whether the word at i is negated or set against: "not better",
// "worse instead of better", "worse than".
func doubted(ts []token, i int) bool {
	for j := max(0, i-2); j < i; j++ {
		if negators[ts[j].w] || ts[j].w == "instead" || ts[j].w == "of" {
			return true
		}
	}
	return i+1 < len(ts) && ts[i+1].w == "than"
}

var (
	betterWords = wordSet("calmer", "calmed", "calming", "settling", "easing", "eased", "fading", "faded", "flattening",
		"flattened", "improving", "improved", "drying", "dried", "shrinking", "subsiding", "better")
	downVerbs = wordSet("going", "gone", "went", "come", "coming", "calmed", "calm", "calms", "settled", "died", "dying")
	careWords = wordSet("tips", "ointment", "cream", "moisturise", "moisturize", "moisturiser", "moisturizer",
		"vaseline", "ice", "icing", "cover", "covered", "dressing", "bandage", "shower", "wash", "gym", "swim",
		"pool", "sauna", "sea", "sun", "cap", "hat", "shave", "dye", "pop", "sleep", "sleeping", "work")
	aheadWords      = wordSet("next", "booked", "upcoming", "beforehand")
	otherProcedures = wordSet("microblading", "microbladed", "brows", "filler", "fillers", "botox", "transplant",
		"photofacial", "microneedling", "waxing", "blush", "makeup", "piercing", "wart", "ipl", "peel", "dentist")
	wholeBodySigns = wordSet("fever", "feverish", "temperature", "temp", "chills", "shivery", "shivering",
		"shaking", "sweats", "sweating", "dizzy", "faint", "fainted", "breathe", "breathing", "wheezy", "wheezing",
		"swallow", "swallowing", "throat", "tongue", "lips", "eyelids", "hives", "welts", "flu", "vomiting",
		"nauseous", "racing", "lymph", "glands", "nodes")
)

var (
	questionStart = wordSet("is", "are", "can", "could", "will", "would", "does", "do", "should", "how", "what",
		"when", "why", "which", "whats", "hows", "am", "was", "did", "anyone", "has", "have")
	normalWords = wordSet("normal", "normally", "expected", "expect", "usual", "usually", "typical", "typically",
		"ok", "okay", "fine", "common", "standard", "meant", "supposed")
	otherPeople = wordSet("boyfriend", "girlfriend", "husband", "wife", "partner", "he", "hes", "his", "him", "she",
		"shes", "her", "son", "daughter", "brother", "sister", "dad", "father", "mum", "mom", "mother", "friend",
		"friends", "mate", "bf", "gf", "hubby", "fiance", "fiancee", "they", "theyre", "their", "gran", "granny", "grandma",
		"grandmother", "nan", "nana", "grandad", "grandpa", "grandfather", "uncle", "aunt", "auntie", "cousin")
	nowWords = wordSet("now", "today", "tonight", "currently", "still", "since", "yesterday", "keeps", "started",
		"starting", "suddenly", "hours", "morning")
	chatterWords = wordSet("in", "advance", "please", "pls", "plz")
)

// chatter reports whether a sentence is only small talk ("Hi there", "Thanks in
// advance!"), or has no words at all.
func chatter(ts []token) bool {
	for _, t := range ts {
		w := t.w
		if w == "," || w == "?" {
			continue
		}
		if !greetings[w] && !thanks[w] && !byes[w] && !acknowledgements[w] && !filler[w] && !chatterWords[w] {
			return false
		}
	}
	return true
}

// hashFeature maps a word or a pair of words to its weight's index (FNV-1a).
func hashFeature(a, b string) int32 {
	h := uint32(2166136261)
	for i := 0; i < len(a); i++ {
		h = (h ^ uint32(a[i])) * 16777619
	}
	if b != "" {
		h = (h ^ ' ') * 16777619
		for i := 0; i < len(b); i++ {
			h = (h ^ uint32(b[i])) * 16777619
		}
	}
	return int32(nDense + h&(1<<urgentHashBits-1))
}

// score is the model's probability that the message whose features are feats
// describes a complication.
func (m *urgentLearner) score(feats []int32) float64 {
	return sigmoid(m.sum(feats))
}

func (m *urgentLearner) sum(feats []int32) float64 {
	var z float64
	for _, f := range feats {
		z += float64(m.w[f])
	}
	return z
}

// rescale multiplies every weight by scale.
func (m *urgentLearner) rescale(scale float64) {
	for f := range m.w {
		m.w[f] *= float32(scale)
	}
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// urgent decides for a message read into sentences, with the rules' signals.
func (m *urgentLearner) urgent(all [][]token, rs ruleSignals) bool {
	if m.w == nil {
		return rs.any()
	}
	if m.p.vetoed(all, rs) {
		return false
	}
	prob, part := m.read(all, rs)
	return m.p.decide(prob, part, rs)
}

// asksIfNormal reports whether a sentence of the message asks whether something is
// normal or to be expected: "10 days on it's still a bit red, is that normal
// healing?" asks what the side-effects answer tells, with when to see a doctor. A
// question is often typed without its question mark
// ("my hairline has puffed up and gone pink, is this expected"): a clause opening
// like a question (at the sentence's start or after a comma) asks too, for the
// words after its opener.
func asksIfNormal(all [][]token) bool {
	return asksAbout(all, normalWords)
}

// careAsked reports whether a message asks what to do for the skin (a cream, a
// dressing, washing, the gym): the careVeto.
func careAsked(all [][]token) bool {
	return asksAbout(all, careAsks)
}

// careAsks are the care words that ask what to do for the skin in a question:
// not "cover" ("which topics do you cover?") or "work" ("will it work?").
var careAsks = wordSet("tips", "ointment", "cream", "moisturise", "moisturize", "moisturiser", "moisturizer",
	"vaseline", "ice", "icing", "dressing", "bandage", "shower", "wash", "gym", "swim", "pool", "sauna", "sea", "sun",
	"cap", "hat", "shave", "dye", "pop", "sleep", "sleeping")

// riskAsked reports whether a message asks about a risk or whether something is
// safe ("is it dangerous if blisters get infected?", "what temperature counts as a
// fever?"): the riskVeto.
func riskAsked(all [][]token) bool {
	return asksAbout(all, riskAsks)
}

var riskAsks = wordSet("odds", "safe", "safely", "dangerous", "danger", "risk", "risks", "risky", "chance", "chances",
	"likely", "possible", "cause", "causes", "prone", "prevent", "avoid", "counts")

// settling reports whether a message says an after-effect is settling ("it's calmed
// down since", "already going down"): the betterVeto.
func settling(all [][]token) bool {
	return unreversed(all, func(ts []token, i int) bool {
		w, next := ts[i].w, ""
		if i+1 < len(ts) {
			next = ts[i+1].w
		}
		return betterWords[w] && !doubted(ts, i) || downVerbs[w] && next == "down" && !doubted(ts, i)
	})
}

// unreversed reports whether a word of the message matches, with no reversal after
// the first match: "it was calming down but this morning ...": what follows decides.
func unreversed(all [][]token, match func(ts []token, i int) bool) bool {
	found := false
	for _, ts := range all {
		for i, t := range ts {
			switch {
			case match(ts, i):
				found = true
			case found && reversal[t.w] && !trailingYet(ts, i):
				return false
			}
		}
	}
	return found
}

var reversal = wordSet("but", "until", "again", "suddenly", "yet", "however", "except")

// trailingYet reports a "yet" that ends its clause: "it just hasn't settled yet" says
// the after-effect is not over, no turn ("yet this morning it's hot" is one).
func trailingYet(ts []token, i int) bool {
	return ts[i].w == "yet" && (i+1 == len(ts) || ts[i+1].w == "," || ts[i+1].w == "?")
}

// courseAsked reports whether a message asks about the course of an after-effect:
// how long it lasts, whether it will still show, fade or heal ("will my scalp still
// be red by monday?", "how long do the blisters hang around?"). The side-effects and
// healing answers tell that, with when to see a doctor: the courseVeto.
func courseAsked(all [][]token) bool {
	for _, ts := range all {
		for i := 1; i < len(ts); i++ {
			// "how long", in a question or not ("how long till it goes").
			if ts[i].w == "long" && ts[i-1].w == "how" {
				return true
			}
		}
	}
	return asksAbout(all, courseAsks)
}

// courseAsks are the words of a question about the course: "show", "fade", "last"
// (not "still": "is that still healing?" asks about a pain that grew).
var courseAsks = wordSet("show", "visible", "noticeable", "notice", "fade", "fades", "last", "lasts",
	"linger", "flatten", "permanent", "forever", "stay", "stays", "back", "eventually", "even", "clear")

// getAsked reports whether a message asks whether one can get something, a general
// question about a risk ("can you get an infection after tattoo removal?", "could I
// end up with a scar?"): the getVeto.
func getAsked(all [][]token) bool {
	for _, ts := range all {
		if !asked(ts) {
			continue
		}
		for i := 0; i+1 < len(ts); i++ {
			if genericSubjects[ts[i].w] && getVerbs[ts[i+1].w] {
				return true
			}
		}
	}
	return false
}

var (
	genericSubjects = wordSet("you", "u", "i", "people", "someone", "anyone", "one", "to")
	getVerbs        = wordSet("get", "develop", "catch", "end")
)

// steady reports whether a message says the after-effect is no worse, less than
// before or painless ("not spreading", "less than yesterday", "doesn't really
// hurt"), with no reversal after, as for settling: the steadyVeto.
func steady(all [][]token) bool {
	return unreversed(all, func(ts []token, i int) bool {
		w := ts[i].w
		return lessWords[w] && i+1 < len(ts) && ts[i+1].w == "than" || w == "painless" ||
			(worseWords[w] || painWords[w]) && negatedBefore(ts, i)
	})
}

// negatedBefore reports whether one of the three words before i is a negator:
// "not spreading", "doesn't really hurt", "no worse".
func negatedBefore(ts []token, i int) bool {
	for j := max(0, i-3); j < i; j++ {
		if ts[j].w == "," {
			return false
		}
		if negators[ts[j].w] {
			return true
		}
	}
	return false
}

var (
	lessWords = wordSet("less", "smaller", "fewer", "lighter", "paler", "flatter", "milder")
	painWords = wordSet("hurt", "hurts", "hurting", "pain", "painful", "sore", "throbbing")
)

// noFever reports whether a message gives a temperature under 38 °C ("my
// temperature was 36.8 this morning, all good"): a reading of no fever, whatever the
// model makes of the word "temperature".
func noFever(all [][]token) bool {
	return lowReadingOnly(all)
}

// vetoed reports whether a message is not urgent whatever the model reads: one the
// rules do not flag (they read worsening, spreading and the severe signs even in a
// question) that asks what is normal, gives a normal temperature, or, with the
// design's switches, asks about care, a risk or the course, or says it is settling
// or steady. Such a message gets the side-effects answer, which says when to see a
// doctor.
func (p urgentModelParams) vetoed(all [][]token, rs ruleSignals) bool {
	if p.generalVeto && rs.severe && !rs.strong && !rs.worse && !rs.spread && generalQuestion(all) {
		return true
	}
	if p.recurVeto && rs.any() && !rs.strong && !rs.spread && recurringSettles(all) && !happeningNow(all) && signsInStory(all) &&
		!namesAny(all, mouthWords) && (!rs.worse || !readRules(withoutDegree(all)).worse) {
		// A reaction that came after every session and settled each time, nothing
		// happening now: the person's known course, asked about before the next
		// session ("prone to allergies, my eyelids get puffy for a few days after each
		// session, then it goes down"), however bad it was ("the itch is terrible").
		// Not lips, tongue, mouth or throat: a reaction there, even one that
		// settled, can close the airway next time, so it sees a doctor before the
		// next session.
		return true
	}
	if rs.any() {
		return false
	}
	if p.sessionPainVeto && sessionPain(all) {
		return true
	}
	return asksIfNormal(all) || noFever(all) || p.careVeto && careAsked(all) || p.riskVeto && riskAsked(all) ||
		p.betterVeto && settling(all) || p.courseVeto && courseAsked(all) ||
		p.getVeto && getAsked(all) || p.steadyVeto && steady(all) || p.bodyVeto && !bodyContext(all) ||
		p.worryVeto && worryAsked(all) || p.causeVeto && otherCause(all) ||
		p.illnessVeto && ownIllness(all) || p.recurVeto && recurringSettles(all)
}

// recurringSettles reports an after-effect that comes back after each session and
// settles each time: "itchy and puffy for a few days after every session, then it
// settles". One that did something new this time ("but this time...", "until")
// does not.
func recurringSettles(all [][]token) bool {
	recurs, settles := false, false
	for _, ts := range all {
		for i, t := range ts {
			w, next := t.w, ""
			if i+1 < len(ts) {
				next = ts[i+1].w
			}
			switch {
			case recurWord(ts, i):
				recurs = true
			case w == "this" && next == "time", w == "until", w == "suddenly", w == "however",
				w == "but" && (next == "now" || next == "this" || next == "today"),
				worseWords[w] && !t.masked && !negatedBefore(ts, i):
				// A turn this time, or a course that grows ("worse each time"), is
				// no known course.
				return false
			case settleWord(ts, i):
				settles = true
			}
		}
	}
	return recurs && settles
}

// recurWord reports a word at i telling that something comes back each time: "every
// session", "each time", "always", "after my sessions".
func recurWord(ts []token, i int) bool {
	w, next := ts[i].w, ""
	if i+1 < len(ts) {
		next = ts[i+1].w
	}
	return (w == "each" || w == "every" || w == "both" || w == "all") && (next == "time" || sessionAhead(ts, i)) ||
		w == "always" || sessionsPlural[w] && sessionBehind(ts, i)
}

// settleWord reports a word at i telling that an after-effect settles: "settles",
// "goes down", "went away", "back to normal".
func settleWord(ts []token, i int) bool {
	w, next := ts[i].w, ""
	if i+1 < len(ts) {
		next = ts[i+1].w
	}
	return (settleWords[w] || (downVerbs[w] || w == "goes") && next == "down" || awayVerbs[w] && next == "away" ||
		w == "back" && next == "to" && i+2 < len(ts) && ts[i+2].w == "normal") && !doubted(ts, i)
}

// signsInStory reports whether every sentence naming a sign tells it as part of the
// recurrence: with a word that it comes back or that it settles. "my eyelids swell
// after every session and then it goes down. my lips are swollen" names a sign
// outside it.
func signsInStory(all [][]token) bool {
	for _, ts := range all {
		sign, story := false, false
		for i, t := range ts {
			sign = sign || !t.masked && (mildWords[t.w] || swellWords[t.w] || severeKeys[t.w])
			story = story || recurWord(ts, i) || settleWord(ts, i)
		}
		if sign && !story {
			return false
		}
	}
	return true
}

// sessionAhead reports a session word within four words after i: "each of my last
// two laser sessions", "every session".
func sessionAhead(ts []token, i int) bool {
	for j := i + 1; j < len(ts) && j <= i+4; j++ {
		if ts[j].w == "," {
			return false
		}
		if sessionWords[ts[j].w] {
			return true
		}
	}
	return false
}

// sessionBehind reports sessions in the plural after a word of sequence within
// four words before them: "after my sessions", "the last three treatments".
func sessionBehind(ts []token, i int) bool {
	for j := i - 1; j >= 0 && j >= i-4; j-- {
		if ts[j].w == "," {
			return false
		}
		if sequenceWords[ts[j].w] {
			return true
		}
	}
	return false
}

var (
	sessionsPlural = wordSet("sessions", "treatments", "appointments", "sittings", "rounds")
	sequenceWords  = wordSet("after", "following", "last", "previous", "past", "both", "all", "each", "every")
	sessionWords   = wordSet("session", "sessions", "treatment", "treatments", "appointment", "sitting", "round", "laser")
	settleWords    = wordSet("settles", "settle", "settled", "settling", "calms", "subsides", "subside", "clears",
		"resolves", "disappears", "disappear", "fades", "fade", "flatten", "flattens")
	awayVerbs = wordSet("go", "goes", "went", "gone", "fades", "fade", "wears", "wear")
)

// generalQuestion reports whether every sentence of a message asks a question, about
// nobody's skin in particular and nothing happening now: "is swelling around the
// eyes a normal thing after laser on the forehead?", "what happens if a scab gets
// infected?". No one, the writer or another, is named ("I", "my", "his"), no
// "now", "today" or "still", nothing pointed at ("this", "these").
func generalQuestion(all [][]token) bool {
	asks := false
	for _, ts := range all {
		if chatter(ts) {
			continue
		}
		// A question opens like one: "open sores that keep leaking, two weeks after
		// the laser?" reports with a question mark.
		if len(ts) == 0 || !questionStart[ts[0].w] || chatterOpener(ts, 0) {
			return false
		}
		asks = true
		for _, t := range ts {
			if firstPerson[t.w] || ourWords[t.w] || otherPeople[t.w] || nowWords[t.w] || pointing[t.w] {
				return false
			}
		}
	}
	return asks
}

var (
	ourWords = wordSet("we", "our", "us", "ours")
	pointing = wordSet("this", "these", "here", "thats", "keep")
)

// worryAsked reports whether a message asks whether to worry ("should I be worried?",
// "anything to worry about?"): the side-effects answer says what is normal and when
// to see a doctor (the worryVeto).
func worryAsked(all [][]token) bool {
	return asksAbout(all, worryAsks)
}

var worryAsks = wordSet("worried", "worry", "worrying", "concerned", "concern", "concerning", "alarmed", "panic")

// asksAbout reports whether a sentence of the message asks a question holding one
// of words.
func asksAbout(all [][]token, words map[string]bool) bool {
	for _, ts := range all {
		q := asked(ts)
		for i, t := range ts {
			if (i == 0 || ts[i-1].w == ",") && questionStart[t.w] && !chatterOpener(ts, i) {
				q = true
			}
			if q && words[t.w] {
				return true
			}
			if t.w == "," && !asked(ts) {
				q = false
			}
		}
	}
	return false
}

// chatterOpener reports whether the question word at i opens no question: "do"
// and "have" start commands and statements as often ("have had it for years").
func chatterOpener(ts []token, i int) bool {
	return statementOpeners[ts[i].w] && (i+1 >= len(ts) || !askedSubjects[ts[i+1].w])
}

var (
	statementOpeners = wordSet("have", "has", "do", "did", "was")
	askedSubjects    = wordSet("you", "it", "this", "that", "anyone", "they")
)

// decide flags a message the model reads at prob (its most worrying part at part),
// with what the rules found in it. A severe sign the rules read (pus, a fever,
// swollen eyes) is vetoed only under severeVeto.
func (p urgentModelParams) decide(prob, part float64, rs ruleSignals) bool {
	if !p.vetoParts {
		part = prob
	}
	veto := p.veto
	if rs.severe {
		veto = min(veto, p.severeVeto)
	}
	if rs.strong {
		veto = min(veto, p.strongVeto)
	}
	return prob > p.threshold || p.withRules && rs.any() && part >= veto
}

// read gives the model's probability for a message read into sentences: with
// p.units, the highest of the whole message's and of each sentence's, read with the
// whole message's dense features, since one sentence describing a complication makes
// a message urgent whatever else it asks ("how long until I can swim? the blisters
// are getting bigger"). part is the highest of those and of each clause's (between
// commas): "my scalp has pus and a fever, also how much does removal cost?" has a
// worrying part although most words of cost speak against a complication.
func (m *urgentLearner) read(all [][]token, rs ruleSignals) (prob, part float64) {
	var buf [256]int32
	dense := m.p.dense(all, rs, buf[:0])
	grams := buf[len(dense):len(dense)]
	base := m.sum(dense)
	z := base
	for _, ts := range all {
		if !chatter(ts) {
			z += m.sum(m.p.grams(ts, grams))
		}
	}
	zPart := z
	for _, ts := range all {
		if chatter(ts) {
			continue
		}
		if m.p.units > 0 {
			z = max(z, base+m.sum(m.p.grams(ts, grams)))
		}
		zPart = max(zPart, z)
		start := 0
		for i := 0; i <= len(ts); i++ {
			if i < len(ts) && ts[i].w != "," {
				continue
			}
			if start > 0 || i < len(ts) {
				zc := base + m.sum(m.p.grams(ts[start:i], grams))
				zPart = max(zPart, zc)
				if m.p.units > 1 {
					z = max(z, zc)
				}
			}
			start = i + 1
		}
	}
	return sigmoid(z), sigmoid(zPart)
}

// probability is the model's probability for text (for tests and the CV harness).
func (m *urgentLearner) probability(text string) float64 {
	all := sentenceTokens(text)
	prob, _ := m.read(all, readRules(all))
	return prob
}

// flags is IsUrgent with this model (for the CV harness).
func (m *urgentLearner) flags(text string) bool {
	all := sentenceTokens(text)
	return m.urgent(all, readRules(all))
}

// withAsides adds to the examples each message of the pairs joined to an FAQ or
// out-of-scope question, keeping its label: "my scalp has pus and a fever, also how
// much does removal cost?" is urgent, although most questions on cost are not. Without
// them the model learns that the words of every other topic speak against a
// complication.
func withAsides(exs []urgentExample, byText bool) []urgentExample {
	var others []string
	var keys []uint64
	for _, e := range exs {
		if e.source != "pairs" && !e.urgent {
			others = append(others, e.text)
			keys = append(keys, textKey(e.text))
		}
	}
	if len(others) == 0 {
		return exs
	}
	out := append([]urgentExample(nil), exs...)
	joins := []string{". ", ", also ", " and ", "? "}
	for i, e := range exs {
		if e.source != "pairs" {
			continue
		}
		aside := others[(i*7919)%len(others)]
		join, front := joins[i%len(joins)], i%3 == 0
		if front {
			join = joins[(i+1)%len(joins)]
		}
		if byText {
			// The aside scoring highest with this message (rendezvous hashing): an
			// FAQ phrasing added takes over only the joins it wins.
			k := textKey(e.text)
			best := uint64(0)
			for j, ka := range keys {
				if r := mix64(k ^ ka); r >= best {
					best, aside = r, others[j]
				}
			}
			join, front = joins[mix64(k+1)%uint64(len(joins))], mix64(k+2)%3 == 0
		}
		text := e.text + join + aside
		if front {
			text = aside + join + e.text
		}
		out = append(out, urgentExample{text: text, urgent: e.urgent, group: e.group, source: "aside"})
	}
	return out
}

// withParts adds to the examples every sentence (units 1) and clause (units 2) of
// the ordinary messages, as ordinary too: the model reads the parts of a message on
// their own (see read), so it learns that "it's a bit pink today but otherwise fine"
// is no complication however it ends. A complication's parts are not all
// complications, so they are not added.
func withParts(exs []urgentExample, units int) []urgentExample {
	out := append([]urgentExample(nil), exs...)
	for _, e := range exs {
		if e.urgent {
			continue
		}
		var parts []string
		for _, s := range sentences(e.text) {
			if chatter(tokens(s)) {
				continue
			}
			parts = append(parts, s)
			if units > 1 {
				if cs := strings.Split(s, ","); len(cs) > 1 {
					parts = append(parts, cs...)
				}
			}
		}
		if len(parts) < 2 {
			continue
		}
		for _, s := range parts {
			out = append(out, urgentExample{text: s, group: e.group, source: e.source + "-part"})
		}
	}
	return out
}

// trainUrgent fits the logistic regression by stochastic gradient descent in a fixed
// order (the same weights every time), each class weighing the same in total.
func trainUrgent(exs []urgentExample, p urgentModelParams) *urgentLearner {
	m := &urgentLearner{p: p, w: make([]float32, urgentFeatures)}
	if p.mixed {
		exs = withAsides(exs, p.textAsides)
	}
	if p.units > 0 || p.vetoParts {
		units := p.units
		if p.vetoParts {
			units = 2 // the veto reads clauses
		}
		exs = withParts(exs, units)
	}
	feats := make([][]int32, len(exs))
	var pos int
	for i, e := range exs {
		all := sentenceTokens(e.text)
		feats[i] = p.features(all, readRules(all), nil)
		if e.urgent {
			pos++
		}
	}
	if pos == 0 || pos == len(exs) {
		return m
	}
	wPos := float64(len(exs)) / (2 * float64(pos))
	wNeg := float64(len(exs)) / (2 * float64(len(exs)-pos))
	order := make([]int, len(exs))
	for i := range order {
		order[i] = i
	}
	var keys, rank []uint64
	if p.textOrder {
		keys, rank = make([]uint64, len(exs)), make([]uint64, len(exs))
		for i, e := range exs {
			keys[i] = textKey(e.source + "\x00" + e.text)
		}
	}
	rng := rand.New(rand.NewPCG(1+p.walkSeed, 2))
	var avg []float64
	if p.average > 1 {
		avg = make([]float64, len(m.w))
	}
	// L2 shrinks every weight at every step: the weights are kept divided by a
	// common scale, so a step touches only the message's features.
	scale := 1.0
	for epoch := 0; epoch < p.epochs; epoch++ {
		if p.textOrder {
			salt := mix64(uint64(epoch+1)*0x9e3779b97f4a7c15 + p.walkSeed)
			for i := range order {
				order[i], rank[i] = i, mix64(keys[i]^salt)
			}
			// Ties (the same text twice) keep their places.
			slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rank[a], rank[b]) })
		} else {
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		}
		rate := p.rate / (1 + float64(epoch)*0.1)
		if avg != nil && epoch > p.epochs-p.average {
			for f, w := range m.w {
				avg[f] += float64(w) * scale
			}
		}
		for _, i := range order {
			fs := feats[i]
			prob := sigmoid(scale * m.sum(fs))
			y, cw := 0.0, wNeg
			if exs[i].urgent {
				y, cw = 1, wPos
			}
			g := float32(rate * cw * (y - prob) / scale)
			for _, f := range fs {
				m.w[f] += g
			}
			if scale *= 1 - rate*p.l2; scale < 1e-3 {
				m.rescale(scale)
				scale = 1
			}
		}
	}
	m.rescale(scale)
	if avg != nil {
		for f, w := range m.w {
			m.w[f] = float32((avg[f] + float64(w)) / float64(p.average))
		}
	}
	return m
}

// textKey is a key drawn from a text alone (FNV-1a).
func textKey(s string) uint64 {
	k := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		k = (k ^ uint64(s[i])) * 1099511628211
	}
	return k
}

// mix64 is splitmix64's finaliser: keys that differ in a bit differ everywhere.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// happeningNow reports a word placing the message's after-effect now: "now",
// "today", "still", "since", "started" (nowWords).
func happeningNow(all [][]token) bool {
	for _, ts := range all {
		for _, t := range ts {
			if nowWords[t.w] && !t.masked {
				return true
			}
		}
	}
	return false
}

// sessionPain reports a message whose only symptom is the pain of a session: pain
// told beside a setting of the machine or compared with another session ("they went
// up a level and it hurt much more than last time"), nothing said of the days since,
// no other after-effect named. How much a session hurts is the laser-pain answer's;
// pain that grows in the days after is read by the rules.
func sessionPain(all [][]token) bool {
	pain := false
	for _, ts := range all {
		for i, t := range ts {
			w := t.w
			switch {
			case sinceSession[w]:
				return false
			case painWords[w] || w == "painful" || w == "stung" || w == "sting" || w == "stings" || w == "stinging":
				if !raisedSetting(ts, i) && !againstSession(ts, i) && !perSession(ts) {
					return false
				}
				pain = true
			case mildWords[w] || swellWords[w] || severeKeys[w]:
				return false
			}
		}
	}
	return pain
}

// sinceSession are words telling of the days after a session.
var sinceSession = wordSet("days", "weeks", "since", "now", "yesterday", "hours", "still", "tonight", "later")

// withoutDegree is a copy of a message with its words of degree masked ("the itch is
// terrible"): what the rules read in it besides how bad something was.
func withoutDegree(all [][]token) [][]token {
	out := make([][]token, len(all))
	for i, ts := range all {
		out[i] = append([]token(nil), ts...)
		for j := range out[i] {
			if degreeWords[out[i][j].w] {
				out[i][j].masked = true
			}
		}
	}
	return out
}
