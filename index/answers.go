package index

import (
	"strings"
	"unicode"

	"github.com/smpbot/smpbot/knowledge"
)

// answerSentences returns each entry's answer split into sentences, prepared like a
// phrasing: weaker evidence for the model, since people ask about details only the
// answer names (pools after laser, a patch test, removal creams).
func answerSentences(entries []knowledge.Entry) [][]string {
	out := make([][]string, len(entries))
	if answerMode == "none" {
		return nil
	}
	for i, e := range entries {
		if answerMode == "whole" {
			out[i] = []string{prepare(strings.ReplaceAll(e.Answer, "**", ""))}
			continue
		}
		for _, s := range splitSentences(e.Answer) {
			if len(strings.Fields(s)) >= minAnswerWords {
				out[i] = append(out[i], prepare(s))
			}
		}
	}
	return out
}

// minAnswerWords is the shortest answer sentence learned: shorter ones ("What to
// know:", "Usually, yes.") say nothing about the entry.
const minAnswerWords = 4

// splitSentences splits light Markdown into sentences: at line ends, and after
// '.', '?', '!', ':' or ';' followed by a space. Emphasis and list marks go.
func splitSentences(text string) []string {
	text = strings.ReplaceAll(text, "**", "")
	var out []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		line = strings.TrimLeft(line, "-*> ")
		from := 0
		for i := 0; i < len(line); i++ {
			switch line[i] {
			case '.', '?', '!', ':', ';':
				if i+1 < len(line) && line[i+1] != ' ' {
					continue
				}
				if s := strings.TrimFunc(line[from:i], unicode.IsSpace); s != "" {
					out = append(out, s)
				}
				from = i + 1
			}
		}
		if s := strings.TrimSpace(line[from:]); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// answerSentencesAll is answerSentences with every entry holding at least its
// question, so that each class has an example.
func answerSentencesAll(entries []knowledge.Entry) [][]string {
	out := answerSentences(entries)
	if out == nil {
		out = make([][]string, len(entries))
	}
	return out
}
