package telegram

import (
	"encoding/json"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// kind is what the adapter does with an update.
type kind int

const (
	kindIgnore   kind = iota // nothing, but log why
	kindQuestion             // answer ev.text
	kindCommand              // run ev.cmd with ev.text as its arguments
	kindCallback             // a button was pressed
	kindInline               // an inline query
	kindNotText              // a sticker, photo or other non-text message in a private chat
)

var kindNames = [...]string{"ignore", "question", "command", "callback", "inline", "not_text"}

func (k kind) String() string { return kindNames[k] }

// maxTextLen caps the text taken from a message, in bytes. Telegram's own limit is 4,096
// characters; anything longer did not come from Telegram, and the handler keeps only
// the first few hundred characters anyway.
const maxTextLen = 16 << 10

// event is an update reduced to what the adapter acts on. route makes it without any
// network call, so the whole decision can be tested and fuzzed on its own.
type event struct {
	update int
	kind   kind
	why    string // for kindIgnore, what to log

	chatID  int64
	private bool
	user    int64
	from    *tgbotapi.User // the sender, when Telegram says who; for moderators' names
	// replyTo is the message a reply should quote: the asking message in a group, none
	// in a private chat.
	replyTo int
	// thread is the forum topic the question was asked in (message_thread_id), 0 for
	// none: a reply names it, so that it stays in the topic even when the question is
	// deleted meanwhile.
	thread int

	text string // the question, or the command's arguments
	cmd  string // the command, lower-case, without "/" or "@bot"
	// addressed is set when a command names this bot (/cmd@ThisBot), so that an unknown
	// one gets an answer even in a group.
	addressed bool
	clipped   bool // the text was cut to maxTextLen

	callback *tgbotapi.CallbackQuery
	inline   *tgbotapi.InlineQuery
	// msg is the message a private-chat question or command came in, for what a
	// moderator sends: its formatting matters there.
	msg *tgbotapi.Message
}

// key groups events that must be handled in order: those of one chat, or of one user
// for inline queries.
func (ev event) key() int64 {
	if ev.chatID != 0 {
		return ev.chatID
	}
	return ev.user
}

// decodeUpdate decodes one update from getUpdates or a webhook. The id is read on its
// own first, so that an update whose body does not decode can still be logged and
// confirmed by its id; ok reports whether raw had one.
func decodeUpdate(raw []byte) (u tgbotapi.Update, id int, ok bool, err error) {
	var head struct {
		UpdateID *int `json:"update_id"`
	}
	if json.Unmarshal(raw, &head) == nil && head.UpdateID != nil {
		id, ok = *head.UpdateID, true
	}
	err = json.Unmarshal(raw, &u)
	return u, id, ok, err
}

// topicOf reads the forum topic of an update's message, or of the message a button
// was on, which the client library does not decode: message_thread_id counts only
// with is_topic_message, since in other groups it names a thread of replies.
func topicOf(raw []byte) int {
	type msg struct {
		Thread int  `json:"message_thread_id"`
		Topic  bool `json:"is_topic_message"`
	}
	var u struct {
		Message  *msg `json:"message"`
		Callback *struct {
			Message *msg `json:"message"`
		} `json:"callback_query"`
	}
	if json.Unmarshal(raw, &u) != nil {
		return 0
	}
	m := u.Message
	if m == nil && u.Callback != nil {
		m = u.Callback.Message
	}
	if m == nil || !m.Topic {
		return 0
	}
	return m.Thread
}

// route decides what to do with an update.
func route(u *tgbotapi.Update, self me) event {
	ev := event{update: u.UpdateID}
	ignore := func(why string) event { ev.kind, ev.why = kindIgnore, why; return ev }
	switch {
	case u.Message != nil:
		return routeMessage(ev, u.Message, self)
	case u.CallbackQuery != nil:
		cb := u.CallbackQuery
		if cb.From == nil || cb.ID == "" {
			return ignore("callback query without sender or id")
		}
		ev.kind, ev.callback, ev.user, ev.from = kindCallback, cb, cb.From.ID, cb.From
		if m := cb.Message; m != nil && m.Chat != nil {
			ev.chatID = m.Chat.ID
			ev.private = m.Chat.Type == "private"
			if !ev.private {
				ev.replyTo = m.MessageID
			}
		}
		return ev
	case u.InlineQuery != nil:
		q := u.InlineQuery
		if q.From == nil || q.ID == "" {
			return ignore("inline query without sender or id")
		}
		ev.kind, ev.inline, ev.user = kindInline, q, q.From.ID
		return ev
	case u.EditedMessage != nil:
		return ignore("edited message")
	case u.ChannelPost != nil, u.EditedChannelPost != nil:
		return ignore("channel post")
	case u.ChosenInlineResult != nil:
		return ignore("chosen inline result")
	case u.MyChatMember != nil, u.ChatMember != nil, u.ChatJoinRequest != nil:
		return ignore("chat membership change")
	}
	return ignore("unsupported update kind")
}

func routeMessage(ev event, m *tgbotapi.Message, self me) event {
	ignore := func(why string) event { ev.kind, ev.why = kindIgnore, why; return ev }
	if m.Chat == nil {
		return ignore("message without chat")
	}
	// An anonymous group admin writes as the group itself: Telegram sends the message
	// from @GroupAnonymousBot, a bot, with sender_chat set to the group.
	anonymous := m.SenderChat != nil && m.SenderChat.ID == m.Chat.ID
	if m.From != nil && m.From.IsBot && !anonymous {
		return ignore("message from a bot")
	}
	if m.ViaBot != nil && m.ViaBot.ID == self.user.ID {
		return ignore("message sent through this bot's inline mode")
	}
	ev.chatID = m.Chat.ID
	switch m.Chat.Type {
	case "private":
		ev.private = true
	case "group", "supergroup":
		ev.replyTo = m.MessageID
	default:
		return ignore("message in a " + m.Chat.Type)
	}
	switch {
	case m.SenderChat != nil:
		ev.user = m.SenderChat.ID // an anonymous group admin or a linked channel
	case m.From != nil:
		ev.user, ev.from = m.From.ID, m.From
	default:
		ev.user = m.Chat.ID
	}
	text := m.Text
	if text == "" {
		if ev.private {
			ev.kind = kindNotText
			return ev
		}
		return ignore("group message without text")
	}
	if len(text) > maxTextLen {
		text = clip(text, maxTextLen)
		ev.clipped = true
	}
	if ev.private {
		ev.msg = m
	}
	if cmd, target, args, ok := parseCommand(text); ok {
		if target != "" && !strings.EqualFold(target, self.user.UserName) {
			return ignore("command for another bot")
		}
		ev.kind, ev.cmd, ev.text, ev.addressed = kindCommand, cmd, args, target != ""
		return ev
	}
	switch {
	case ev.private:
	case m.ReplyToMessage != nil && m.ReplyToMessage.From != nil && m.ReplyToMessage.From.ID == self.user.ID:
	case self.mention != nil && self.mention.MatchString(text):
	default:
		return ignore("group message not addressed to the bot")
	}
	ev.kind = kindQuestion
	ev.text = strings.TrimSpace(stripMention(text, self))
	return ev
}

// parseCommand splits "/name@bot args" into its parts. Telegram marks commands with an
// entity, but entity offsets count UTF-16 units and a malformed update can put them
// anywhere, so the text itself is parsed.
func parseCommand(text string) (name, target, args string, ok bool) {
	if !strings.HasPrefix(text, "/") {
		return "", "", "", false
	}
	tok, rest := text, ""
	if i := strings.IndexFunc(text, unicode.IsSpace); i >= 0 {
		tok, rest = text[:i], text[i:]
	}
	name, target, _ = strings.Cut(tok[1:], "@")
	if !isCommandName(name) {
		return "", "", "", false
	}
	return strings.ToLower(name), target, strings.TrimSpace(rest), true
}

// isCommandName reports whether s can be a command: 1-32 Latin letters, digits and
// underscores.
func isCommandName(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// moderatorText is what a moderator sent, for an FAQ entry: the question's text or the
// command's arguments, with the bold that their client made of **asterisks** put back
// as Markdown, which entries are written in.
func moderatorText(ev event) string {
	if ev.msg == nil {
		return ev.text
	}
	text := clip(markBold(ev.msg.Text, ev.msg.Entities), maxTextLen)
	if ev.kind == kindCommand {
		if _, _, args, ok := parseCommand(text); ok {
			return args
		}
		return ev.text
	}
	return strings.TrimSpace(text)
}

// markBold wraps the text of bold entities in "**". Entity offsets count UTF-16 code
// units and come from the client, so any that do not fit the text are ignored.
func markBold(text string, entities []tgbotapi.MessageEntity) string {
	type mark struct {
		at   int
		open bool
	}
	total := 0
	for _, r := range text {
		total += max(1, utf16.RuneLen(r))
	}
	var marks []mark
	for _, e := range entities {
		if e.Type == "bold" && e.Length > 0 && e.Offset >= 0 && e.Offset <= total-e.Length {
			marks = append(marks, mark{e.Offset, true}, mark{e.Offset + e.Length, false})
		}
	}
	if len(marks) == 0 {
		return text
	}
	// At one position, a bold run ends before the next one starts.
	slices.SortStableFunc(marks, func(a, b mark) int {
		if a.at != b.at {
			return a.at - b.at
		}
		switch {
		case !a.open && b.open:
			return -1
		case a.open && !b.open:
			return 1
		}
		return 0
	})
	var b strings.Builder
	pos, k := 0, 0
	for i, r := range text {
		// A mark inside a surrogate pair comes out after the character.
		for ; k < len(marks) && marks[k].at <= pos; k++ {
			b.WriteString("**")
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		b.WriteString(text[i : i+size])
		pos += max(1, utf16.RuneLen(r))
	}
	for ; k < len(marks); k++ {
		b.WriteString("**")
	}
	return b.String()
}

// stripMention removes "@ThisBot" from a question: it says who is asked, not what.
func stripMention(text string, self me) string {
	if self.mention == nil {
		return text
	}
	return self.mention.ReplaceAllString(text, "$1")
}

// clip cuts s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
