package bot

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  does   it\thurt?\n", "does it hurt?"},
		{"<@123456> how much is laser?", "how much is laser?"},
		{"<@!42> <@&7> <#99> hi <:smile:123>", "hi"},
		{"@SmpBot how long to heal", "how long to heal"},
		{"/ask@SmpBot is it safe", "/ask is it safe"},
		{"email me at a@b.com", "email me at a@b.com"},
		{"bad\x00byte\x1b[31m", "badbyte[31m"},
		{"zero\u200bwidth", "zerowidth"},
		{"invalid \xff utf8", "invalid utf8"},
		{"how much does __laser removal__ cost", "how much does laser removal cost"},
		{"**Why** is it *so* _slow_? ~~never~~ ||mind|| `smp`", "Why is it so slow? never mind smp"},
		{"(__really__) it's 2*3 and snake_case_id", "(really) it's 2*3 and snake_case_id"},
		{"a * b __", "a b"},
	}
	for _, tt := range tests {
		if got := Clean(tt.in); got != tt.want {
			t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	long := strings.Repeat("laser ", 1000)
	if got := Clean(long); utf8.RuneCountInString(got) > MaxQuestionLen || !strings.HasSuffix(got, "laser") {
		t.Errorf("Clean(long) = %d runes ending %q, want at most %d ending on a whole word", utf8.RuneCountInString(got), got[len(got)-10:], MaxQuestionLen)
	}
}

func TestIsUrgent(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{"my scalp has pus after the laser", true},
		{"there's yellow stuff oozing from the scabs", true},
		{"I have a fever since the session", true},
		{"the redness is spreading down my forehead", true},
		{"the pain is getting worse every day", true},
		{"severe pain after saline removal", true},
		{"huge blisters all over the treated area", true},
		{"blisters keep getting bigger", true},
		{"I think I'm allergic, hives everywhere", true},
		{"my lips are swollen after the numbing cream", true},
		{"can't breathe properly since the cream", true},
		{"is it infected? it's hot and swollen", true},
		{"Is laser removal painful?", false},
		{"what are the side effects of laser", false},
		{"will it blister", false},
		{"how long does redness last", false},
		{"how much does it cost", false},
		{"DOES LASER REMOVAL HURT LIKE HELL", false},
	}
	for _, tt := range tests {
		if got := IsUrgent(tt.text); got != tt.want {
			t.Errorf("IsUrgent(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func TestSmallTalkKinds(t *testing.T) {
	tests := []struct {
		text string
		want smallTalkKind
	}{
		{"hi", greeting},
		{"hey there bot", greeting},
		{"good morning", greeting},
		{"thanks!", gratitude},
		{"thank you so much", gratitude},
		{"hi, thanks", gratitude},
		{"bye", farewell},
		{"hi can smp be removed", notSmallTalk},
		{"thanks but how long does it heal", notSmallTalk},
		{"", notSmallTalk},
	}
	for _, tt := range tests {
		if got := smallTalk(tt.text); got != tt.want {
			t.Errorf("smallTalk(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func TestIsAboutBot(t *testing.T) {
	for _, q := range []string{"What is this bot?", "who are you", "are you a bot", "Are you an AI?", "is this medical advice",
		"what can you do?", "what can I ask", "/help", "help", "hey, who are you?", "can i trust you", "who made you", "how does this bot work"} {
		if !isAboutBot(q) {
			t.Errorf("isAboutBot(%q) = false", q)
		}
	}
	for _, q := range []string{"what is smp", "who should do my laser removal", "are you sure laser is safe", "help me fix my hairline",
		"what can you do about blue smp", "is this normal after laser"} {
		if isAboutBot(q) {
			t.Errorf("isAboutBot(%q) = true", q)
		}
	}
}
