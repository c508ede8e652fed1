package discord

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/smpbot/smpbot/bot"
)

// Texts of the feedback buttons' acknowledgements.
const (
	thanksHelpfulText    = "Thanks for the feedback! Glad it helped."
	thanksNotHelpfulText = "Thanks for the feedback. Moderators use it to improve the answers; you can also ask again in other words."
	feedbackLostText     = "Sorry, I could not record your feedback just now. Please try again later."
)

// pressFeedback records a Helpful / Not helpful press, "f:<reply id>:<y|n>", and
// thanks the person who pressed it only. Each person's vote on an answer is recorded
// once: pressing the same button again is only thanked; changing one's mind is
// recorded, and the question log keeps the latest.
func (a *Adapter) pressFeedback(ctx context.Context, h bot.Handler, i *discordgo.Interaction, req request) {
	cut := strings.LastIndexByte(req.payload, ':')
	fr, ok := h.(bot.FeedbackRecorder)
	if cut <= 0 || !ok || req.user == "" {
		a.reply(ctx, i, textMessage(goneText), true)
		return
	}
	answer, vote := req.payload[:cut], req.payload[cut+1:]
	if vote != "y" && vote != "n" {
		a.reply(ctx, i, textMessage(goneText), true)
		return
	}
	helpful := vote == "y"
	thanks := thanksNotHelpfulText
	if helpful {
		thanks = thanksHelpfulText
	}
	if a.votes.same(answer, req.user, helpful) {
		a.reply(ctx, i, textMessage(thanks), true)
		return
	}
	err := fr.RecordFeedback(ctx, bot.Feedback{AnswerID: answer, Platform: "discord", User: req.user, Helpful: helpful, Time: time.Now().UTC()})
	if err != nil {
		a.log.WarnContext(ctx, "recording feedback failed", "interaction", i.ID, "err", a.red.Err(err))
		a.reply(ctx, i, textMessage(feedbackLostText), true)
		return
	}
	a.votes.set(answer, req.user, helpful)
	a.reply(ctx, i, textMessage(thanks), true)
}

// maxVotes bounds the votes remembered to spot repeated presses; forgetting them costs
// at most a repeated write, which the question log replaces.
const maxVotes = 10000

// votes remembers the last recorded vote of each person on each answer.
type votes struct {
	mu sync.Mutex
	m  map[string]bool
}

func newVotes() *votes { return &votes{m: map[string]bool{}} }

func voteKey(answer, user string) string { return answer + "\x00" + user }

// same reports whether user's last recorded vote on answer was helpful.
func (v *votes) same(answer, user string, helpful bool) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	last, ok := v.m[voteKey(answer, user)]
	return ok && last == helpful
}

func (v *votes) set(answer, user string, helpful bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.m) >= maxVotes {
		clear(v.m)
	}
	v.m[voteKey(answer, user)] = helpful
}
