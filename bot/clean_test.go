package bot

import (
	"os"
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
		// miss marks what IsUrgent gets wrong today (the rules alone got it right):
		// logged, not failed, so that a fix shows; see URGENT.md.
		miss bool
	}{
		// What the issue asks for, in words of its own.
		{"my partner's head is all red and puffy where they lasered and he has a temperature", true, false},
		{"my eyes and lips are swelling up after the laser", true, false},
		{"hives all over since the removal", true, false},
		{"the rash is spreading over my whole body", true, false},
		// Asking whether something is normal, with no sign the rules read as severe,
		// worsening or spreading, gets the side-effects answer and no flag.
		{"9 days after laser and my head is still kinda purple and red in patches, is that still normal?", false, false},
		{"my scalp is oozing pus and I have a fever, is that normal?", true, false},
		{"the redness is spreading down my forehead, is that normal?", true, false},
		{"I'm struggling to breathe after the session", true, false},
		{"there's pus coming from the scabs", true, false},
		{"is some redness normal?", false, false},
		// Sores and crusts are read like the other after-effects: spreading sores and
		// yellow crusts are signs, whoever's head it is; crusting over after a first
		// night's weeping is relief, even after ", then".
		{"since the laser I've had sores along my temples and they keep spreading", true, false},
		{"my partner's scalp has yellow crusty patches where the removal was done", true, false},
		// Clear fluid is a healing wound's plasma; a turn to yellow is a sign. A sign
		// that nearly happened did not; swelling where another procedure was done is
		// that procedure's, though an airway closing is a sign whatever caused it. A
		// limb stays the subject of the clauses after it.
		{"is it normal for the blisters to weep a bit of clear fluid?", false, false},
		{"it was clear fluid at first but now it's yellow and smells bad", true, false},
		{"I nearly passed out from nerves during my last session, will the laser hurt as much?", false, false},
		{"I passed out at home an hour after the session", true, false},
		{"I got lip filler yesterday and my lips are swollen, how long does that last?", false, false},
		{"I got lip filler an hour ago and now my throat feels tight and I can't breathe properly", true, false},
		{"my ear piercing is hot and has some yellow crust around it", false, false},
		{"can the laser give you hives if you have sensitive skin?", false, false},
		{"the laser gave me hives all over my chest and they're spreading", true, false},
		// Relief refers back to the clause that names the sign; "they keep spreading"
		// refers back however far; feeling faint now is a sign (the model may veto
		// the fear of it).
		{"bumps came up after the session, like hives, the nurse put cream on and by the evening they'd gone", false, false},
		{"blisters came up all over the patch after the session, now they keep spreading", true, false},
		{"I feel faint and my scalp is burning after the session", true, false},
		{"I'm scared I'm gonna pass out during my first laser session, any tips?", false, false},
		{"a little clear fluid leaked the first evening, then it crusted over and has been fine", false, false},
		{"I get cold sores now and then, is laser removal still ok for me?", false, false},
		// The seventh round (URGENT.md): the eyes swell with the treated skin beside a
		// brow or eyeliner site, unless shut or with the lips or throat; relief that
		// is over ("calmed down"); a comparison of places or with the usual; a general
		// question naming a sign ordinary healing shows; asking whether to worry;
		// losing consciousness.
		{"my brows were lasered this morning and my eyelids are a bit puffy, is that normal?", false, false},
		{"after my eyebrow tattoo removal yesterday my eyes are swollen shut", true, false},
		{"had my eyeliner lasered and now my lips and tongue are swelling up", true, false},
		{"itchy bumps like hives came up after the session but they calmed down within the hour", false, false},
		{"the laser hurts more where the skin is thin over the bone, right?", false, false},
		{"there were more blisters than usual after this session, how long will they take to heal?", false, false},
		{"are hives a normal thing after laser on the hairline?", false, false},
		{"my scalp is pink and warm two days after the session, should I be worried?", false, false},
		{"what are the odds of getting an infection after scalp laser?", false, false},
		{"I blacked out at the bus stop an hour after my session", true, false},
		// A thing is where it happened, not what it happened to, after "in", "at":
		{"I passed out in the car park after my session", true, false},
		{"my car radiator is leaking green stuff", false, false},
		{"how long does the swelling last?", false, false},
		{"can laser cause an allergic reaction?", false, false},
		{"is it normal to feel a bit sore the next day?", false, false},
		{"my scalp has pus after the laser", true, false},
		{"there's yellow stuff oozing from the scabs", true, false},
		{"I have a fever since the session", true, false},
		{"the redness is spreading down my forehead", true, false},
		{"the pain is getting worse every day", true, false},
		{"severe pain after saline removal", true, false},
		{"huge blisters all over the treated area", true, false},
		{"blisters keep getting bigger", true, false},
		{"I think I'm allergic, hives everywhere", true, false},
		{"my lips are swollen after the numbing cream", true, false},
		{"can't breathe properly since the cream", true, false},
		{"is it infected? it's hot and swollen", true, false},
		{"Is laser removal painful?", false, false},
		{"what are the side effects of laser", false, false},
		{"will it blister", false, false},
		{"how long does redness last", false, false},
		{"how much does it cost", false, false},
		{"DOES LASER REMOVAL HURT LIKE HELL", false, false},
		// However phrased: upper case, typos, a report inside a question.
		{"MY FACE IS SWOLLEN AND I CANT BREATHE", true, false},
		{"feaver and puss after lazer", true, false},
		{"scalp is swolen and the infecton is spreding", true, false},
		{"is this normal? the redness keeps spreading down my neck", true, false},
		{"not sure if it's infected but there's yellow stuff", true, false},
		{"the spot has been bleeding for an hour and won't stop", true, false},
		{"rash all over my body since the removal", true, false},
		{"the swelling went down but now there's pus", true, false},
		{"what do I do, the redness keeps spreading", true, false},
		{"what do i do the redness is spreading", true, false},
		{"worst pain of my life since the laser", true, false},
		{"itchy rash everywhere, even on my legs", true, false},
		// Negated, long ago, cleared up, a question about risk or what is normal.
		{"no fever, no pus, just a bit red", false, false},
		{"I don't have any swelling or pain, when is my next session?", false, false},
		{"had an infection after a tattoo years ago, is laser riskier for me?", false, false},
		{"it oozed a little the first night but that stopped", false, false},
		{"can laser removal cause an infection?", false, false},
		{"how do I avoid an infection after laser?", false, false},
		{"is it normal for swelling to get worse on day two?", false, false},
		{"will the redness spread?", false, false},
		{"I'm allergic to lidocaine, can they numb me?", false, false},
		{"the ink has spread and the area is a bit red", false, false},
		// A sign asked about as a possibility is a question about risk.
		{"are hives common after laser removal?", false, false},
		{"is it common to have pus a week after?", true, false},
		// "pain's" is read without its apostrophe.
		{"the pain's getting worse each night since the laser", true, false},
		// A comparison with another thing is no worsening; with an earlier time it is.
		{"Is laser removal more painful than the SMP itself?", false, false},
		{"my scalp is more painful than yesterday and it's throbbing", true, false},
		// A question about care, with no sign the rules read, is not urgent; with one it is.
		{"day 3 after the laser, a bit pink and tender and the scabs are dry. when can I wash my hair and go back to the gym?", false, false},
		{"there's pus coming out of the scabs and I've got a fever, can I still wash my hair?", true, false},
		// A question about a risk, or a message saying the after-effect is settling, with
		// no sign the rules read, is not urgent; a reversal after the settling decides.
		{"I've read horror stories about infections after laser and I'm nervous. is it actually safe on the scalp?", false, false},
		{"the redness has mostly faded and new skin is coming through where it was scabby, a bit itchy", false, false},
		{"the swelling was going down but this morning the redness is creeping down my forehead and it's hot", true, false},
		// A question typed without its question mark is still a question.
		{"had my first removal session and my hairline has puffed up and gone pink, is this expected", false, false},
		{"my lips have swollen up since the laser, is this normal", true, false},
		{"the scabs are oozing pus and it smells, is that normal", true, false},
		{"is it a big deal if my scalp is still red?", false, false},
		{"the injection of lidocaine stung a bit", false, false},
		{"the worst part is the itching, is that normal?", false, false},
		{"little blisters everywhere they lasered, normal?", false, false},
		{"in the first few days the redness was bad but it has settled", false, false},
		{"can I blend my smp after removal, it's spending money either way", false, false},
		// Real words are not typos of a sign: two edits made these urgent.
		{"is showering ok the day after laser?", false, false},
		{"does the needle insertion for the numbing hurt?", false, false},
		{"my intention is to get an inspection of the scalp first", false, false},
		{"infektion on my scalp after the laser", true, false},
		// Words with an everyday sense, things and animals, infections elsewhere.
		{"how do i fix a leaking tap", false, false},
		{"the blisters keep leaking", true, false},
		{"my cat has a fever and pus in her eye", false, false},
		{"my dog licked the treated area and now my scalp is oozing", true, false},
		{"I have a chest infection, should I move my laser?", false, false},
		{"hay fever season, is laser ok?", false, false},
		// Comparing is not getting worse.
		{"does electrolysis hurt more than waxing", false, false},
		{"is laser worse than saline for pain?", false, false},
		{"the pain is worse than yesterday", true, false},
		// Asking how to recognise a sign is not having it.
		{"how do i know if my scalp is infected after laser?", false, false},
		{"what are the signs of infection after laser?", false, false},
		{"I'm showing signs of infection after laser", true, false},
		{"what should I do if it gets infected?", false, false},
		{"is it normal if there's pus?", true, false},
		// Burns, temperatures, swelling named otherwise.
		{"got burned by the laser yesterday", true, true},
		{"can the laser burn my scalp?", false, false},
		{"how do you treat a burn from a hot pan", false, false},
		{"my temperature is 38.5 since the session", true, false},
		{"my temperature was 36.8 this morning, all good", false, false},
		{"lips went all big and tingly after the numbing cream", true, false},
		{"how long does swelling last after lip filler", false, false},
		{"will my face swell after laser on the hairline?", false, false},
		{"is it meant to be this swollen? it has spread to my eyes now", true, false},
		// Context that masks a sign must not mask a report.
		{"anyone else get a rash all over their body after removal?", true, false},
		{"every time I touch the lasered bit pus comes out", true, false},
		{"can barely breathe and my face feels swollen since the session", true, false},
		{"can swelling after the laser spread to the forehead?", false, false},
		{"my lips swell up after lip filler every time", false, false},
		// The eighth round (URGENT.md), each class beside a complication in nearly the
		// same words. Pain tolerance and the pain to expect are no sign.
		{"with my low pain tolerance will the zapping be unbearable?", false, false},
		{"my pain threshold is really bad, is the pain intense, what can the clinic give me?", false, false},
		{"my pain tolerance is terrible and since the laser the pain is getting worse every day and there's pus", true, false},
		{"my pain is unbearable since the laser, is that ok?", true, false},
		// A cold: a reading under 38 is no fever, a sore throat no trouble swallowing.
		{"I've caught a cold, temperature of 37.8, blocked nose and sore throat. should I move my session?", false, false},
		{"I'm full of cold, 37.5 temp, sore throat, bunged up nose, do I need to rearrange my laser appointment?", false, false},
		{"I think I'm getting the flu, my throat is sore and I'm achy, my session is on monday, do I cancel?", false, false},
		{"I have a cold, temperature of 38.4, and the treated area is hot and swollen, should I move my next session?", true, false},
		{"got a cold and a sore throat and now I can't swallow properly since the session", true, false},
		{"I've caught a cold and since the laser my throat feels tight and I'm struggling to breathe", true, false},
		{"temperature of 37.8 but there's yellow pus coming out of the scabs", true, false},
		{"flu-like symptoms since the laser, shivering and the treated area is hot to the touch", true, false},
		// Hives with an everyday cause, the treatment not named or denied.
		{"I broke out in welts all over my back after changing laundry detergent, no laser involved", false, false},
		{"I have hives on my back, I think from a new washing powder, I haven't had any treatment recently, should I worry?", false, false},
		{"hives all over my back since the laser yesterday, nothing new in my washing", true, false},
		{"hives on my back from a new washing powder and now my lips are swelling up", true, false},
		// An after-effect back after each session that settles each time.
		{"bad hay fever sufferer here. itchiness and some puffiness return for a couple of days after each treatment and then calm down again", false, false},
		{"I'm prone to allergic reactions and after each laser session the area itches and gets puffy for a few days, then it settles. is that an allergy?", false, false},
		{"after each session my scalp itches for a few days, but this time the redness is spreading down my neck", true, false},
		{"I get hay fever and after this session my scalp itched and then my lips and eyes swelled up", true, false},
		// Pain at a higher setting compares settings; a course later is another thing.
		{"having laser hair removal on my legs, it became more painful at the higher setting, is this normal and will each session get worse?", false, false},
		{"laser on my scalp hurt more at the higher setting and now three days later the pain is worse and it's hot and red", true, false},
		// A worsening denied, "yet" at the end of a clause no turn.
		{"still sore and tender twelve days after my session, it's not getting worse, it just hasn't settled yet", false, false},
		{"still sore and tender twelve days after my session and it's getting worse, the area is hot and swollen", true, false},
		// Denied in a sentence of its own after the after-effect: no spreading either;
		// "won't stop spreading" is no denial.
		{"is it normal that my head still feels tender a week after the session? it's not getting any worse, just slow", false, false},
		{"my head still feels tender a week after the session. it hasn't got any bigger but it's not gone", false, false},
		{"my scalp went red and sore after the session. it won't stop spreading down my neck", true, false},
		{"my scalp went red and sore after the session. it's getting worse every day", true, false},
		// The ninth round (URGENT.md). A reaction of the face back after every
		// session that settled each time, however bad, nothing happening now; a sign
		// outside the story, something now or a turn this time is still one.
		{"I'm prone to allergic reactions and after each of my last two laser sessions my forehead and eyelids got puffy and itchy for about 3 days, then it went down. I take antihistamines. should I keep going?", false, false},
		{"I have bad allergies and eczema. my eyelids swell and itch for a few days after every removal session, then calm down. I'm booked for another next month, what can I do?", false, false},
		{"lots of allergies here. after every session the itching is unbearable and the area puffs up for a couple of days before it settles. is that just me?", false, false},
		{"my eyelids swell after every session and then it goes down within a couple of days. my lips are swollen and itchy", true, false},
		{"I'm prone to allergies. after each session my face swells a little and settles, and now two days after this one my lips are swelling", true, false},
		{"I'm allergy prone and my eyelids always get puffy after sessions and settle, but this time they're swollen shut and I'm wheezing", true, false},
		{"after every session my scalp gets red and itchy and settles, but it's worse each time and spreading further", true, false},
		{"after every session my lips swell up for a day or two and then go back to normal. should I keep going?", true, false},
		{"I'm allergy prone, my throat feels tight and itchy after each session and it settles by the evening", true, false},
		// The pain of a session compared with another session or at a raised
		// setting, nothing of the days after; pain that grows after a session is one.
		{"my laser hair removal clinic went up a level on the settings today and the pain was so much worse than last time, I nearly asked them to stop. does it get easier?", false, false},
		{"my fourth laser hair removal session on my legs hurt much more than the first three, they put the power up. will each session keep getting more painful?", false, false},
		{"it hurt way more than the first two sessions. does it keep getting worse every session?", false, false},
		{"they turned the setting up and it hurt much more than last session, since then the area is red hot and oozing yellow", true, false},
		{"the laser was on a higher setting and my scalp hurt more than last time, now it's throbbing and worse every day", true, false},
		{"the pain is worse than last time I looked at it", true, false},
	}
	misses := 0
	for _, tt := range tests {
		got := IsUrgent(tt.text)
		switch {
		case tt.miss && got != tt.want:
			misses++
			t.Logf("known miss: IsUrgent(%q) = %v, want %v", tt.text, got, tt.want)
		case tt.miss:
			t.Logf("IsUrgent(%q) = %v, right now: drop its miss mark", tt.text, got)
		case got != tt.want:
			t.Errorf("IsUrgent(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
	t.Logf("%d of %d known misses", misses, len(tests))
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
		{"ok thanks so much, that really helps", gratitude},
		{"that really helped, cheers mate", gratitude},
		{"ok got it, makes sense", acknowledgement},
		{"hi there, hope you're doing well", greeting},
		{"thank you for your time, bye for now", gratitude},
		{"ok bye, have a good day", farewell},
		{"hi can smp be removed", notSmallTalk},
		{"thanks but how long does it heal", notSmallTalk},
		{"thanks, and how long does healing take?", notSmallTalk},
		{"ok so does it hurt", notSmallTalk},
		{"that doesn't help", notSmallTalk},
		{"ok", acknowledgement},
		{"hi thanks " + strings.Repeat("so much ", 8), notSmallTalk},
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

// longStory is a message as long as the handler lets one be.
var longStory = Clean(strings.Repeat("I had my second laser session four days ago and since then the treated hairline has been quite sore, slightly swollen and itchy, "+
	"no fever though; the clinic said blistering is normal. ", 12))

// BenchmarkIsUrgent reads the longest message, and a typical one; the model is
// trained before the clock starts (NewFAQ does it at start).
func BenchmarkIsUrgent(b *testing.B) {
	urgentModel()
	for _, bc := range []struct{ name, text string }{
		{"long", longStory},
		{"typical", "my scalp is still a bit red and puffy three days after the laser, is that normal or should I worry?"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				IsUrgent(bc.text)
			}
		})
	}
}

// BenchmarkUrgentRules reads the longest message with the rules alone, for
// comparison with BenchmarkIsUrgent.
func BenchmarkUrgentRules(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		urgentRules(longStory)
	}
}

// FuzzReading reads arbitrary text as the handler does before searching: nothing may
// panic, capitals never change whether a message is urgent, and neither does a
// greeting before it or thanks after it (sentences that name nothing).
func FuzzReading(f *testing.F) {
	for _, s := range []string{"my scalp has pus", "no fever, it stopped", "¿Cuánto cuesta?", "ok thanks so much",
		"bleeding won't stop", "swolen lips", "is it normal for swelling to get worse?", "Сколько стоит", ", , ,", "'''",
		"is it meant to be this swollen? it has spread to my eyes", "my temperature is 38.5", "how do i fix a leaking tap",
		"my cat has a fever and pus", "got burned by the laser", "does it hurt more than yesterday"} {
		f.Add(s)
	}
	// Every message of the urgent pairs is a seed too: real phrasings to mutate.
	file, err := os.Open("testdata/urgent_pairs.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	defer file.Close()
	cases, err := ReadEvalCases(file)
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range cases {
		f.Add(c.Q)
	}
	f.Fuzz(func(t *testing.T, text string) {
		urgent := IsUrgent(text)
		DetectLanguage(text)
		smallTalk(text)
		MentionsSymptom(text)
		AsksSigns(text)
		ascii := true
		for i := 0; i < len(text); i++ {
			ascii = ascii && text[i] < utf8.RuneSelf
		}
		if ascii && IsUrgent(strings.ToUpper(text)) != urgent {
			t.Errorf("IsUrgent(%q) = %v, but not in upper case", text, urgent)
		}
		if got := IsUrgent("Hi there.\n" + text + "\nThanks in advance!"); got != urgent {
			t.Errorf("IsUrgent(%q) = %v, but %v between a greeting and thanks", text, urgent, got)
		}
	})
}
