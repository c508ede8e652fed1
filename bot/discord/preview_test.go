package discord

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/knowledge"
)

// cannedHandler answers every question with one reply and takes feedback, so that
// what the adapter sends can be compared with PreviewReply of that reply.
type cannedHandler struct{ r bot.Reply }

func (h cannedHandler) Answer(context.Context, bot.Question) (bot.Reply, error) { return h.r, nil }
func (h cannedHandler) RecordFeedback(context.Context, bot.Feedback) error      { return nil }

// previewOf reads a message as the fake received it into a Preview.
func previewOf(m *discordgo.Message) Preview {
	p := Preview{Content: m.Content, ContentLength: width(m.Content)}
	for _, em := range m.Embeds {
		pe := PreviewEmbed{Title: em.Title, Description: em.Description, Color: em.Color}
		p.EmbedsLength += width(em.Title) + width(em.Description)
		for _, f := range em.Fields {
			pe.Fields = append(pe.Fields, PreviewField{f.Name, f.Value})
			p.EmbedsLength += width(f.Name) + width(f.Value)
		}
		if em.Footer != nil {
			pe.Footer = em.Footer.Text
			p.EmbedsLength += width(em.Footer.Text)
		}
		p.Embeds = append(p.Embeds, pe)
	}
	for _, c := range m.Components {
		row, ok := c.(*discordgo.ActionsRow)
		if !ok {
			continue
		}
		var bs []PreviewButton
		for _, c := range row.Components {
			if b, ok := c.(*discordgo.Button); ok {
				pb := PreviewButton{Label: b.Label, Primary: b.Style == discordgo.PrimaryButton}
				if b.Emoji != nil {
					pb.Emoji = b.Emoji.Name
				}
				bs = append(bs, pb)
			}
		}
		p.Buttons = append(p.Buttons, bs)
	}
	return p
}

// PreviewReply is what the adapter sends: the same content, embeds and buttons.
func TestPreviewReplyIsWhatIsSent(t *testing.T) {
	var paras []string
	for i := range 12 {
		paras = append(paras, fmt.Sprintf("Paragraph %d: **bold** and [a link](https://example.org) %s", i, strings.Repeat("long answer text ", 30)))
	}
	e := knowledge.Entry{ID: "long-one", Question: "A long question?", Answer: strings.Join(paras, "\n\n"),
		Caveats: []string{"Ask your clinic."}, Sources: []knowledge.Source{{Title: "A [guide]", URL: "https://example.org/a"}}}
	for _, tt := range []struct {
		name string
		r    bot.Reply
	}{
		{"long urgent answer", bot.Reply{ID: "r1", Kind: bot.KindAnswer, Entry: &e, Urgent: true, Notice: bot.UrgentNotice, Disclaimer: bot.Disclaimer,
			Suggestions: []bot.Suggestion{{ID: "cost", Question: "How much does removal cost?"}},
			Related:     []bot.Suggestion{{ID: "healing-time", Question: "How long does healing take?"}}}},
		{"decline", bot.Reply{Kind: bot.KindNoMatch, Message: "I don't know that one, sorry.",
			Suggestions: []bot.Suggestion{{ID: "cost", Question: "How much does removal cost?"}, {ID: "laser-pain", Question: "Does laser hurt?"}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want := PreviewReply(tt.r, true)
			r := start(t, rigConfig{handler: cannedHandler{tt.r}})
			u := r.fake.NewUser("ann")
			dm := r.fake.DM(u)
			id := r.fake.Message(dm, u, "anything")
			sent := r.channelReply(t, dm.ChannelID, id)
			got := previewOf(&sent.Message)
			if len(want.Buttons) == 0 {
				t.Errorf("no buttons previewed for a reply with suggestions")
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("sent:\n%+v\npreview:\n%+v", got, want)
			}
			if tt.r.Entry != nil && (len(want.Embeds) < 2 || want.EmbedsLength > MaxEmbedsLength || want.Embeds[0].Color != colorUrgent) {
				t.Errorf("a long urgent answer previewed as %d embeds of %d characters in colour %x, want it split within %d, in the urgent colour",
					len(want.Embeds), want.EmbedsLength, want.Embeds[0].Color, MaxEmbedsLength)
			}
		})
	}
}
