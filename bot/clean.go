package bot

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxQuestionLen caps the cleaned question, in characters. Longer messages are cut at a
// word boundary: the start of a long story usually says what it is about.
const MaxQuestionLen = 600

var (
	// Discord mentions (<@123>, <@!123>, <@&123>, <#123>), custom emoji (<:name:123>) and
	// Telegram @usernames say who is addressed, not what is asked.
	mentionMarkup = regexp.MustCompile(`<(@[!&]?|#)\d+>|<a?:\w+:\d+>|(^|\s)@\w+`)
	// Telegram commands addressed to a bot (/ask@SomeBot) keep only the command.
	commandSuffix = regexp.MustCompile(`^(/\w+)@\w+`)
	// Discord markdown around words (__underline__, **bold**, *italic*, _italic_,
	// ~~strike~~, ||spoiler||, `code`) stays glued to the words for the search, which
	// then knows neither: the markers go where they open or close a run of text. Inside
	// a word (snake_case) they stay.
	markupOpen  = regexp.MustCompile("(^|[\\s.,!?;:'\"()\\[\\]])[_*~|`]+")
	markupClose = regexp.MustCompile("[_*~|`]+([\\s.,!?;:'\"()\\[\\]]|$)")
)

// Clean prepares text for search: invalid UTF-8, control characters, mention markup and
// Discord's emphasis markup are removed, white space is collapsed, and the length is capped.
func Clean(text string) string {
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, " ")
	}
	text = commandSuffix.ReplaceAllString(text, "$1")
	text = mentionMarkup.ReplaceAllString(text, " ")
	text = markupOpen.ReplaceAllString(text, "$1")
	text = markupClose.ReplaceAllString(text, "$1")
	text = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t' || r == '\r':
			return ' '
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == utf8.RuneError:
			return -1
		}
		return r
	}, text)
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) > MaxQuestionLen {
		runes := []rune(text)[:MaxQuestionLen]
		text = string(runes)
		if i := strings.LastIndexByte(text, ' '); i > MaxQuestionLen/2 {
			text = text[:i]
		}
	}
	return text
}
