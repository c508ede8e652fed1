package bot

import (
	"regexp"
	"strings"
)

// UrgentEntryID is the FAQ entry on complications; an urgent message is answered with
// it first.
const UrgentEntryID = "complications-urgent"

// urgentSigns are descriptions of symptoms that need medical care: infection, burns
// gone wrong, allergic reactions. They err towards flagging: a needless reminder to see
// a doctor costs little, a missed infection a lot.
var urgentSigns = []*regexp.Regexp{
	regexp.MustCompile(`\bpus\b|\bpuss\b|\booz(?:e|es|ing)\b|\bweep(?:s|ing)\b|\bleak(?:s|ing)\b|discharge|yellow (?:stuff|fluid|liquid|crust|goo)|green (?:stuff|fluid|liquid|goo)|smells? (?:bad|funny|weird|off)|foul smell`),
	regexp.MustCompile(`\bfevers?\b|\bfeverish\b|high temperature|\bchills\b|\bshivering\b`),
	regexp.MustCompile(`\binfect(?:ed|ion|ions)\b`),
	regexp.MustCompile(`red(?:ness)?[\w\s,]{0,20}(?:spread|getting (?:worse|bigger|larger)|growing|worse)|spreading red|red streaks?|streaks? of red|hot to (?:the )?touch`),
	regexp.MustCompile(`(?:severe|extreme|unbearable|excruciating|intense|terrible|awful|worst|throbbing|worsening|increasing) pain|pain[\w\s,]{0,30}(?:worse|unbearable|increasing|not going away)|(?:hurts?|hurting|painful|sore)[\w\s,]{0,15}(?:more and more|more than|worse|every day)`),
	regexp.MustCompile(`(?:large|huge|big|massive|giant|spreading|growing|bigger) blisters?|blisters?[\w\s,]{0,20}(?:spread|bigger|growing|huge|large|everywhere|burst)`),
	regexp.MustCompile(`allerg(?:y|ic)|\bhives\b|anaphyla|(?:swollen|swelling)[\w\s,]{0,15}(?:face|eyes?|lips?|throat|tongue)|(?:face|eyes?|lips?|throat|tongue)[\w\s,]{0,15}(?:swollen|swelling|puff)|(?:can'?t|cannot|trouble|difficulty|hard to) breath`),
	regexp.MustCompile(`(?:swelling|swollen)[\w\s,]{0,20}(?:worse|spread|bigger|increasing|hot)|(?:increasing|worsening|spreading) swelling|hot[\w\s,]{0,10}swollen`),
	regexp.MustCompile(`\b(?:burn(?:ed|t)?|burns)\b[\w\s,]{0,25}(?:blister|ooz|weep|raw|open|bleed)|open wound|raw skin|won'?t stop bleeding|bleeding (?:a lot|heavily|won'?t stop)`),
}

// IsUrgent reports whether text describes symptoms of a complication that need medical
// care first.
func IsUrgent(text string) bool {
	t := strings.ToLower(text)
	for _, re := range urgentSigns {
		if re.MatchString(t) {
			return true
		}
	}
	return false
}

// UrgentNotice is shown before anything else in a reply to an urgent message.
const UrgentNotice = "⚠️ What you describe can be a sign of a complication such as an infection, a burn or an allergic reaction. " +
	"Please contact a doctor (or the clinic's medical team) today. " +
	"If you have a fever, redness that spreads fast, swelling of the face or lips, or trouble breathing, get emergency care now."
