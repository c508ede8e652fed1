package main

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/discord/discordtest"
	"github.com/smpbot/smpbot/knowledge"
)

const e2eToken = "MTMwMDAwMDAwMDAwMDAwMDAwMQ.e2e.t0ken-that-must-never-be-logged"

// smpbotProcess is the smpbot binary running `smpbot run` against a fake.
type smpbotProcess struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	*exitWatch
}

// startSmpbot builds smpbot and runs `smpbot run` with env added to the environment,
// from which DISCORD_*, TELEGRAM_* and SMPBOT_* are dropped: only the fake may be
// reached, no real platform from the developer's shell, and no settings (such as
// listen addresses) of theirs apply. The admin listener takes a free port
// (SMPBOT_ADMIN_LISTEN in env overrides it). The process is killed when the test ends
// if it is still running.
func startSmpbot(t *testing.T, env ...string) *smpbotProcess {
	t.Helper()
	bin := buildSmpbot(t)
	cmd := exec.Command(bin, "run")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DISCORD_") && !strings.HasPrefix(kv, "TELEGRAM_") && !strings.HasPrefix(kv, "SMPBOT_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "SMPBOT_ADMIN_LISTEN=127.0.0.1:0") // never the default 9090
	cmd.Env = append(cmd.Env, env...)
	p := &smpbotProcess{cmd: cmd, stderr: &lockedBuffer{}}
	cmd.Stdout, cmd.Stderr = p.stderr, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.exitWatch = watchExit(cmd)
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("smpbot stderr:\n%s", p.stderr.String())
		}
	})
	return p
}

// stop sends SIGTERM and checks that smpbot exits promptly and cleanly.
func (p *smpbotProcess) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if !p.wait(10 * time.Second) {
		t.Fatalf("smpbot still running 10 s after SIGTERM")
	}
	if p.err != nil {
		t.Errorf("smpbot exited with %v after SIGTERM, want status 0", p.err)
	}
}

// TestDiscordEndToEnd runs the smpbot binary against the fake Discord: slash command,
// autocomplete, button, mention and DM, a gateway drop, then SIGTERM.
func TestDiscordEndToEnd(t *testing.T) {
	fake := discordtest.New(e2eToken, discordtest.WithCommands("", "stale"))
	defer fake.Close()
	p := startSmpbot(t, "DISCORD_TOKEN="+e2eToken, "DISCORD_API_BASE="+fake.URL, "DISCORD_QUESTIONS_PER_MINUTE=30")
	stderr := p.stderr

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := fake.WaitReady(ctx); err != nil {
		t.Fatalf("smpbot never identified: %v", err)
	}
	if _, err := fake.WaitRequest(ctx, func(q discordtest.Request) bool {
		return q.Method == "PUT" && strings.HasSuffix(q.Path, "/commands") && q.Status == 200
	}); err != nil {
		t.Fatalf("commands never registered: %v", err)
	}
	var names []string
	for _, c := range fake.Commands("") {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, []string{"ask", "topics"}) {
		t.Errorf("global commands = %q, want [ask topics] (stale ones replaced)", names)
	}

	entries, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	question := map[string]string{}
	for _, e := range entries {
		question[e.ID] = e.Question
	}
	user := fake.NewUser("mona")
	reply := func(ix discordtest.Interaction) discordtest.Sent {
		t.Helper()
		got, _, err := fake.WaitReply(ctx, ix)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	channelReply := func(p discordtest.Place, id string) discordtest.Sent {
		t.Helper()
		got, err := fake.WaitSent(ctx, func(m discordtest.Sent) bool {
			return discordtest.InChannel(p.ChannelID)(m) && m.Message.MessageReference != nil && m.Message.MessageReference.MessageID == id
		})
		if err != nil {
			t.Fatalf("no reply to message %s: %v", id, err)
		}
		return got
	}
	checkAnswer := func(step string, got discordtest.Sent, wantTitle string, wantEphemeral bool) {
		t.Helper()
		if len(got.Message.Embeds) == 0 {
			t.Fatalf("%s: no embed, content %q", step, got.Message.Content)
		}
		em := got.Message.Embeds[0]
		last := got.Message.Embeds[len(got.Message.Embeds)-1]
		if em.Title != wantTitle || em.Description == "" {
			t.Errorf("%s: embed %q / %.40q, want title %q and the answer", step, em.Title, em.Description, wantTitle)
		}
		if last.Footer == nil || last.Footer.Text != bot.Disclaimer {
			t.Errorf("%s: footer %+v, want the disclaimer", step, last.Footer)
		}
		if got.Ephemeral() != wantEphemeral {
			t.Errorf("%s: ephemeral = %v, want %v", step, got.Ephemeral(), wantEphemeral)
		}
		if err := got.CheckNoPings(); err != nil {
			t.Errorf("%s: %v", step, err)
		}
	}

	// Slash command, with a ping in the question that must not become one.
	slash := reply(fake.Command(fake.Guild(), user, "ask", discordtest.String("question", "@everyone How many laser sessions will I need?")))
	checkAnswer("/ask", slash, question["laser-sessions-count"], false)
	buttons := slash.Buttons()
	if len(buttons) == 0 || !strings.HasPrefix(buttons[0].CustomID, "a:") || buttons[0].Label == "" {
		t.Fatalf("/ask: buttons %+v, want suggestion buttons with a:<entry> ids", buttons)
	}

	// Autocomplete.
	ac := reply(fake.Autocomplete(fake.Guild(), user, "ask", discordtest.Focused("question", "does laser hurt")))
	if ac.ResponseType != discordgo.InteractionApplicationCommandAutocompleteResult || len(ac.Choices) == 0 || len(ac.Choices) > 25 {
		t.Errorf("autocomplete: type %d with %d choices, want type 8 with 1 to 25", ac.ResponseType, len(ac.Choices))
	} else if ac.Choices[0].Name != question["laser-pain"] {
		t.Errorf("autocomplete: first choice %q, want the laser pain question", ac.Choices[0].Name)
	}

	// Pressing the first suggestion answers that entry, for the presser.
	pressedID := strings.TrimPrefix(buttons[0].CustomID, "a:")
	pressedID, _, _ = strings.Cut(pressedID, ":") // a:<entry>[:<reply id>]
	if label := strings.TrimSuffix(buttons[0].Label, "…"); question[pressedID] == "" || label == "" || !strings.HasPrefix(question[pressedID], label) {
		t.Fatalf("/ask: first button %q labelled %q, want an FAQ entry labelled with its question", buttons[0].CustomID, buttons[0].Label)
	}
	pressed := reply(fake.Button(fake.Guild(), user, buttons[0].CustomID))
	checkAnswer("button", pressed, question[pressedID], true)

	// A mention in a channel and a direct message.
	self := discordtest.User{ID: fake.BotUser.ID, Username: fake.BotUser.Username, Bot: true}
	id := fake.Message(fake.Guild(), user, discordtest.Mention(self)+" does laser removal hurt?", self)
	checkAnswer("mention", channelReply(fake.Guild(), id), question["laser-pain"], false)
	dm := fake.DM(user)
	id = fake.Message(dm, user, "How much does SMP removal cost?")
	checkAnswer("DM", channelReply(dm, id), question["cost"], false)

	// The gateway drops; the bot resumes and keeps answering.
	if err := fake.DropGateway(); err != nil {
		t.Fatal(err)
	}
	if _, err := fake.WaitFrame(ctx, func(f discordtest.Frame) bool { return f.FromBot && f.Op == discordtest.OpResume }); err != nil {
		t.Fatalf("no RESUME after the drop: %v", err)
	}
	after := reply(fake.Command(fake.Guild(), user, "ask", discordtest.String("question", "my scalp has pus and a fever after laser")))
	if !strings.HasPrefix(after.Message.Content, bot.UrgentNotice) {
		t.Errorf("after resume: content %.60q, want the urgent notice first", after.Message.Content)
	}
	checkAnswer("after resume", after, question[bot.UrgentEntryID], false)

	// SIGTERM stops the process promptly and cleanly.
	p.stop(t)
	for _, m := range fake.Sent() {
		if m.ResponseType == discordgo.InteractionApplicationCommandAutocompleteResult {
			continue
		}
		if err := m.CheckNoPings(); err != nil {
			t.Errorf("%s %s: %v", m.Request.Method, m.Request.Path, err)
		}
	}
	logs := stderr.String()
	if strings.Contains(logs, e2eToken) {
		t.Errorf("the token appears in smpbot's output:\n%s", logs)
	}
	if !strings.Contains(logs, "smpbot stopped") {
		t.Errorf("smpbot did not log a clean stop:\n%s", logs)
	}
}

// TestDiscordModerationEndToEnd runs smpbot with a data directory, so with moderation
// and the question log: a moderator adds an entry through /faq and its form, people
// are answered with it at once and rate the answer, a non-moderator is refused.
func TestDiscordModerationEndToEnd(t *testing.T) {
	fake := discordtest.New(e2eToken)
	defer fake.Close()
	mod, eve := fake.NewUser("mo"), fake.NewUser("eve")
	data := t.TempDir()
	p := startSmpbot(t, "DISCORD_TOKEN="+e2eToken, "DISCORD_API_BASE="+fake.URL, "DISCORD_MODERATOR_USERS="+mod.ID,
		"SMPBOT_DATA="+data)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := fake.WaitRequest(ctx, func(q discordtest.Request) bool {
		return q.Method == "PUT" && strings.HasSuffix(q.Path, "/commands") && q.Status == 200
	}); err != nil {
		t.Fatalf("commands never registered: %v", err)
	}
	var names []string
	for _, c := range fake.Commands("") {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, []string{"ask", "faq", "topics"}) {
		t.Errorf("global commands = %q, want ask, faq and topics", names)
	}
	reply := func(ix discordtest.Interaction) discordtest.Sent {
		t.Helper()
		got, _, err := fake.WaitReply(ctx, ix)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	faq := func(u discordtest.User, sub string, opts ...discordtest.Opt) discordtest.Sent {
		t.Helper()
		return reply(fake.Command(fake.Guild(), u, "faq", discordtest.Sub(sub, opts...)))
	}

	const question = "Is my poodle allowed in the treatment room?"
	if refused := faq(eve, "list"); refused.Message.Content != bot.DescribeError(bot.ErrForbidden) || !refused.Ephemeral() {
		t.Errorf("non-moderator /faq list: %q (ephemeral %v), want the refusal", refused.Message.Content, refused.Ephemeral())
	}
	form := faq(mod, "add", discordtest.String("id", "pets-at-clinic"))
	if form.Modal == nil {
		t.Fatalf("/faq add: %q, want a form", form.Message.Content)
	}
	saved := reply(fake.SubmitModal(fake.Guild(), mod, form.Modal, map[string]string{
		"question": question, "answer": "Most clinics do not allow pets in treatment rooms.",
		"caveats": "Assistance animals are usually allowed.", "more": "source: Example clinic policy | https://example.org/pets",
	}))
	if !strings.HasPrefix(saved.Message.Content, "Added **pets-at-clinic**") {
		t.Fatalf("submitting the form: %q", saved.Message.Content)
	}

	answer := reply(fake.Command(fake.Guild(), eve, "ask", discordtest.String("question", question)))
	if len(answer.Message.Embeds) == 0 || answer.Message.Embeds[0].Title != question {
		t.Fatalf("/ask after the add: %+v, want the new entry", answer.Message.Embeds)
	}
	var helpful string
	for _, id := range answer.CustomIDs() {
		if strings.HasPrefix(id, "f:") && strings.HasSuffix(id, ":y") {
			helpful = id
		}
	}
	if helpful == "" {
		t.Fatalf("buttons %q, want Helpful (f:<reply id>:y) with the question log on", answer.CustomIDs())
	}
	if thanks := reply(fake.Button(fake.Guild(), eve, helpful)); !strings.HasPrefix(thanks.Message.Content, "Thanks") || !thanks.Ephemeral() {
		t.Errorf("Helpful: %q (ephemeral %v), want thanks to the presser only", thanks.Message.Content, thanks.Ephemeral())
	}
	p.stop(t)

	audit, err := os.ReadFile(filepath.Join(data, knowledge.AuditFile))
	if err != nil || !strings.Contains(string(audit), `"action":"add"`) || !strings.Contains(string(audit), `"user":"`+mod.ID+`"`) {
		t.Errorf("audit log %q (%v), want the add by the moderator", audit, err)
	}
	if logs := p.stderr.String(); strings.Contains(logs, e2eToken) {
		t.Errorf("the token appears in smpbot's output:\n%s", logs)
	}
}

func TestDiscordFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantNil bool
		wantErr string
	}{
		{"not configured", map[string]string{}, true, ""},
		{"token only", map[string]string{"DISCORD_TOKEN": e2eToken}, false, ""},
		{"everything", map[string]string{"DISCORD_TOKEN": e2eToken, "DISCORD_GUILD_ID": "1", "DISCORD_API_BASE": "http://127.0.0.1:1",
			"DISCORD_SHARD_ID": "1", "DISCORD_SHARD_COUNT": "2", "DISCORD_QUESTIONS_PER_MINUTE": "0"}, false, ""},
		{"bad number", map[string]string{"DISCORD_TOKEN": e2eToken, "DISCORD_SHARD_COUNT": "two"}, true, "DISCORD_SHARD_COUNT"},
		{"shard out of range", map[string]string{"DISCORD_TOKEN": e2eToken, "DISCORD_SHARD_ID": "3", "DISCORD_SHARD_COUNT": "2"}, true, "shard"},
		{"bad API base", map[string]string{"DISCORD_TOKEN": e2eToken, "DISCORD_API_BASE": "discord.example"}, true, "API base"},
		{"moderators", map[string]string{"DISCORD_TOKEN": e2eToken, "DISCORD_MODERATOR_USERS": "1, 2", "DISCORD_MODERATOR_ROLES": "3"}, false, ""},
		{"bad moderator role", map[string]string{"DISCORD_TOKEN": e2eToken, "DISCORD_MODERATOR_ROLES": "3,@mods"}, true, "DISCORD_MODERATOR_ROLES"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := newDiscord(func(k string) string { return tt.env[k] }, slog.New(slog.DiscardHandler))
			if (a == nil) != tt.wantNil {
				t.Errorf("adapter = %v, want nil: %v", a, tt.wantNil)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("err = %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("err = %v, want one about %q", err, tt.wantErr)
			case err != nil && strings.Contains(err.Error(), e2eToken):
				t.Errorf("err %q contains the token", err)
			}
		})
	}
}

func TestDiscordModerators(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    bot.Moderators
		wantErr string
	}{
		{"none", map[string]string{}, bot.Moderators{}, ""},
		{"commas and spaces", map[string]string{"DISCORD_MODERATOR_USERS": " 11, 22 ,,33 ", "DISCORD_MODERATOR_ROLES": "44 55"},
			bot.Moderators{DiscordUsers: []string{"11", "22", "33"}, DiscordRoles: []string{"44", "55"}}, ""},
		{"a name instead of an id", map[string]string{"DISCORD_MODERATOR_USERS": "11,mia"}, bot.Moderators{}, `DISCORD_MODERATOR_USERS: "mia"`},
		{"a mention", map[string]string{"DISCORD_MODERATOR_ROLES": "<@&44>"}, bot.Moderators{}, "DISCORD_MODERATOR_ROLES"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := discordModerators(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err = %v, want one about %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got.DiscordUsers, tt.want.DiscordUsers) || !slices.Equal(got.DiscordRoles, tt.want.DiscordRoles) {
				t.Errorf("moderators = %+v, %v, want %+v", got, err, tt.want)
			}
		})
	}
}
