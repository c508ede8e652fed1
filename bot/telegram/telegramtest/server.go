// Package telegramtest is a fake Telegram Bot API server for tests. It speaks the Bot
// API's real JSON over HTTP on 127.0.0.1, so the real client library can be driven
// against it: it implements the methods smpbot's Telegram adapter uses (getMe,
// getUpdates with long polling and offsets, sendMessage, editMessageText,
// answerCallbackQuery, answerInlineQuery, setMyCommands for the default and chat
// scopes, setWebhook, deleteWebhook, getWebhookInfo), validates requests the way
// Telegram does (HTML that must parse, the 4,096-character limit, 64-byte callback
// data, queries answered once), records what it receives, delivers updates to a
// webhook once one is set, and injects faults: 429 with retry_after, 5xx, slow
// responses and dropped connections.
//
// A 429, injected or from its flood control, refuses more than the one call: as on
// Telegram, every call to the same chat (or, for a call without a chat, of the same
// method; with Fault.Global, every call but getUpdates) is refused with 429 until
// retry_after has passed, each with the seconds left, rounded up. Refused counts the
// calls a client sent inside such a window, which one that honours retry_after never
// does.
//
// Tests act as Telegram's users through Send, Press, Inline and Push, then inspect what
// the bot did through Messages, CallbackAnswers, InlineAnswers, Commands, ChatCommands
// and Calls.
package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// MaxMessageLen is Telegram's limit on a message's text after entity parsing, in UTF-16
// code units.
const MaxMessageLen = 4096

// SecretHeader carries the webhook's secret token on every delivery.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// Fault is what the server does instead of answering one call normally.
type Fault struct {
	// Status answers with this HTTP status and error_code (429, 500, 502, ...) without
	// processing the call. Zero processes it.
	Status int
	// RetryAfter goes into parameters.retry_after, in seconds, with Status 429, and is
	// how long the refusal lasts: every call to the same chat (for a call without a
	// chat_id, of the same method) is refused until it has passed. Zero refuses only
	// the one call.
	RetryAfter int
	// Global makes a 429's refusal bot-wide, as Telegram's limit on all of a bot's
	// messages is: every call but getUpdates is refused until RetryAfter has passed.
	Global bool
	// Delay waits this long before answering (a slow response). The call is processed
	// after the wait only if the client is still there.
	Delay time.Duration
	// Drop closes the connection without any response, before processing the call.
	Drop bool
}

func (f Fault) zero() bool { return f == Fault{} }

// Call is one request the server received.
type Call struct {
	Method string
	Params url.Values
	// Status is the HTTP status answered; 0 when the connection was dropped or the
	// client went away first.
	Status int
	// At is when the call arrived.
	At time.Time
}

// Sent is a message the bot sent (sendMessage) or a text it edited (editMessageText).
type Sent struct {
	Method          string
	ChatID          int64
	MessageID       int
	InlineMessageID string
	ReplyTo         int
	// HTML is the text as the bot sent it; Text is what the user sees after parsing.
	HTML      string
	Text      string
	ParseMode string
	Keyboard  [][]tgbotapi.InlineKeyboardButton
	// Thread is the forum topic the message landed in; 0 is General, or no forum.
	Thread int
}

// CallbackAnswer is the bot's acknowledgement of a button press.
type CallbackAnswer struct {
	QueryID   string
	Text      string
	ShowAlert bool
}

// InlineAnswer is the bot's answer to an inline query.
type InlineAnswer struct {
	QueryID   string
	CacheTime int
	Results   []InlineResult
	// Button is the text of the button above the results (InlineQueryResultsButton),
	// and StartParameter what it starts a private chat with.
	Button, StartParameter string
}

// InlineResult is one article offered in inline mode.
type InlineResult struct {
	Type, ID, Title, Description string
	// HTML is the message_text the result inserts; Text is it after parsing.
	HTML, Text, ParseMode string
	Keyboard              [][]tgbotapi.InlineKeyboardButton
}

// Option configures a Server.
type Option func(*Server)

// WithBot sets the bot's own user, as getMe returns it. The default is
// {ID: 7000001, IsBot: true, FirstName: "SMP Bot", UserName: "SMPBot"}.
func WithBot(u tgbotapi.User) Option { return func(s *Server) { s.bot = u } }

// FloodLimits are the send rates beyond which the server answers 429 by itself, as
// Telegram's flood control does: per chat a steady ChatInterval between messages after a
// burst of ChatBurst, and at most GroupLimit messages in any GroupWindow in a group. Zero
// fields impose nothing.
type FloodLimits struct {
	ChatInterval time.Duration
	ChatBurst    int
	GroupLimit   int
	GroupWindow  time.Duration
}

// TelegramFloodLimits are Telegram's published limits: about one message a second in a
// chat, short bursts tolerated, and 20 a minute in a group. The server applies them
// unless told otherwise.
var TelegramFloodLimits = FloodLimits{ChatInterval: time.Second, ChatBurst: 5, GroupLimit: 20, GroupWindow: time.Minute}

// WithFloodLimits replaces TelegramFloodLimits; FloodLimits{} turns flood control off.
func WithFloodLimits(l FloodLimits) Option { return func(s *Server) { s.flood = l } }

// WithWebhookRoute makes the server deliver updates for a webhook registered under the
// public base URL (https://bot.example.com:8443) to local (http://127.0.0.1:port)
// instead: Telegram only accepts HTTPS webhooks on its few ports, which a test's
// listener is not.
func WithWebhookRoute(public, local string) Option {
	return func(s *Server) {
		s.routes = append(s.routes, [2]string{strings.TrimRight(public, "/"), strings.TrimRight(local, "/")})
	}
}

// WithPrivacyMode(false) lets the bot read every group message, as when privacy mode
// is turned off with @BotFather or the bot is a group admin. It is on by default, as
// on Telegram.
func WithPrivacyMode(on bool) Option { return func(s *Server) { s.privacy = on } }

// Server is a fake Bot API server. It is safe for concurrent use.
type Server struct {
	// URL is the server's base address, like http://127.0.0.1:12345.
	URL string

	token  string
	bot    tgbotapi.User
	hs     *httptest.Server
	client *http.Client
	done   chan struct{}
	wg     sync.WaitGroup

	mu           sync.Mutex
	changed      chan struct{} // closed and replaced whenever anything changes
	nextUpdateID int
	updates      []pending // not yet confirmed, in update_id order
	chats        map[int64]*chat
	calls        []Call
	sent         []Sent
	callbacks    map[string]*pendingQuery // by query id
	cbAnswers    []CallbackAnswer
	inline       map[string]*pendingQuery // by query id
	inlineMsgs   map[string]string        // inline message ids that exist: their text and keyboard
	queryTTL     time.Duration
	privacy      bool
	spoke        map[int64]bool // groups the bot has sent a message in
	hidden       []tgbotapi.Message
	now          func() time.Time
	inAnswers    []InlineAnswer
	commands     []tgbotapi.BotCommand
	chatCommands map[int64][]tgbotapi.BotCommand // setMyCommands with a chat scope
	hookURL      string
	hookSecret   string
	faults       map[string][]Fault
	policy       func(method string, n int) Fault
	counts       map[string]int
	blocked      map[int64]bool
	nextQueryID  int
	polling      int // getUpdates calls waiting for updates
	flood        FloodLimits
	routes       [][2]string           // public webhook base, local base
	allowed      map[string]bool       // allowed_updates; nil: the default
	skipped      []int                 // updates dropped as not allowed
	chatTAT      map[int64]time.Time   // per chat, the theoretical arrival time (GCRA)
	groupSent    map[int64][]time.Time // per group, sends within the window
	floodRefused map[int64]int         // 429s from flood control, by chat
	// holds are the retry_after windows 429s opened, by scope (holdScope), with when
	// each ends; refused counts the calls made inside one, by chat (0 for calls
	// without a chat).
	holds   map[string]time.Time
	refused map[int64]int
}

// pendingQuery is a callback or inline query waiting for the bot's answer.
type pendingQuery struct {
	at       time.Time
	answered bool
}

// QueryTTL is how long a callback or inline query id can be answered, after which
// Telegram refuses the answer as too old.
const QueryTTL = 15 * time.Second

// WithQueryTTL replaces QueryTTL.
func WithQueryTTL(d time.Duration) Option { return func(s *Server) { s.queryTTL = d } }

// WithClock sets the clock queries expire by (for tests of expiry).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// answerable marks the query answered if it can still be: known, unanswered, not expired.
func (s *Server) answerable(q *pendingQuery) bool {
	if q == nil || q.answered || s.now().Sub(q.at) > s.queryTTL {
		return false
	}
	q.answered = true
	return true
}

type pending struct {
	id   int
	raw  json.RawMessage
	kind string // "message", "callback_query", ...: the update's field besides update_id
}

// updateKind is the kind of a raw update, as allowed_updates names it: its first field
// other than update_id; "" when it has none.
func updateKind(raw []byte) string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return ""
	}
	for k, v := range fields {
		if k != "update_id" && string(v) != "null" {
			return k
		}
	}
	return ""
}

// notByDefault are the kinds Telegram leaves out when allowed_updates was never given.
var notByDefault = map[string]bool{"chat_member": true, "message_reaction": true, "message_reaction_count": true}

// allowedLocked reports whether an update of the kind is delivered under the last
// allowed_updates the bot gave. Callers hold s.mu.
func (s *Server) allowedLocked(kind string) bool {
	if kind == "" {
		return true // malformed: delivered as is, for the bot to cope with
	}
	if s.allowed == nil {
		return !notByDefault[kind]
	}
	return s.allowed[kind]
}

// setAllowedLocked records allowed_updates from getUpdates or setWebhook; absent keeps
// the previous setting, and an empty list means the default, as in Telegram.
func (s *Server) setAllowedLocked(p url.Values) error {
	raw, ok := p["allowed_updates"]
	if !ok || len(raw) == 0 || raw[0] == "" || raw[0] == "null" {
		return nil
	}
	var kinds []string
	if err := json.Unmarshal([]byte(raw[0]), &kinds); err != nil {
		return badRequest("can't parse allowed updates")
	}
	if len(kinds) == 0 {
		s.allowed = nil
		return nil
	}
	s.allowed = map[string]bool{}
	for _, k := range kinds {
		s.allowed[k] = true
	}
	return nil
}

// Skipped returns the ids of the updates dropped because the bot did not ask for
// their kind in allowed_updates.
func (s *Server) Skipped() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.skipped...)
}

type chat struct {
	chat    tgbotapi.Chat
	nextID  int
	msgs    map[int]*tgbotapi.Message
	forum   bool
	threads map[int]int // message id: forum topic (message_thread_id), 0 for General
}

// NewServer starts a fake Bot API server for the bot with the token. Close it when done.
func NewServer(token string, opts ...Option) *Server {
	s := &Server{
		token:        token,
		bot:          tgbotapi.User{ID: 7000001, IsBot: true, FirstName: "SMP Bot", UserName: "SMPBot"},
		client:       &http.Client{Timeout: 10 * time.Second},
		done:         make(chan struct{}),
		changed:      make(chan struct{}),
		nextUpdateID: 100001,
		chats:        map[int64]*chat{},
		callbacks:    map[string]*pendingQuery{},
		inline:       map[string]*pendingQuery{},
		inlineMsgs:   map[string]string{},
		queryTTL:     QueryTTL,
		privacy:      true,
		spoke:        map[int64]bool{},
		now:          time.Now,
		faults:       map[string][]Fault{},
		counts:       map[string]int{},
		blocked:      map[int64]bool{},
		chatCommands: map[int64][]tgbotapi.BotCommand{},
		flood:        TelegramFloodLimits,
		chatTAT:      map[int64]time.Time{},
		groupSent:    map[int64][]time.Time{},
		floodRefused: map[int64]int{},
		holds:        map[string]time.Time{},
		refused:      map[int64]int{},
	}
	for _, o := range opts {
		o(s)
	}
	s.hs = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.hs.URL
	s.wg.Add(1)
	go s.deliver()
	return s
}

// Endpoint is the API endpoint format for tgbotapi and TELEGRAM_API_ENDPOINT.
func (s *Server) Endpoint() string { return s.URL + "/bot%s/%s" }

// Bot is the bot's own user.
func (s *Server) Bot() tgbotapi.User { return s.bot }

// Close stops the server, ending pending long polls.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.done:
		s.mu.Unlock()
		return
	default:
	}
	close(s.done)
	s.mu.Unlock()
	s.hs.CloseClientConnections()
	s.hs.Close()
	s.wg.Wait()
}

// notify wakes every waiter. Callers hold s.mu.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Wait polls cond until it is true or the timeout passes, waking whenever the server's
// state changes. It reports whether cond became true.
func (s *Server) Wait(timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return cond()
		}
	}
}

// Fail queues faults for the next calls of method, one per call, in order. Method ""
// matches any method.
func (s *Server) Fail(method string, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], faults...)
}

// SetFaults installs a policy consulted for every call without a queued fault: n counts
// the calls of that method from 1. A nil policy removes it.
func (s *Server) SetFaults(policy func(method string, n int) Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.policy = policy
}

// Block makes sending to the chat fail with 403, as when a user blocks the bot.
func (s *Server) Block(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[chatID] = true
}

// --- acting as Telegram's users ---

// PrivateChat returns (and registers) the private chat with a user.
func (s *Server) PrivateChat(u tgbotapi.User) tgbotapi.Chat {
	return s.register(tgbotapi.Chat{ID: u.ID, Type: "private", FirstName: u.FirstName, UserName: u.UserName})
}

// Group returns (and registers) a supergroup with the id (Telegram's group ids are
// negative).
func (s *Server) Group(id int64, title string) tgbotapi.Chat {
	return s.register(tgbotapi.Chat{ID: id, Type: "supergroup", Title: title})
}

func (s *Server) register(c tgbotapi.Chat) tgbotapi.Chat {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chatLocked(c)
	return c
}

func (s *Server) chatLocked(c tgbotapi.Chat) *chat {
	ch, ok := s.chats[c.ID]
	if !ok {
		ch = &chat{chat: c, nextID: 1, msgs: map[int]*tgbotapi.Message{}, threads: map[int]int{}}
		s.chats[c.ID] = ch
	}
	return ch
}

// Forum returns (and registers) a supergroup with topics: messages in a topic carry
// its message_thread_id, and an answer must name the topic to land in it.
func (s *Server) Forum(id int64, title string) tgbotapi.Chat {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := tgbotapi.Chat{ID: id, Type: "supergroup", Title: title}
	s.chatLocked(c).forum = true
	return c
}

// SendInTopic delivers a text message posted in a forum's topic (thread > 0), with
// message_thread_id and is_topic_message set as Telegram does. The client library
// knows neither field, so they are added to the update's JSON.
func (s *Server) SendInTopic(c tgbotapi.Chat, from tgbotapi.User, text string, thread int) tgbotapi.Message {
	s.mu.Lock()
	ch := s.chatLocked(c)
	m := tgbotapi.Message{From: &from, Text: text, Entities: Entities(text), MessageID: ch.nextID, Chat: &ch.chat, Date: int(time.Now().Unix())}
	ch.nextID++
	ch.msgs[m.MessageID] = &m
	ch.threads[m.MessageID] = thread
	visible := s.visibleLocked(ch, &m)
	s.mu.Unlock()
	if !visible {
		return m
	}
	raw, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	var obj map[string]any
	_ = json.Unmarshal(raw, &obj)
	obj["message_thread_id"], obj["is_topic_message"] = thread, true
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextUpdateID
	s.nextUpdateID++
	raw, _ = json.Marshal(map[string]any{"update_id": id, "message": obj})
	s.updates = append(s.updates, pending{id, raw, "message"})
	s.notify()
	return m
}

// Delete deletes a message in a chat, as its sender would.
func (s *Server) Delete(c tgbotapi.Chat, messageID int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.chatLocked(c).msgs, messageID)
}

// Send delivers a text message from a user, as Telegram would: with a message id, the
// bot_command and mention entities Telegram marks, and, when replyTo is not 0, the
// message it replies to. It returns the message.
func (s *Server) Send(c tgbotapi.Chat, from tgbotapi.User, text string, replyTo int) tgbotapi.Message {
	m := tgbotapi.Message{From: &from, Text: text, Entities: Entities(text)}
	return s.SendMessage(c, m, replyTo)
}

// SendMessage delivers any message (a sticker, a photo, a caption) in the chat; its id,
// date and chat are filled in.
func (s *Server) SendMessage(c tgbotapi.Chat, m tgbotapi.Message, replyTo int) tgbotapi.Message {
	s.mu.Lock()
	ch := s.chatLocked(c)
	m.MessageID = ch.nextID
	ch.nextID++
	m.Chat = &ch.chat
	m.Date = int(time.Now().Unix())
	if replyTo != 0 {
		if r, ok := ch.msgs[replyTo]; ok {
			cp := *r
			cp.ReplyToMessage = nil // Telegram nests only one level
			m.ReplyToMessage = &cp
		}
	}
	ch.msgs[m.MessageID] = &m
	visible := s.visibleLocked(ch, &m)
	if !visible {
		s.hidden = append(s.hidden, m)
	}
	s.mu.Unlock()
	if visible {
		s.Push(tgbotapi.Update{Message: &m})
	}
	return m
}

// visibleLocked reports whether a message reaches the bot. In privacy mode a bot in a
// group gets only commands addressed to it (/cmd@bot, or /cmd when it was the last
// bot to speak there), replies to its messages and messages mentioning it. Callers
// hold s.mu.
func (s *Server) visibleLocked(ch *chat, m *tgbotapi.Message) bool {
	if !s.privacy || (ch.chat.Type != "group" && ch.chat.Type != "supergroup") {
		return true
	}
	if m.ReplyToMessage != nil && m.ReplyToMessage.From != nil && m.ReplyToMessage.From.ID == s.bot.ID {
		return true
	}
	text := m.Text
	if text == "" {
		text = m.Caption
	}
	if strings.HasPrefix(text, "/") {
		tok, _, _ := strings.Cut(text, " ")
		_, target, addressed := strings.Cut(tok, "@")
		if addressed {
			return strings.EqualFold(target, s.bot.UserName)
		}
		return s.spoke[ch.chat.ID]
	}
	for _, e := range Entities(text) {
		if e.Type == "mention" && strings.EqualFold(text[e.Offset+1:e.Offset+e.Length], s.bot.UserName) {
			return true
		}
	}
	return false
}

// Hidden returns the group messages privacy mode kept from the bot.
func (s *Server) Hidden() []tgbotapi.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]tgbotapi.Message(nil), s.hidden...)
}

// GroupAnonymousBot is the user Telegram puts in "from" of a message an anonymous group
// admin sends; sender_chat is then the group.
var GroupAnonymousBot = tgbotapi.User{ID: 1087968824, IsBot: true, FirstName: "Group", UserName: "GroupAnonymousBot"}

// SendAnonymous delivers a message an anonymous admin sends in a group, in the shape
// Telegram uses: from @GroupAnonymousBot, sender_chat the group.
func (s *Server) SendAnonymous(group tgbotapi.Chat, text string) tgbotapi.Message {
	m := tgbotapi.Message{From: &GroupAnonymousBot, SenderChat: &group, Text: text, Entities: Entities(text)}
	return s.SendMessage(group, m, 0)
}

// Edit delivers an edited_message update for a message the user sent earlier.
func (s *Server) Edit(m tgbotapi.Message, text string) int {
	m.Text = text
	m.Entities = Entities(text)
	m.EditDate = int(time.Now().Unix())
	return s.Push(tgbotapi.Update{EditedMessage: &m})
}

// Press presses an inline keyboard button with the callback data on a message the bot
// sent, and returns the callback query id.
func (s *Server) Press(from tgbotapi.User, msg tgbotapi.Message, data string) string {
	id := s.queryID()
	s.mu.Lock()
	s.callbacks[id] = &pendingQuery{at: s.now()}
	s.mu.Unlock()
	s.Push(tgbotapi.Update{CallbackQuery: &tgbotapi.CallbackQuery{
		ID: id, From: &from, Message: &msg, ChatInstance: "ci" + id, Data: data,
	}})
	return id
}

// PressInline presses a button on a message sent in inline mode (the update carries
// inline_message_id instead of the message), and returns the callback query id.
func (s *Server) PressInline(from tgbotapi.User, inlineMessageID, data string) string {
	id := s.queryID()
	s.mu.Lock()
	s.callbacks[id] = &pendingQuery{at: s.now()}
	if _, ok := s.inlineMsgs[inlineMessageID]; !ok {
		s.inlineMsgs[inlineMessageID] = ""
	}
	s.mu.Unlock()
	s.Push(tgbotapi.Update{CallbackQuery: &tgbotapi.CallbackQuery{
		ID: id, From: &from, InlineMessageID: inlineMessageID, ChatInstance: "ci" + id, Data: data,
	}})
	return id
}

// Inline sends an inline query (the user typed "@bot query"), and returns its id.
func (s *Server) Inline(from tgbotapi.User, query string) string {
	id := s.queryID()
	s.mu.Lock()
	s.inline[id] = &pendingQuery{at: s.now()}
	s.mu.Unlock()
	s.Push(tgbotapi.Update{InlineQuery: &tgbotapi.InlineQuery{ID: id, From: &from, Query: query, ChatType: "sender"}})
	return id
}

func (s *Server) queryID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextQueryID++
	return strconv.Itoa(4200000000 + s.nextQueryID)
}

// Push queues an update, giving it the next update_id, and returns the id.
func (s *Server) Push(u tgbotapi.Update) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	u.UpdateID = s.nextUpdateID
	s.nextUpdateID++
	raw, err := json.Marshal(u)
	if err != nil {
		panic(fmt.Sprintf("telegramtest: marshalling an update: %v", err))
	}
	s.updates = append(s.updates, pending{u.UpdateID, raw, updateKind(raw)})
	s.notify()
	return u.UpdateID
}

// PushRaw queues an update exactly as given, malformed or not. The server numbers it
// like any other (the id returned) for confirming; the JSON is not changed, so it
// carries whatever update_id the caller wrote, or none.
func (s *Server) PushRaw(raw string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextUpdateID
	s.nextUpdateID++
	s.updates = append(s.updates, pending{id, json.RawMessage(raw), updateKind([]byte(raw))})
	s.notify()
	return id
}

// NextUpdateID is the update_id the next pushed update gets.
func (s *Server) NextUpdateID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nextUpdateID
}

// --- what the bot did ---

// Calls returns the calls of method received so far ("" for all).
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Messages returns the messages the bot sent or edited successfully, in order.
func (s *Server) Messages() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// CallbackAnswers returns the bot's answers to callback queries.
func (s *Server) CallbackAnswers() []CallbackAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CallbackAnswer(nil), s.cbAnswers...)
}

// InlineAnswers returns the bot's answers to inline queries.
func (s *Server) InlineAnswers() []InlineAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]InlineAnswer(nil), s.inAnswers...)
}

// Commands returns the command list last set with setMyCommands for the default scope.
func (s *Server) Commands() []tgbotapi.BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]tgbotapi.BotCommand(nil), s.commands...)
}

// ChatCommands returns the command list last set with setMyCommands for the chat's
// scope (BotCommandScopeChat), nil if none was.
func (s *Server) ChatCommands(chatID int64) []tgbotapi.BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]tgbotapi.BotCommand(nil), s.chatCommands[chatID]...)
}

// Webhook returns the webhook URL and secret token set, "" when polling.
func (s *Server) Webhook() (url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hookURL, s.hookSecret
}

// Pending is the number of updates not yet confirmed by the bot.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

// --- the HTTP API ---

var pathRE = regexp.MustCompile(`^/bot([^/]+)/([A-Za-z]+)$`)

type apiError struct {
	status     int
	desc       string
	retryAfter int
}

func (e *apiError) Error() string { return e.desc }

func badRequest(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, desc: "Bad Request: " + fmt.Sprintf(format, args...)}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	m := pathRE.FindStringSubmatch(r.URL.Path)
	if m == nil {
		writeError(w, &apiError{status: http.StatusNotFound, desc: "Not Found"})
		return
	}
	token, method := m[1], m[2]
	params, err := readParams(r)
	call := Call{Method: method, Params: params, At: time.Now()}
	if token != s.token {
		call.Status = http.StatusUnauthorized
		s.record(call)
		writeError(w, &apiError{status: http.StatusUnauthorized, desc: "Unauthorized"})
		return
	}
	if err != nil {
		call.Status = http.StatusBadRequest
		s.record(call)
		writeError(w, badRequest("%v", err))
		return
	}
	if e := s.held(method, params, call.At); e != nil {
		call.Status = e.status
		s.record(call)
		writeError(w, e)
		return
	}
	if f := s.fault(method); !f.zero() {
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
				s.record(call)
				return
			case <-s.done:
				return
			}
		}
		if f.Drop {
			s.record(call)
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler) // aborts the response when hijacking is impossible
		}
		if f.Status != 0 {
			call.Status = f.Status
			e := &apiError{status: f.Status, desc: http.StatusText(f.Status), retryAfter: f.RetryAfter}
			if f.Status == http.StatusTooManyRequests {
				e.desc = fmt.Sprintf("Too Many Requests: retry after %d", f.RetryAfter)
				scope := holdScope(method, params)
				if f.Global {
					scope = botScope
				}
				s.hold(scope, call.At.Add(time.Duration(f.RetryAfter)*time.Second))
			}
			s.record(call)
			writeError(w, e)
			return
		}
	}
	if e := s.floodControl(method, params, call.At); e != nil {
		call.Status = e.status
		s.record(call)
		writeError(w, e)
		return
	}
	var result any
	if method == "getUpdates" {
		result, err = s.getUpdates(r, params)
		if result == nil && err == nil {
			s.record(call) // the client went away during the long poll
			return
		}
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) {
				ae = badRequest("%v", err)
			}
			call.Status = ae.status
			s.record(call)
			writeError(w, ae)
			return
		}
		call.Status = http.StatusOK
		s.record(call)
		writeResult(w, result)
		return
	}
	result, ae := s.call(call)
	if ae != nil {
		writeError(w, ae)
		return
	}
	writeResult(w, result)
}

// floodControl refuses a message sent to a chat faster than the flood limits allow,
// measured at its arrival, with a 429 and the seconds to wait.
func (s *Server) floodControl(method string, p url.Values, at time.Time) *apiError {
	if method != "sendMessage" && (method != "editMessageText" || p.Get("chat_id") == "") {
		return nil
	}
	id, err := strconv.ParseInt(p.Get("chat_id"), 10, 64)
	if err != nil {
		return nil // refused later for the bad chat id
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.flood
	wait := time.Duration(0)
	if l.ChatInterval > 0 {
		tol := time.Duration(max(l.ChatBurst-1, 0)) * l.ChatInterval
		if earliest := s.chatTAT[id].Add(-tol); at.Before(earliest) {
			wait = earliest.Sub(at)
		}
	}
	sent := s.groupSent[id]
	if id < 0 && l.GroupLimit > 0 {
		for len(sent) > 0 && !sent[0].After(at.Add(-l.GroupWindow)) {
			sent = sent[1:]
		}
		if len(sent) >= l.GroupLimit {
			wait = max(wait, sent[len(sent)-l.GroupLimit].Add(l.GroupWindow).Sub(at))
		}
	}
	if wait > 0 {
		s.floodRefused[id]++
		secs := ceilSeconds(wait)
		// Telegram holds the chat for the whole retry_after it asked for, not only
		// until the limit would let the message through.
		s.holdLocked(holdScope(method, p), at.Add(time.Duration(secs)*time.Second))
		return tooMany(secs)
	}
	if l.ChatInterval > 0 {
		tat := s.chatTAT[id]
		if at.After(tat) {
			tat = at
		}
		s.chatTAT[id] = tat.Add(l.ChatInterval)
	}
	if id < 0 && l.GroupLimit > 0 {
		s.groupSent[id] = append(sent, at)
	}
	return nil
}

// FloodRefused is the number of messages to the chat refused by flood control; chat 0
// sums every chat.
func (s *Server) FloodRefused(chatID int64) int { return s.count(s.floodRefused, chatID) }

// count is counts[chatID] under s.mu, or for chat 0 the sum of all counts.
func (s *Server) count(counts map[int64]int, chatID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if chatID != 0 {
		return counts[chatID]
	}
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

// botScope is the scope of a bot-wide hold (Fault.Global).
const botScope = "bot"

// holdScope is what a 429 to the call refuses for its retry_after: the chat the call
// is addressed to or, for a call without one, its method.
func holdScope(method string, p url.Values) string {
	if id, err := strconv.ParseInt(p.Get("chat_id"), 10, 64); err == nil && id != 0 {
		return "chat " + strconv.FormatInt(id, 10)
	}
	return "method " + method
}

// hold refuses calls in scope until until.
func (s *Server) hold(scope string, until time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holdLocked(scope, until)
}

// holdLocked is hold for callers holding s.mu.
func (s *Server) holdLocked(scope string, until time.Time) {
	if until.After(s.holds[scope]) {
		s.holds[scope] = until
	}
}

// held answers a call arriving at while a 429's window is open for its chat or method,
// or bot-wide, with a 429 asking to wait out what is left, and counts it in Refused.
func (s *Server) held(method string, p url.Values, at time.Time) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	until := s.holds[holdScope(method, p)]
	if method != "getUpdates" {
		until = later(until, s.holds[botScope])
	}
	if !at.Before(until) {
		return nil
	}
	id, _ := strconv.ParseInt(p.Get("chat_id"), 10, 64)
	s.refused[id]++
	return tooMany(ceilSeconds(until.Sub(at)))
}

// tooMany is Telegram's 429 asking to wait secs seconds.
func tooMany(secs int) *apiError {
	return &apiError{status: http.StatusTooManyRequests, desc: fmt.Sprintf("Too Many Requests: retry after %d", secs), retryAfter: secs}
}

// ceilSeconds is d in whole seconds, rounded up as Telegram's retry_after is.
func ceilSeconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Refused is the number of calls to the chat refused because they came while a 429's
// retry_after was still running for it (or bot-wide): calls a client that waits out
// retry_after never makes. The 429 that opened the window is not counted. Chat 0 sums
// every call, those without a chat included.
func (s *Server) Refused(chatID int64) int { return s.count(s.refused, chatID) }

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	s.notify()
}

func (s *Server) fault(method string) Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[method]++
	for _, key := range []string{method, ""} {
		if q := s.faults[key]; len(q) > 0 {
			s.faults[key] = q[1:]
			return q[0]
		}
	}
	if s.policy != nil {
		return s.policy(method, s.counts[method])
	}
	return Fault{}
}

// readParams reads a call's parameters from the query string and a form or JSON body,
// the three ways the Bot API accepts them.
func readParams(r *http.Request) (url.Values, error) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var body map[string]json.RawMessage
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
			return nil, fmt.Errorf("can't parse JSON: %w", err)
		}
		v := r.URL.Query()
		for k, raw := range body {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				v.Set(k, s)
			} else {
				v.Set(k, string(raw))
			}
		}
		return v, nil
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return nil, err
	}
	return r.Form, nil
}

func writeResult(w http.ResponseWriter, result any) {
	raw, err := json.Marshal(result)
	if err != nil {
		writeError(w, &apiError{status: http.StatusInternalServerError, desc: err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"ok":true,"result":%s}`, raw)
}

func writeError(w http.ResponseWriter, e *apiError) {
	body := map[string]any{"ok": false, "error_code": e.status, "description": e.desc}
	if e.retryAfter > 0 {
		body["parameters"] = map[string]int{"retry_after": e.retryAfter}
		w.Header().Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(body)
}

// getUpdates confirms updates below offset, then answers with the next ones, waiting
// up to timeout seconds for some to arrive. It returns nil, nil when the client left.
//
// A waiting poll counts in Polling from when it starts waiting until it returns. It
// takes the channel it waits on only after its own notify: waiting on the one it
// closed itself would wake it at once, spinning through the whole timeout.
func (s *Server) getUpdates(r *http.Request, p url.Values) (any, error) {
	offset, _ := strconv.Atoi(p.Get("offset"))
	limit, _ := strconv.Atoi(p.Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(p.Get("timeout"))
	deadline := time.NewTimer(time.Duration(timeout) * time.Second)
	defer deadline.Stop()
	expired := false
	polling := false
	defer func() {
		if polling {
			s.setPolling(-1)
		}
	}()
	for {
		s.mu.Lock()
		if s.hookURL != "" {
			s.mu.Unlock()
			return nil, &apiError{status: http.StatusConflict, desc: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
		}
		if err := s.setAllowedLocked(p); err != nil {
			s.mu.Unlock()
			return nil, err
		}
		s.confirmLocked(offset)
		s.dropDisallowedLocked()
		batch := []json.RawMessage{}
		for _, u := range s.updates {
			if len(batch) == limit {
				break
			}
			batch = append(batch, u.raw)
		}
		if len(batch) > 0 || timeout <= 0 || expired {
			s.mu.Unlock()
			return batch, nil
		}
		if !polling {
			polling = true
			s.polling++
			s.notify()
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			expired = true // one last look, then answer with what there is
		case <-r.Context().Done():
			return nil, nil
		case <-s.done:
			return nil, nil
		}
	}
}

// dropDisallowedLocked forgets pending updates of kinds the bot did not ask for, as
// Telegram never stores them. Callers hold s.mu.
func (s *Server) dropDisallowedLocked() {
	kept := s.updates[:0:0]
	for _, u := range s.updates {
		if s.allowedLocked(u.kind) {
			kept = append(kept, u)
		} else {
			s.skipped = append(s.skipped, u.id)
		}
	}
	if len(kept) != len(s.updates) {
		s.updates = kept
		s.notify()
	}
}

func (s *Server) setPolling(d int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.polling += d
	s.notify()
}

// Polling is the number of getUpdates calls waiting for updates right now: a bot in a
// long poll.
func (s *Server) Polling() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polling
}

// confirmLocked forgets the updates the offset confirms, as Telegram does: a positive
// offset confirms every update below it, a negative one keeps only the last -offset.
func (s *Server) confirmLocked(offset int) {
	n := 0
	switch {
	case offset > 0:
		for n < len(s.updates) && s.updates[n].id < offset {
			n++
		}
	case offset < 0:
		n = max(0, len(s.updates)+offset)
	}
	if n > 0 {
		s.updates = append([]pending(nil), s.updates[n:]...)
		s.notify()
	}
}

// call runs a method and records it in one critical section, so that a test which
// sees the call's effect (a sent message) also sees the call in Calls.
func (s *Server) call(c Call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	result, err := s.dispatch(c.Method, c.Params)
	c.Status = http.StatusOK
	var ae *apiError
	if err != nil {
		if !errors.As(err, &ae) {
			ae = badRequest("%v", err)
		}
		c.Status = ae.status
	}
	s.calls = append(s.calls, c)
	s.notify()
	return result, ae
}

// dispatch runs a method; s.mu is held.
func (s *Server) dispatch(method string, p url.Values) (any, error) {
	switch method {
	case "getMe":
		return s.bot, nil
	case "sendMessage":
		return s.sendMessage(p)
	case "editMessageText":
		return s.editMessageText(p)
	case "answerCallbackQuery":
		return s.answerCallback(p)
	case "answerInlineQuery":
		return s.answerInline(p)
	case "setMyCommands":
		return s.setCommands(p)
	case "setWebhook":
		return s.setWebhook(p)
	case "deleteWebhook":
		s.hookURL, s.hookSecret = "", ""
		if p.Get("drop_pending_updates") == "true" {
			s.updates = nil
		}
		s.notify()
		return true, nil
	case "getWebhookInfo":
		return map[string]any{"url": s.hookURL, "has_custom_certificate": false, "pending_update_count": len(s.updates)}, nil
	}
	return nil, &apiError{status: http.StatusNotFound, desc: "Not Found"}
}

// text parses a message text as Telegram does for the parse mode, returning what the
// user sees.
func text(raw, mode string) (string, error) {
	plain := raw
	if strings.EqualFold(mode, "HTML") {
		var err error
		if plain, err = ParseHTML(raw); err != nil {
			return "", badRequest("%v", err)
		}
	}
	if strings.TrimSpace(plain) == "" {
		return "", badRequest("message text is empty")
	}
	if Len(plain) > MaxMessageLen {
		return "", badRequest("message is too long")
	}
	return plain, nil
}

func keyboard(raw string) (*tgbotapi.InlineKeyboardMarkup, error) {
	if raw == "" {
		return nil, nil
	}
	var kb tgbotapi.InlineKeyboardMarkup
	if err := json.Unmarshal([]byte(raw), &kb); err != nil {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	for _, row := range kb.InlineKeyboard {
		for _, b := range row {
			if b.Text == "" {
				return nil, badRequest("BUTTON_TEXT_EMPTY")
			}
			n := 0
			if b.CallbackData != nil {
				n++
				if l := len(*b.CallbackData); l < 1 || l > 64 {
					return nil, badRequest("BUTTON_DATA_INVALID")
				}
			}
			if b.URL != nil {
				n++
			}
			if b.SwitchInlineQuery != nil || b.SwitchInlineQueryCurrentChat != nil {
				n++
			}
			if n != 1 {
				return nil, badRequest("can't parse inline keyboard button: exactly one optional field must be used")
			}
		}
	}
	return &kb, nil
}

func rows(kb *tgbotapi.InlineKeyboardMarkup) [][]tgbotapi.InlineKeyboardButton {
	if kb == nil {
		return nil
	}
	return kb.InlineKeyboard
}

func (s *Server) sendMessage(p url.Values) (any, error) {
	id, err := strconv.ParseInt(p.Get("chat_id"), 10, 64)
	if err != nil {
		return nil, badRequest("chat_id is empty")
	}
	ch, ok := s.chats[id]
	if !ok {
		return nil, badRequest("chat not found")
	}
	if s.blocked[id] {
		return nil, &apiError{status: http.StatusForbidden, desc: "Forbidden: bot was blocked by the user"}
	}
	plain, err := text(p.Get("text"), p.Get("parse_mode"))
	if err != nil {
		return nil, err
	}
	kb, err := keyboard(p.Get("reply_markup"))
	if err != nil {
		return nil, err
	}
	m := &tgbotapi.Message{From: &s.bot, Chat: &ch.chat, Date: int(time.Now().Unix()), Text: plain, ReplyMarkup: kb}
	thread, _ := strconv.Atoi(p.Get("message_thread_id"))
	if thread != 0 && !ch.forum {
		return nil, badRequest("message thread not found")
	}
	replyTo, _ := strconv.Atoi(p.Get("reply_to_message_id"))
	if replyTo != 0 {
		r, ok := ch.msgs[replyTo]
		switch {
		case ok:
			cp := *r
			cp.ReplyToMessage = nil
			m.ReplyToMessage = &cp
			if thread == 0 {
				thread = ch.threads[replyTo] // a reply lands in its question's topic
			}
		case p.Get("allow_sending_without_reply") != "true":
			return nil, badRequest("message to be replied not found")
		}
	}
	m.MessageID = ch.nextID
	ch.threads[m.MessageID] = thread
	ch.nextID++
	ch.msgs[m.MessageID] = m
	s.spoke[id] = true
	s.sent = append(s.sent, Sent{Method: "sendMessage", ChatID: id, MessageID: m.MessageID, ReplyTo: replyTo, Thread: thread,
		HTML: p.Get("text"), Text: plain, ParseMode: p.Get("parse_mode"), Keyboard: rows(kb)})
	return m, nil
}

func (s *Server) editMessageText(p url.Values) (any, error) {
	plain, err := text(p.Get("text"), p.Get("parse_mode"))
	if err != nil {
		return nil, err
	}
	kb, err := keyboard(p.Get("reply_markup"))
	if err != nil {
		return nil, err
	}
	sent := Sent{Method: "editMessageText", HTML: p.Get("text"), Text: plain, ParseMode: p.Get("parse_mode"), Keyboard: rows(kb)}
	if im := p.Get("inline_message_id"); im != "" {
		old, ok := s.inlineMsgs[im]
		if !ok {
			return nil, badRequest("MESSAGE_ID_INVALID")
		}
		now := plain + "\x00" + fmt.Sprint(rows(kb))
		if old == now {
			return nil, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
		}
		s.inlineMsgs[im] = now
		sent.InlineMessageID = im
		s.sent = append(s.sent, sent)
		return true, nil
	}
	id, _ := strconv.ParseInt(p.Get("chat_id"), 10, 64)
	ch, ok := s.chats[id]
	if !ok {
		return nil, badRequest("chat not found")
	}
	mid, _ := strconv.Atoi(p.Get("message_id"))
	m, ok := ch.msgs[mid]
	if !ok {
		return nil, badRequest("message to edit not found")
	}
	if m.From == nil || m.From.ID != s.bot.ID {
		return nil, badRequest("message can't be edited")
	}
	if m.Text == plain && fmt.Sprint(rows(m.ReplyMarkup)) == fmt.Sprint(rows(kb)) {
		return nil, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	m.Text, m.ReplyMarkup = plain, kb
	m.EditDate = int(time.Now().Unix())
	sent.ChatID, sent.MessageID = id, mid
	s.sent = append(s.sent, sent)
	return m, nil
}

func (s *Server) answerCallback(p url.Values) (any, error) {
	id := p.Get("callback_query_id")
	if Len(p.Get("text")) > 200 {
		return nil, badRequest("MESSAGE_TOO_LONG")
	}
	if !s.answerable(s.callbacks[id]) {
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	s.cbAnswers = append(s.cbAnswers, CallbackAnswer{QueryID: id, Text: p.Get("text"), ShowAlert: p.Get("show_alert") == "true"})
	return true, nil
}

func (s *Server) answerInline(p url.Values) (any, error) {
	id := p.Get("inline_query_id")
	if q := s.inline[id]; q == nil || q.answered || s.now().Sub(q.at) > s.queryTTL {
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	var results []struct {
		Type                string          `json:"type"`
		ID                  string          `json:"id"`
		Title               string          `json:"title"`
		Description         string          `json:"description"`
		InputMessageContent json.RawMessage `json:"input_message_content"`
		ReplyMarkup         json.RawMessage `json:"reply_markup"`
	}
	if err := json.Unmarshal([]byte(p.Get("results")), &results); err != nil {
		return nil, badRequest("can't parse inline query results: %v", err)
	}
	if len(results) > 50 {
		return nil, badRequest("RESULTS_TOO_MUCH")
	}
	a := InlineAnswer{QueryID: id}
	a.CacheTime, _ = strconv.Atoi(p.Get("cache_time"))
	if p.Get("switch_pm_text") != "" || p.Get("switch_pm_parameter") != "" {
		// Deprecated since Bot API 6.7 in favour of button; refused here so that the
		// adapter does not depend on what Telegram may drop.
		return nil, badRequest("switch_pm_text and switch_pm_parameter are deprecated: use button")
	}
	if raw := p.Get("button"); raw != "" {
		var b struct {
			Text           string `json:"text"`
			StartParameter string `json:"start_parameter"`
		}
		if err := json.Unmarshal([]byte(raw), &b); err != nil || b.Text == "" {
			return nil, badRequest("can't parse inline query results button")
		}
		if !regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`).MatchString(b.StartParameter) {
			return nil, badRequest("START_PARAM_INVALID")
		}
		a.Button, a.StartParameter = b.Text, b.StartParameter
	}
	seen := map[string]bool{}
	for _, r := range results {
		if r.ID == "" || len(r.ID) > 64 || seen[r.ID] {
			return nil, badRequest("RESULT_ID_INVALID")
		}
		seen[r.ID] = true
		if r.Type != "article" {
			return nil, badRequest("unsupported result type %q in this fake", r.Type)
		}
		if r.Title == "" {
			return nil, badRequest("RESULT_TITLE_EMPTY")
		}
		var content tgbotapi.InputTextMessageContent
		if err := json.Unmarshal(r.InputMessageContent, &content); err != nil {
			return nil, badRequest("can't parse input_message_content")
		}
		plain, err := text(content.Text, content.ParseMode)
		if err != nil {
			return nil, err
		}
		var kb *tgbotapi.InlineKeyboardMarkup
		if len(r.ReplyMarkup) > 0 && !bytes.Equal(r.ReplyMarkup, []byte("null")) {
			if kb, err = keyboard(string(r.ReplyMarkup)); err != nil {
				return nil, err
			}
		}
		a.Results = append(a.Results, InlineResult{Type: r.Type, ID: r.ID, Title: r.Title, Description: r.Description,
			HTML: content.Text, Text: plain, ParseMode: content.ParseMode, Keyboard: rows(kb)})
	}
	s.inline[id].answered = true
	s.inAnswers = append(s.inAnswers, a)
	return true, nil
}

var commandRE = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

func (s *Server) setCommands(p url.Values) (any, error) {
	var cmds []tgbotapi.BotCommand
	if err := json.Unmarshal([]byte(p.Get("commands")), &cmds); err != nil {
		return nil, badRequest("can't parse commands JSON: %v", err)
	}
	if len(cmds) > 100 {
		return nil, badRequest("BOT_COMMANDS_TOO_MUCH")
	}
	for _, c := range cmds {
		if !commandRE.MatchString(c.Command) {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		if n := Len(c.Description); n < 1 || n > 256 {
			return nil, badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	// The scope is default unless given; a chat scope needs a chat the bot knows, as
	// Telegram refuses one with a user who never started the bot.
	if raw := p.Get("scope"); raw != "" {
		var scope struct {
			Type   string `json:"type"`
			ChatID int64  `json:"chat_id"`
		}
		if err := json.Unmarshal([]byte(raw), &scope); err != nil {
			return nil, badRequest("can't parse BotCommandScope JSON object")
		}
		switch scope.Type {
		case "default":
		case "chat":
			if _, ok := s.chats[scope.ChatID]; !ok {
				return nil, badRequest("chat not found")
			}
			s.chatCommands[scope.ChatID] = cmds
			s.notify()
			return true, nil
		default:
			return nil, badRequest("unsupported command scope %q in this fake", scope.Type)
		}
	}
	s.commands = cmds
	s.notify()
	return true, nil
}

// WebhookPorts are the ports Telegram delivers webhooks to ("" is 443).
var WebhookPorts = map[string]bool{"": true, "443": true, "80": true, "88": true, "8443": true}

var secretRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

func (s *Server) setWebhook(p url.Values) (any, error) {
	u := p.Get("url")
	secret := p.Get("secret_token")
	if secret != "" && !secretRE.MatchString(secret) {
		return nil, badRequest("secret token contains unallowed characters")
	}
	if u != "" {
		pu, err := url.Parse(u)
		switch {
		case err != nil || pu.Host == "":
			return nil, badRequest("bad webhook: invalid URL")
		case pu.Scheme != "https":
			return nil, badRequest("bad webhook: An HTTPS URL must be provided for webhook")
		case !WebhookPorts[pu.Port()]:
			return nil, badRequest("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
		}
	}
	if err := s.setAllowedLocked(p); err != nil {
		return nil, err
	}
	s.hookURL, s.hookSecret = u, secret
	if p.Get("drop_pending_updates") == "true" {
		s.updates = nil
	}
	s.notify()
	return true, nil
}

// deliver posts pending updates to the webhook, one at a time and in order, while one
// is set, retrying until the bot answers 2xx, as Telegram does.
func (s *Server) deliver() {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		ch := s.changed
		hook, secret := s.hookURL, s.hookSecret
		if hook != "" {
			s.dropDisallowedLocked()
			ch = s.changed
		}
		var next *pending
		if hook != "" && len(s.updates) > 0 {
			next = &s.updates[0]
		}
		s.mu.Unlock()
		if next == nil {
			select {
			case <-ch:
				continue
			case <-s.done:
				return
			}
		}
		if s.post(hook, secret, next.raw) {
			s.mu.Lock()
			if len(s.updates) > 0 && s.updates[0].id == next.id {
				s.updates = s.updates[1:]
				s.notify()
			}
			s.mu.Unlock()
			continue
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-s.done:
			return
		}
	}
}

func (s *Server) post(hook, secret string, raw []byte) bool {
	for _, r := range s.routes {
		if rest, ok := strings.CutPrefix(hook, r[0]); ok && (rest == "" || rest[0] == '/') {
			hook = r[1] + rest
			break
		}
	}
	req, err := http.NewRequest(http.MethodPost, hook, bytes.NewReader(raw))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set(SecretHeader, secret)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode/100 == 2
}

// Entities marks the bot commands and @mentions in text as Telegram does, with offsets
// and lengths in UTF-16 code units.
func Entities(text string) []tgbotapi.MessageEntity {
	var out []tgbotapi.MessageEntity
	u16 := 0 // UTF-16 offset of byte i
	for i := 0; i < len(text); {
		c := text[i]
		start := i == 0 || isSpace(text[i-1])
		if start && (c == '/' || c == '@') {
			j := i + 1
			for j < len(text) && (isWord(text[j]) || (c == '/' && text[j] == '@' && j > i+1)) {
				j++
			}
			if j > i+1 {
				kind := "mention"
				if c == '/' {
					kind = "bot_command"
				}
				if c == '/' && i != 0 {
					kind = "" // Telegram marks commands anywhere, but the adapter only cares about leading ones
				}
				if kind != "" {
					out = append(out, tgbotapi.MessageEntity{Type: kind, Offset: u16, Length: j - i})
				}
				u16 += j - i // ASCII only
				i = j
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if r > 0xFFFF {
			u16 += 2
		} else {
			u16++
		}
		i += size
	}
	return out
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' }
func isWord(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
