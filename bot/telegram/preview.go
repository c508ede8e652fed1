package telegram

import "github.com/smpbot/smpbot/bot"

// MaxMessageLength is Telegram's limit on one message's text, in UTF-16 code units; a
// longer reply is split into several messages.
const MaxMessageLength = maxMessageLen

// Preview is one message of a reply as the adapter sends it in a chat.
type Preview struct {
	// HTML is the text as sent, in Telegram's HTML parse mode: only <b>, <i> and <a
	// href> tags, everything else escaped.
	HTML string
	// Length is HTML's length in UTF-16 code units, what MaxMessageLength bounds.
	Length int
	// Buttons are the labels of the buttons under the message, one slice a row.
	Buttons [][]string
}

// PreviewReply returns the messages the adapter sends in a chat for r, in order, split
// where the adapter splits them, with the buttons under the last; feedback says whether
// the handler records Helpful / Not helpful (a question log is kept). It is the
// adapter's own rendering, for showing moderators what people will get.
func PreviewReply(r bot.Reply, feedback bool) []Preview {
	msgs := renderReply(r, feedback)
	out := make([]Preview, len(msgs))
	for i, m := range msgs {
		out[i] = Preview{HTML: m.text, Length: u16len(m.text)}
		if m.keyboard != nil {
			for _, row := range m.keyboard.InlineKeyboard {
				labels := make([]string, len(row))
				for j, b := range row {
					labels[j] = b.Text
				}
				out[i].Buttons = append(out[i].Buttons, labels)
			}
		}
	}
	return out
}
