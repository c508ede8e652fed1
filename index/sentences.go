package index

import (
	"os"
	"strconv"
	"strings"
)

// splitSentences splits text at sentence ends (. ? ! and line breaks), keeping the
// pieces that hold a word, each with its end mark ('?' for a question).
func splitSentences(text string) []string {
	var out []string
	start := 0
	for i, r := range text {
		if r != '.' && r != '?' && r != '!' && r != '\n' {
			continue
		}
		if p := text[start : i+1]; strings.ContainsFunc(p, isWordRune) {
			out = append(out, strings.TrimSpace(p))
		}
		start = i + 1
	}
	if p := text[start:]; strings.ContainsFunc(p, isWordRune) {
		out = append(out, strings.TrimSpace(p))
	}
	return out
}

// askPart is the part of a story that asks: its sentences ending with a question
// mark, joined, when some but not all do; "" otherwise (the whole text asks).
func askPart(ss []string) string {
	var asks []string
	for _, s := range ss {
		if strings.HasSuffix(s, "?") {
			asks = append(asks, s)
		}
	}
	if len(asks) == 0 || len(asks) == len(ss) {
		return ""
	}
	return strings.Join(asks, " ")
}

// MEASURING ONLY (longq round): switches for the variants.
var (
	lqSent      = os.Getenv("SMPBOT_LQSENT") // "": off; "sent", "ask", "both"
	lqFit       = os.Getenv("SMPBOT_LQFIT")  // fit stories: "": as main; "pool", "aside", "both"
	lqShareBase = os.Getenv("SMPBOT_LQSHARE") == "base"
)

func init() {
	if w := os.Getenv("SMPBOT_FW"); w != "" {
		fusionWeights = parseWeights(w)
		fitted.rank = fusionWeights
	}
	if w := os.Getenv("SMPBOT_SW"); w != "" {
		scopeWeights = parseWeights(w)
		fitted.scope = scopeWeights
	}
}

func parseWeights(s string) []float64 {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			panic(err)
		}
		out = append(out, v)
	}
	return out
}
