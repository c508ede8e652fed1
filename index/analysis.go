package index

import (
	"strings"
	"unicode"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	unicodetok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/analysis/tokenmap"
	"github.com/blevesearch/bleve/v2/mapping"
)

const (
	analyzerName  = "smp_en"
	termsAnalyzer = "smp_terms" // queries: terms analysed already, only split
	synonymSource = "smp_synonyms"
	synonymColl   = "smp"
)

// phrases are rewritten before analysis, in both indexing and queries, so that a
// multi-word name becomes the one token its synonyms are defined on (bleve's synonyms
// are single tokens only). The rewrite works on words in Go: as bleve regexp char
// filters, the same rewrites took most of a search's time.
var phrases = phraseTable(
	[]string{"smp", "scalp", "micro", "pigmentation pigment pigmenting"},
	[]string{"smp", "scalp", "micropigmentation micropigment"},
	[]string{"smp", "micro", "pigmentation"},
	[]string{"smp", "scalp hairline head hair", "tattoo tattoos tatoo tattooing tattooed"},
	[]string{"smp", "scalp", "pigmentation"},
	[]string{"smp", "head scalp hairline", "ink"},
	[]string{"remove", "take taking took", "off"},
	[]string{"qswitch", "q", "switch switched switches"},
	[]string{"picosecond", "pico", "second seconds sure way"},
	[]string{"nanosecond", "nano", "second seconds"},
	[]string{"ndyag", "nd", "yag"},
	[]string{"darkskin", "dark darker black brown olive", "skin skinned complexion"},
	[]string{"darkskin", "skin", "of", "color colour"},
	[]string{"hairline", "hair", "line"},
	[]string{"hairloss", "hair", "loss"},
	// Laser hair removal is another procedure, which the FAQ does not cover: as one
	// unknown word it counts against a match instead of for "laser" and "removal".
	[]string{"epilation", "hair", "removal removing remove"},
	[]string{"remove", "get getting got", "rid", "of"},
	[]string{"greying", "go going gone turn turning turned", "grey gray white silver"},
	[]string{"greying", "grey gray white silver", "hair hairs"},
	[]string{"transplant", "hair", "transplant transplants transplantation"},
	[]string{"diy", "at", "home"},
	[]string{"diy", "home", "made"},
	[]string{"diy", "do", "it", "yourself"},
	[]string{"temporary", "semi", "permanent"},
	[]string{"clinic", "med", "spa"},
	[]string{"aftercare", "after", "care"},
)

// phraseStarts holds the first words of the phrases: rewrite looks a phrase up only
// where one of them stands, instead of at every word (which took a fifth of a large
// FAQ's build).
var phraseStarts = firstWords(phrases)

func firstWords(t map[string]string) map[string]bool {
	out := make(map[string]bool)
	for seq := range t {
		w, _, _ := strings.Cut(seq, " ")
		out[w] = true
	}
	return out
}

// maxPhraseWords is the length of the longest phrase.
const maxPhraseWords = 4

// phraseTable expands rules into a table from word sequences to tokens. A rule is the
// token, then one string per word position listing the words allowed there.
func phraseTable(rules ...[]string) map[string]string {
	t := map[string]string{}
	for _, r := range rules {
		seqs := []string{""}
		for _, pos := range r[1:] {
			var next []string
			for _, s := range seqs {
				for _, w := range strings.Fields(pos) {
					next = append(next, strings.TrimSpace(s+" "+w))
				}
			}
			seqs = next
		}
		for _, s := range seqs {
			t[s] = r[0]
		}
	}
	return t
}

// rewrite lower-cases text and replaces the multi-word names in it by their tokens.
func rewrite(text string) string {
	text = strings.ToLower(text)
	type span struct{ start, end int }
	var spans [64]span // most texts: no allocation
	ws := spans[:0]
	start := -1
	for i, r := range text {
		isWord := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case isWord && start < 0:
			start = i
		case !isWord && start >= 0:
			ws = append(ws, span{start, i})
			start = -1
		}
	}
	if start >= 0 {
		ws = append(ws, span{start, len(text)})
	}
	var b strings.Builder
	var key strings.Builder
	last := 0
	for i := 0; i < len(ws); i++ {
		if !phraseStarts[text[ws[i].start:ws[i].end]] {
			continue
		}
		for n := min(maxPhraseWords, len(ws)-i); n >= 2; n-- {
			key.Reset()
			for j := i; j < i+n; j++ {
				if j > i {
					key.WriteByte(' ')
				}
				key.WriteString(text[ws[j].start:ws[j].end])
			}
			if tok, ok := phrases[key.String()]; ok {
				b.WriteString(text[last:ws[i].start])
				b.WriteString(tok)
				last = ws[i+n-1].end
				i += n - 1
				break
			}
		}
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// synonyms are groups of single words that search treats as the same. A group with
// inputs is one-way: each input also finds the group's words, not the reverse, so a
// specific word ("pico") finds the general entry ("laser") without the general word
// pulling in every specific one.
var synonyms = []struct{ input, words []string }{
	{nil, []string{"smp", "micropigmentation", "micropigment", "micro", "micropig", "micropigs"}},
	// "The ink" or "the pigment" is what many people call the treatment itself ("how
	// many sessions to get the ink out"): it also finds the entries that say SMP, one
	// way, so that the few entries about ink or pigment as such do not take every
	// question that says it (MODEL.md, sixth round: the FAQ's phrasings asked with
	// "ink" for "smp" answered right 0.719 -> 0.756, with "pigment" 0.774 -> 0.803
	// and wrong 0.109 -> 0.080, the plain phrasings no worse).
	{[]string{"ink", "pigment", "pigments"}, []string{"smp"}},
	{[]string{"qswitch", "picosecond", "nanosecond", "ndyag", "pico", "yag", "lazer", "lasor", "zap", "zapping", "zapped", "nuke", "blast"}, []string{"laser"}},
	{nil, []string{"session", "treatment", "sitting", "round"}},
	{nil, []string{"remove", "removal", "erase", "undo", "delete"}},
	{nil, []string{"completely", "fully", "totally", "entirely", "complete", "permanently"}},
	{nil, []string{"patchy", "blotchy", "spotty", "uneven", "leopard"}},
	{nil, []string{"cost", "price", "fee", "expensive", "pay", "afford"}},
	{nil, []string{"pain", "painful", "hurt", "hurts", "ache", "sting"}},
	{nil, []string{"scar", "scarring", "keloid"}},
	{[]string{"blur", "blurry", "blurred", "smudge", "smudged", "fuzzy", "blob", "bleed", "bled", "spread", "spreading", "merged"}, []string{"migration", "migrate"}},
	{[]string{"blue", "green", "teal", "purple", "bluish", "greenish", "tint", "shade", "hue"}, []string{"colour", "color"}},
	{nil, []string{"colour", "color", "discoloured", "discolored"}},
	{nil, []string{"grey", "gray", "greying", "graying", "silver"}},
	{nil, []string{"clinic", "studio", "parlour", "parlor", "salon"}},
	{nil, []string{"technician", "artist", "practitioner", "tech"}},
	{nil, []string{"doctor", "dermatologist", "derm", "gp", "physician"}},
	{nil, []string{"saline", "salt", "salabrasion"}},
	{nil, []string{"heal", "healing", "recovery", "recover", "downtime"}},
	{nil, []string{"transplant", "fue", "fut", "graft", "grafts"}},
	{nil, []string{"hide", "conceal", "cover", "disguise", "mask"}},
	{[]string{"messed", "ruined", "screwed", "butchered", "disaster", "terrible", "awful", "horrible"}, []string{"botched", "bad"}},
	{nil, []string{"botched", "botch", "botching"}},
	{nil, []string{"regret", "regrets", "regretting", "sorry"}},
	{nil, []string{"temporary", "temp"}},
	{nil, []string{"darkskin", "fitzpatrick", "melanin"}},
	{nil, []string{"pregnant", "pregnancy", "breastfeeding", "nursing"}},
	{nil, []string{"isotretinoin", "accutane", "roaccutane"}},
	{nil, []string{"medication", "medicine", "meds", "pills", "drug", "drugs"}},
	// Photosensitising medicines people name when asking whether they may have laser.
	{[]string{"doxycycline", "tetracycline", "minocycline", "antibiotic", "antibiotics", "retinoid", "retinoids", "tretinoin", "amiodarone"}, []string{"medication", "photosensitising"}},
	{nil, []string{"sun", "sunlight", "sunshine", "sunny", "outdoors", "outside"}},
	{nil, []string{"worry", "worried", "warning", "concern", "alarm"}},
	{nil, []string{"diy", "homemade", "home"}},
	{nil, []string{"cream", "creams", "lotion", "ointment"}},
	{nil, []string{"interval", "gap", "apart", "spacing"}},
	{nil, []string{"hairloss", "follicle", "follicles", "bald"}},
	{nil, []string{"fade", "fading", "faded", "lighten", "lightening"}},
	{nil, []string{"fix", "correct", "correction", "repair", "touchup"}},
	{nil, []string{"specialist", "provider", "professional", "expert"}},
	{nil, []string{"bot", "smpbot"}},
	{[]string{"care", "wash"}, []string{"aftercare"}},
}

// stopWords are dropped from text before search. The list is narrower than a general
// English one on purpose: words like "again", "before", "after", "between", "not",
// "only", "long" and "many" are what tell one FAQ question from another here.
var stopWords = strings.Fields(`
a an the and or but if so of to in on at by for from with about as into than then
that this these those there here it its i me my mine myself we us our you your yours
he him his she her they them their what which who whom whose is are was were be been
being am do does did doing done have has had having will would shall should can could
may might must just also really very please pls plz thanks thx ty hi hey hello guys
bro lol tbh ngl idk im ive dont doesnt didnt cant wont u ur ya yeah anyone someone
somebody know want wanna gonna like thing things stuff ok okay well how when where why
get got getting gets any some all s t d ll m re ve even actually literally basically
honestly honest kinda sorta maybe probably anyway anyways lot ever different
various`)

// newMapping builds the index mapping: the custom English analyzer on every text field,
// the synonym source on the fields that questions are matched against, and BM25.
func newMapping() (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	m.ScoringModel = "bm25"

	if err := m.AddCustomTokenMap("smp_stop_map", map[string]any{
		"type":   tokenmap.Name,
		"tokens": toAny(stopWords),
	}); err != nil {
		return nil, err
	}
	if err := m.AddCustomTokenFilter("smp_stop", map[string]any{
		"type":           stop.Name,
		"stop_token_map": "smp_stop_map",
	}); err != nil {
		return nil, err
	}
	if err := m.AddCustomAnalyzer(analyzerName, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicodetok.Name,
		"token_filters": []any{en.PossessiveName, lowercase.Name, "smp_stop", en.SnowballStemmerName},
	}); err != nil {
		return nil, err
	}
	// A query's terms are analysed once, by the search: bleve analysed a match
	// query's words again for each field, and again to look up its synonyms. The
	// analyzer's tokenizer gives each term back as it is
	// (TestTermsAnalyzerKeepsTerms); bleve's whitespace tokenizer would allocate
	// room for a thousand tokens each time.
	if err := m.AddCustomAnalyzer(termsAnalyzer, map[string]any{
		"type":      custom.Name,
		"tokenizer": unicodetok.Name,
	}); err != nil {
		return nil, err
	}
	if err := m.AddSynonymSource(synonymSource, map[string]any{
		"collection": synonymColl,
		"analyzer":   analyzerName,
	}); err != nil {
		return nil, err
	}
	m.DefaultAnalyzer = analyzerName

	doc := bleve.NewDocumentStaticMapping()
	for _, f := range searchFields {
		fm := bleve.NewTextFieldMapping()
		fm.Analyzer = analyzerName
		fm.Store = false
		fm.IncludeTermVectors = false
		fm.IncludeInAll = false
		fm.SynonymSource = synonymSource
		doc.AddFieldMappingsAt(f.name, fm)
	}
	m.DefaultMapping = doc
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	return m, nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// field is a searched field and the weight of a match in it.
type field struct {
	name  string
	boost float64
}

// searchFields are weighted so that matching how an entry is asked counts more than a
// word that merely appears in its answer.
var searchFields = []field{
	{"question", 0.5},
	{"asked", 1},
	{"answer", 0.15},
}

func lowerAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}
