package telegramtest

import (
	"fmt"
	"html"
	"strings"
	"unicode/utf16"
)

// allowedTags are the tags Telegram's HTML parse mode accepts
// (https://core.telegram.org/bots/api#html-style).
var allowedTags = map[string]bool{
	"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
	"s": true, "strike": true, "del": true, "span": true, "tg-spoiler": true,
	"a": true, "code": true, "pre": true, "blockquote": true, "tg-emoji": true,
}

// namedEntities are the only named entities Telegram accepts; numeric ones are all fine.
var namedEntities = map[string]string{"lt": "<", "gt": ">", "amp": "&", "quot": `"`}

// ParseHTML checks text the way Telegram parses a message in HTML mode and returns the
// plain text a user would see. The error reads like Telegram's ("can't parse entities:
// ...") so that a test sees the failure a real chat would.
func ParseHTML(text string) (string, error) {
	var out strings.Builder
	var open []string
	for i := 0; i < len(text); {
		switch text[i] {
		case '<':
			end := strings.IndexByte(text[i:], '>')
			if end < 0 {
				return "", fmt.Errorf("can't parse entities: unclosed start tag at byte offset %d", i)
			}
			tag := text[i+1 : i+end]
			i += end + 1
			if strings.HasPrefix(tag, "/") {
				name := strings.ToLower(strings.TrimSpace(tag[1:]))
				if len(open) == 0 || open[len(open)-1] != name {
					return "", fmt.Errorf("can't parse entities: unexpected end tag %q", name)
				}
				open = open[:len(open)-1]
				continue
			}
			name, attrs, _ := strings.Cut(tag, " ")
			name = strings.ToLower(name)
			if !allowedTags[name] {
				return "", fmt.Errorf("can't parse entities: unsupported start tag %q", name)
			}
			if name == "a" && !strings.HasPrefix(strings.TrimSpace(attrs), "href=") {
				return "", fmt.Errorf("can't parse entities: tag \"a\" needs an href")
			}
			if strings.ContainsAny(attrs, "<") {
				return "", fmt.Errorf("can't parse entities: bad attribute in tag %q", name)
			}
			open = append(open, name)
		case '&':
			end := strings.IndexByte(text[i:], ';')
			if end < 0 || end > 10 {
				// Telegram leaves a lone ampersand as it is.
				out.WriteByte('&')
				i++
				continue
			}
			ent := text[i+1 : i+end]
			switch {
			case strings.HasPrefix(ent, "#"):
				s := html.UnescapeString("&" + ent + ";")
				if s == "&"+ent+";" {
					return "", fmt.Errorf("can't parse entities: bad numeric entity %q", ent)
				}
				out.WriteString(s)
			case namedEntities[ent] != "":
				out.WriteString(namedEntities[ent])
			default:
				return "", fmt.Errorf("can't parse entities: unsupported named entity %q", ent)
			}
			i += end + 1
		default:
			out.WriteByte(text[i])
			i++
		}
	}
	if len(open) > 0 {
		return "", fmt.Errorf("can't parse entities: can't find end tag corresponding to start tag %q", open[len(open)-1])
	}
	return out.String(), nil
}

// Len is a text's length as Telegram counts it: in UTF-16 code units.
func Len(s string) int { return len(utf16.Encode([]rune(s))) }
