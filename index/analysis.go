package index

import (
	"fmt"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	regexpfilter "github.com/blevesearch/bleve/v2/analysis/char/regexp"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/analysis/tokenmap"
	"github.com/blevesearch/bleve/v2/mapping"
)

const (
	analyzerName  = "smp_en"
	synonymSource = "smp_synonyms"
	synonymColl   = "smp"
)

// phrase rewrites run as char filters before tokenising, in both indexing and queries,
// so that a multi-word name becomes the one token its synonyms are defined on (bleve's
// synonyms are single tokens only).
var phrases = []struct{ pattern, token string }{
	{`scalp[\s-]*micro[\s-]*pigment(ation|ing)?`, "smp"},
	{`micro[\s-]*pigment(ation|ing)?`, "smp"},
	{`(scalp|hairline|head|hair)[\s-]*tatt?oo?(s|ed|ing)?`, "smp"},
	{`scalp[\s-]*pigment(ation)?`, "smp"},
	{`q[\s-]*switch(ed|es)?`, "qswitch"},
	{`pico[\s-]*(second|sure|way)s?`, "picosecond"},
	{`nano[\s-]*seconds?`, "nanosecond"},
	{`nd[\s:-]*yag`, "ndyag"},
	{`(dark|darker|black|brown|olive)[\s-]+(skin(ned)?|complexion)`, "darkskin"},
	{`skin[\s-]+of[\s-]+colou?r`, "darkskin"},
	{`hair[\s-]*line`, "hairline"},
	{`hair[\s-]*loss`, "hairloss"},
	{`get(ting)?[\s-]+rid[\s-]+of`, "remove"},
	{`(go|going|gone|turn|turning|turned)[\s-]+(grey|gray|white|silver)`, "greying"},
	{`(grey|gray|white|silver)[\s-]+hairs?`, "greying"},
	{`hair[\s-]*transplant(s|ation)?`, "transplant"},
	{`at[\s-]+home|home[\s-]*made|do[\s-]*it[\s-]*yourself`, "diy"},
	{`semi[\s-]*permanent`, "temporary"},
	{`med[\s-]*spa`, "clinic"},
	{`after[\s-]+care`, "aftercare"},
}

// synonyms are groups of single words that search treats as the same. A group with
// inputs is one-way: each input also finds the group's words, not the reverse, so a
// specific word ("pico") finds the general entry ("laser") without the general word
// pulling in every specific one.
var synonyms = []struct{ input, words []string }{
	{nil, []string{"smp", "micropigmentation", "micropigment", "micro"}},
	{[]string{"qswitch", "picosecond", "nanosecond", "ndyag", "pico", "yag", "lazer", "lasor", "zap", "zapping"}, []string{"laser"}},
	{nil, []string{"session", "treatment", "sitting", "round"}},
	{nil, []string{"remove", "removal", "erase", "undo"}},
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
	{nil, []string{"diy", "homemade", "home"}},
	{nil, []string{"cream", "creams", "lotion", "ointment"}},
	{nil, []string{"interval", "gap", "apart", "spacing"}},
	{nil, []string{"hairloss", "follicle", "follicles", "bald"}},
	{nil, []string{"fade", "fading", "faded", "lighten", "lightening"}},
	{nil, []string{"fix", "correct", "correction", "repair", "touchup"}},
	{nil, []string{"specialist", "provider", "professional", "expert"}},
	{nil, []string{"bot", "smpbot"}},
	{[]string{"care", "clean", "wash"}, []string{"aftercare"}},
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
get got getting gets any some all s t d ll m re ve`)

// newMapping builds the index mapping: the custom English analyzer on every text field,
// the synonym source on the fields that questions are matched against, and BM25.
func newMapping() (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	m.ScoringModel = "bm25"

	charFilters := []any{asciifolding.Name}
	for i, p := range phrases {
		name := fmt.Sprintf("smp_phrase_%d", i)
		if err := m.AddCustomCharFilter(name, map[string]any{
			"type":    regexpfilter.Name,
			"regexp":  `(?i)\b(` + p.pattern + `)\b`,
			"replace": " " + p.token + " ",
		}); err != nil {
			return nil, fmt.Errorf("char filter %q: %w", p.pattern, err)
		}
		charFilters = append(charFilters, name)
	}
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
		"char_filters":  charFilters,
		"tokenizer":     unicode.Name,
		"token_filters": []any{en.PossessiveName, lowercase.Name, "smp_stop", en.SnowballStemmerName},
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
	{"question", 3},
	{"alternates", 2.5},
	{"tags", 1.5},
	{"answer", 0.4},
}

func lowerAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}
