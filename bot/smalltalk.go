package bot

import (
	"regexp"
	"strings"
)

// Small talk is recognised when every word of a message is a greeting, thanks, a
// farewell, an acknowledgement or a word that can stand beside them ("ok thanks so
// much, that really helps"), so a message with any word that could ask something is
// still a question: "hi, does laser hurt?", "thanks, and how long does healing take?".
var (
	greetings = wordSet("hi", "hello", "hey", "heya", "hiya", "yo", "sup", "howdy", "greetings", "morning",
		"evening", "afternoon", "hallo", "hola", "start", "gm", "hii", "helo", "hullo")
	thanks = wordSet("thanks", "thank", "thx", "ty", "cheers", "thankyou", "appreciate", "appreciated", "tysm",
		"ta", "thanx", "thnx", "tnx", "kudos", "grateful")
	byes = wordSet("bye", "goodbye", "cya", "later", "night", "goodnight", "farewell", "ttyl")
	// acknowledgements answer an answer: "that really helps", "ok got it".
	acknowledgements = wordSet("helps", "helped", "helpful", "useful", "informative", "perfect", "great",
		"awesome", "brilliant", "excellent", "amazing", "fantastic", "wonderful", "legend", "lifesaver",
		"ok", "okay", "okey", "k", "kk", "alright", "cool", "nice", "gotcha", "understood", "noted", "sense",
		"clear", "clearer", "reassuring", "reassured", "glad", "relieved")
	// dismissals take a question back: "never mind", "forget it, I'll work it out".
	dismissals = wordSet("nevermind", "nvm", "forget", "scratch")
	// filler may stand beside small talk without making it a question.
	filler = wordSet("there", "you", "u", "ya", "so", "much", "a", "lot", "lots", "tons", "bot", "smpbot", "all",
		"everyone", "guys", "good", "it", "its", "very", "again", "mate", "man", "bro", "see", "for", "the",
		"that", "thats", "this", "really", "was", "is", "just", "such", "your", "yours", "info", "information",
		"answer", "answers", "reply", "explanation", "advice", "help", "and", "too", "as", "well", "hope",
		"youre", "doing", "day", "one", "have", "take", "care", "now", "i", "im", "am", "makes", "made", "got",
		"me", "feel", "better", "oh", "ah", "wow", "yes", "yeah", "yep", "sure", "right", "fine", "kind",
		"super", "quick", "fast", "time", "both", "lol", "haha", "bunch", "big", "huge", "many", "x", "xx",
		"nothing", "ill", "work", "out", "figure", "myself", "anyway", "anyways", "actually", "no", "worries")
)

type smallTalkKind int

const (
	notSmallTalk smallTalkKind = iota
	greeting
	gratitude
	farewell
	acknowledgement
	dismissal
)

// maxSmallTalkWords bounds small talk: a long message is a question or a story.
const maxSmallTalkWords = 14

func smallTalk(text string) smallTalkKind {
	ws := words(neverMind.ReplaceAllString(strings.ToLower(text), "nevermind"))
	if len(ws) == 0 || len(ws) > maxSmallTalkWords {
		return notSmallTalk
	}
	var greet, thank, bye, ack, dismiss bool
	for _, w := range ws {
		w = strings.ReplaceAll(w, "'", "") // you're, that's
		switch {
		case greetings[w]:
			greet = true
		case thanks[w]:
			thank = true
		case byes[w]:
			bye = true
		case acknowledgements[w]:
			ack = true
		case dismissals[w]:
			dismiss = true
		case filler[w]:
		default:
			return notSmallTalk
		}
	}
	switch {
	case thank:
		return gratitude
	case greet:
		return greeting
	case bye:
		return farewell
	case dismiss:
		return dismissal
	case ack:
		return acknowledgement
	}
	return notSmallTalk
}

// neverMind joins "never mind" into one dismissal word; "never" alone stays a
// question's word ("never mind" is no question, "never healed" is).
var neverMind = regexp.MustCompile(`\bnever\s+mind\b`)

func words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '\'' || r > 127)
	})
}

const (
	helloText = "Hi! I answer questions about removing or fixing scalp micropigmentation (SMP): laser and saline removal, " +
		"costs, pain, healing, side effects, corrections and more. Just ask in your own words, for example " +
		"\"how many laser sessions will I need?\"."
	thanksText  = "You're welcome. If anything else about your SMP worries you, just ask."
	ackText     = "Good. If anything else about your SMP worries you, just ask."
	dismissText = "No problem. If anything about your SMP worries you later, just ask."
	byeText     = "Take care! I'm here whenever you have another question about SMP removal."
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
