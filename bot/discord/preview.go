package discord

import (
	"github.com/bwmarrin/discordgo"

	"github.com/smpbot/smpbot/bot"
)

// Discord's limits on a message, for showing how close a reply comes to them. Lengths
// are in UTF-16 code units.
const (
	MaxContentLength = maxContent    // a message's text
	MaxEmbedsLength  = maxEmbedTotal // all of a message's embeds together
)

// Preview is a reply as the adapter sends it to Discord (for a mention, a DM or /ask).
type Preview struct {
	// Content is the message's text (Discord Markdown): the urgent notice, or a reply
	// that is not an answer.
	Content string
	// ContentLength and EmbedsLength are the lengths MaxContentLength and
	// MaxEmbedsLength bound.
	ContentLength, EmbedsLength int
	// Embeds hold an answer: its question as the first's title, the answer (Discord
	// Markdown) split across descriptions, caveats and sources as fields of the last,
	// the disclaimer as its footer.
	Embeds []PreviewEmbed
	// Buttons are the buttons under the message, one slice a row.
	Buttons [][]PreviewButton
}

// PreviewEmbed is one embed of a Preview.
type PreviewEmbed struct {
	Title, Description string
	Color              int // 0xRRGGBB: the urgent colour for a reply to an urgent message
	Fields             []PreviewField
	Footer             string
}

// PreviewField is a named field of an embed; its value is Discord Markdown.
type PreviewField struct{ Name, Value string }

// PreviewButton is a button: a suggestion (Primary) or a follow-up or feedback button.
type PreviewButton struct {
	Label   string
	Emoji   string
	Primary bool
}

// PreviewReply returns the message the adapter sends for r; feedback says whether the
// handler records Helpful / Not helpful (a question log is kept). It is the adapter's
// own rendering, for showing moderators what people will get.
func PreviewReply(r bot.Reply, feedback bool) Preview {
	m := render(r, feedback)
	p := Preview{Content: m.content, ContentLength: width(m.content)}
	for _, em := range m.embeds {
		pe := PreviewEmbed{Title: em.Title, Description: em.Description, Color: em.Color}
		p.EmbedsLength += width(em.Title) + width(em.Description)
		for _, f := range em.Fields {
			pe.Fields = append(pe.Fields, PreviewField{Name: f.Name, Value: f.Value})
			p.EmbedsLength += width(f.Name) + width(f.Value)
		}
		if em.Footer != nil {
			pe.Footer = em.Footer.Text
			p.EmbedsLength += width(em.Footer.Text)
		}
		p.Embeds = append(p.Embeds, pe)
	}
	for _, c := range m.components {
		row, ok := c.(discordgo.ActionsRow)
		if !ok {
			continue
		}
		var buttons []PreviewButton
		for _, c := range row.Components {
			if b, ok := c.(discordgo.Button); ok {
				pb := PreviewButton{Label: b.Label, Primary: b.Style == discordgo.PrimaryButton}
				if b.Emoji != nil {
					pb.Emoji = b.Emoji.Name
				}
				buttons = append(buttons, pb)
			}
		}
		p.Buttons = append(p.Buttons, buttons)
	}
	return p
}
