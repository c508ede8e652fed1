package bot

import (
	"regexp"
	"strings"
)

// Small talk is recognised only when the whole message is a greeting, thanks or
// farewell (give or take a word), so "hi, does laser hurt?" is still a question.
var (
	greetings = map[string]bool{"hi": true, "hello": true, "hey": true, "heya": true, "hiya": true, "yo": true,
		"sup": true, "howdy": true, "greetings": true, "morning": true, "evening": true, "afternoon": true,
		"hallo": true, "hola": true, "start": true}
	thanks = map[string]bool{"thanks": true, "thank": true, "thx": true, "ty": true, "cheers": true,
		"thankyou": true, "appreciate": true, "appreciated": true, "tysm": true, "ta": true}
	byes = map[string]bool{"bye": true, "goodbye": true, "cya": true, "later": true, "night": true, "goodnight": true}
	// filler may stand beside a greeting without making it a question.
	filler = map[string]bool{"there": true, "you": true, "u": true, "so": true, "much": true, "a": true, "lot": true,
		"bot": true, "smpbot": true, "all": true, "everyone": true, "guys": true, "good": true, "it": true,
		"very": true, "again": true, "mate": true, "man": true, "bro": true, "see": true, "ya": true, "for": true,
		"the": true, "help": false, "ok": true, "okay": true, "great": true, "nice": true, "cool": true, "awesome": true}
)

type smallTalkKind int

const (
	notSmallTalk smallTalkKind = iota
	greeting
	gratitude
	farewell
)

func smallTalk(text string) smallTalkKind {
	ws := words(text)
	if len(ws) == 0 || len(ws) > 6 {
		return notSmallTalk
	}
	kind := notSmallTalk
	other := 0
	for _, w := range ws {
		switch {
		case greetings[w]:
			if kind == notSmallTalk {
				kind = greeting
			}
		case thanks[w]:
			kind = gratitude
		case byes[w]:
			if kind == notSmallTalk {
				kind = farewell
			}
		case filler[w]:
		default:
			other++
		}
	}
	if other > 0 {
		return notSmallTalk
	}
	return kind
}

func words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '\'' || r > 127)
	})
}

const (
	helloText = "Hi! I answer questions about removing or fixing scalp micropigmentation (SMP): laser and saline removal, " +
		"costs, pain, healing, side effects, corrections and more. Just ask in your own words, for example " +
		"\"how many laser sessions will I need?\"."
	thanksText = "You're welcome. If anything else about your SMP worries you, just ask."
	byeText    = "Take care! I'm here whenever you have another question about SMP removal."
)

// AboutEntryID is the FAQ entry about the bot itself.
const AboutEntryID = "bot-about"

// aboutBot matches short messages asking what the bot is, who is behind it, or
// whether to trust it: they are answered with the AboutEntryID entry, since their
// words ("what", "you", "this") are too common to search for.
var aboutBot = regexp.MustCompile(`^(?:/?help|/start|(?:hi|hey|hello)?\W*(?:` +
	`(?:who|what)(?: are|'re| r)? (?:you|u)|what is this(?: bot| thing| chat)?|what(?:'s| is) smpbot` +
	`|are (?:you|u) (?:a |an )?(?:bot|robot|ai|human|real|person|doctor)` +
	`|is this (?:a bot|real|an ai|medical advice|a doctor)|what can (?:you|u) do|what can i ask(?: you)?` +
	`|how do(?:es)? (?:you|this bot|this) work|can i trust (?:you|this|your answers)|who (?:made|built|runs|writes) (?:you|this)` +
	`))\W*$`)

// isAboutBot reports whether text only asks about the bot itself.
func isAboutBot(text string) bool {
	return aboutBot.MatchString(strings.ToLower(strings.TrimSpace(text)))
}
