package index

import (
	_ "embed"
	"strings"
)

// gettingText is a pool of sentences about getting a treatment rather than living
// with one: considering a first SMP, booking, comparing practitioners, the first
// sittings and a new treatment's healing, hair transplants and hair loss treatment.
// The FAQ is about removing, correcting and living with SMP, so such messages sound
// like its entries while none answers them. TestStoriesCV asks them (getting
// kinds), and the in/out classifier (scope.go) learns from them what to decline
// (MODEL.md, eighth and ninth rounds).
//
//go:embed getting.txt
var gettingText string

// gettingLines returns the pool, parsed once.
var gettingLines = poolLines(gettingText)

// gettingStories makes the getting kinds of stories: each getting sentence alone
// ("getting-oos"), to decline, and every other held-out phrasing after one
// ("getting-then": "I'm booked in for next month. can smp be removed?"), to answer.
func gettingStories(test []heldOut, getting []string) []heldOut {
	if len(getting) == 0 {
		return nil
	}
	var out []heldOut
	for _, g := range getting {
		out = append(out, heldOut{text: g, story: true, kind: "getting-oos"})
	}
	for i, t := range test {
		if t.want == "" || i%2 == 1 {
			continue
		}
		g := strings.TrimRight(getting[(i*13+5)%len(getting)], ".?! ")
		out = append(out, heldOut{want: t.want, text: g + ". " + t.text + "?", story: true, kind: "getting-then"})
	}
	return out
}
