// Package discordtest is a local fake of Discord for tests: an httptest REST server
// (gateway discovery, application command registration, interaction callbacks,
// interaction follow-ups and edits, channel messages, with 429 and 5xx injection) and a
// websocket gateway speaking the v9 JSON protocol (HELLO, IDENTIFY, READY, heartbeats,
// RESUME, dispatches with Discord's real payload shapes).
//
// It records everything it receives, checks messages against Discord's size limits the
// way Discord does (a message over a limit is refused with 400), and lets a test drop
// the gateway connection to force a resume, or invalidate the session.
//
// It is as strict as Discord where bots commonly go wrong (strict.go): command
// registration rules; interaction tokens that expire (3 s for the first response, 15
// minutes for edits and follow-ups, on a Clock a test can stop or advance); intents
// (close 4014 for an unapproved privileged intent, no message content without the
// mention or the Message Content intent); the bot's channel permissions (Read Message
// History for replies, Embed Links for embeds); the first follow-up after a deferral
// replacing the "thinking" message; and the global rate limit of 50 requests a second
// answered with global 429s. A 429, injected or the global limit's, refuses more than
// the one request: as on Discord, every request to the same route (method and path)
// or, for a global one, every request but interaction responses, is answered 429 with
// what is left of retry_after until it has passed, on the fake's Clock; Refused counts
// the requests a bot made inside such a window. A bot reaches it by replacing
// https://discord.com with Server.URL in every REST URL; gateway discovery then answers
// with the fake gateway's ws://127.0.0.1 address.
//
// It listens on 127.0.0.1 only and is safe for concurrent use.
package discordtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// User is a Discord user the fake knows.
type User struct {
	ID       string
	Username string
	Bot      bool
	// Roles are the ids of the member's roles in the guild, sent with every guild
	// interaction of the user.
	Roles []string
}

// Place is where an event happens: a guild channel, or a DM channel when GuildID is "".
type Place struct {
	GuildID   string
	ChannelID string
}

// Interaction identifies an INTERACTION_CREATE the fake dispatched.
type Interaction struct {
	ID    string
	Token string
	Type  discordgo.InteractionType
}

// Request is one REST request the fake received, with the status it answered.
type Request struct {
	Seq           int
	Method        string
	Path          string
	RawQuery      string
	Authorization string
	Body          []byte
	Status        int // 0: the bot gave up before the fake answered
}

// Fault makes the fake fail matching requests, to test how a bot survives Discord's
// errors.
type Fault struct {
	// Method and Path select requests: Path is a substring of the URL path. Empty
	// fields match every request.
	Method string
	Path   string
	// Status is the status to answer: 429 answers like Discord's rate limiter (headers
	// and a retry_after body), anything else with Discord's JSON error body.
	Status int
	// RetryAfter is how long a 429 asks the client to wait (default 50ms), and how
	// long the route (or, with Global, the bot) is refused.
	RetryAfter time.Duration
	// Times is how many matching requests fail (default 1).
	Times int
	// EchoAuthorization puts the request's Authorization header into the error body,
	// as a misbehaving proxy might, to test that a bot never logs what it is told.
	EchoAuthorization bool
	// Global makes a 429 the global rate limit's, which holds every request of the bot
	// rather than one bucket's.
	Global bool
}

// Server is the fake Discord.
type Server struct {
	// URL is the REST base: it replaces https://discord.com, so that requests go to
	// URL + "/api/v9/...".
	URL string
	// GatewayURL is the websocket gateway that gateway discovery returns.
	GatewayURL string
	// Token is the bot token the fake accepts, without the "Bot " prefix.
	Token string
	// AppID is the application id, BotUser the bot's user.
	AppID   string
	BotUser User
	// GuildID and ChannelID are a guild the bot is in and a text channel in it.
	GuildID   string
	ChannelID string

	rest, gw  *httptest.Server
	heartbeat time.Duration

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced whenever something is recorded
	ids      int64
	requests []Request
	sent     []Sent
	frames   []Frame
	faults   []*Fault
	commands map[string][]*discordgo.ApplicationCommand // by guild id, "" = global
	ixs      map[string]*ixState                        // by interaction token
	users    map[string]User
	dms      map[string]string // user id -> DM channel id
	conns    map[int]*gwConn
	connSeq  int
	session  *gwSession
	pending  [][]byte // dispatches made before any session existed
	closed   bool

	clock       Clock
	approved    discordgo.Intent // privileged intents the application may use
	globalLimit int              // requests a second; 0: none
	recent      []time.Time      // requests counted against the global limit, oldest first
	denied      map[string]int64 // permissions taken from the bot, by channel id
	latency     time.Duration    // added to every REST answer
	holds       []*hold
	held        int // requests waiting in a hold
	// limited is when the window a 429 opened ends, by route (limitKey), "" for the
	// global one; refused are the paths of the requests made inside one.
	limited map[string]time.Time
	refused []string
}

type hold struct {
	method, path string
	released     chan struct{}
	once         sync.Once
}

type ixState struct {
	id, token string
	typ       discordgo.InteractionType
	created   time.Time
	acked     bool
	// deferred is set by a "thinking" callback (type 5), with its flags; the first
	// edit of the original or follow-up then fills the original in (original).
	deferred      bool
	deferredFlags discordgo.MessageFlags
	original      bool
}

// Option configures a Server.
type Option func(*Server)

// WithHeartbeatInterval sets the heartbeat interval sent in HELLO (default 41.25 s, as
// Discord).
func WithHeartbeatInterval(d time.Duration) Option { return func(s *Server) { s.heartbeat = d } }

// WithCommands registers commands with these names before the bot starts, in a guild
// or globally (guildID ""), like the leftovers of an older version of a bot.
func WithCommands(guildID string, names ...string) Option {
	return func(s *Server) {
		for _, n := range names {
			s.commands[guildID] = append(s.commands[guildID], &discordgo.ApplicationCommand{
				ID: s.nextID(), ApplicationID: s.AppID, GuildID: guildID, Name: n, Description: "stale", Version: s.nextID(),
			})
		}
	}
}

// New starts a fake Discord accepting token (without "Bot "). Close it when done.
func New(token string, opts ...Option) *Server {
	s := &Server{
		Token:       token,
		heartbeat:   41250 * time.Millisecond,
		changed:     make(chan struct{}),
		ids:         1_300_000_000_000_000_000,
		commands:    map[string][]*discordgo.ApplicationCommand{},
		ixs:         map[string]*ixState{},
		users:       map[string]User{},
		dms:         map[string]string{},
		conns:       map[int]*gwConn{},
		clock:       realClock{},
		globalLimit: 50,
		denied:      map[string]int64{},
		limited:     map[string]time.Time{},
	}
	s.AppID = s.nextID()
	s.BotUser = User{ID: s.AppID, Username: "smpbot", Bot: true}
	s.users[s.BotUser.ID] = s.BotUser
	s.GuildID = s.nextID()
	s.ChannelID = s.nextID()
	for _, o := range opts {
		o(s)
	}
	s.rest = httptest.NewServer(http.HandlerFunc(s.serveREST))
	s.gw = httptest.NewServer(http.HandlerFunc(s.serveGateway))
	s.URL = s.rest.URL
	s.GatewayURL = "ws" + strings.TrimPrefix(s.gw.URL, "http")
	return s
}

// Close drops every gateway connection and stops both servers.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	for _, c := range s.conns {
		c.ws.Close()
	}
	for _, h := range s.holds {
		h.release() // the REST server waits for the requests it holds
	}
	s.mu.Unlock()
	s.gw.Close()
	s.rest.Close()
}

func (s *Server) nextID() string {
	s.ids++
	return strconv.FormatInt(s.ids, 10)
}

// notify wakes waiters; s.mu must be held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitFor blocks until cond, called with s.mu held, is true, or ctx ends.
func (s *Server) waitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ok, ch := cond(), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// NewUser makes a (human) user.
func (s *Server) NewUser(name string) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := User{ID: s.nextID(), Username: name}
	s.users[u.ID] = u
	return u
}

// NewBotUser makes another bot, to check that a bot ignores other bots.
func (s *Server) NewBotUser(name string) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := User{ID: s.nextID(), Username: name, Bot: true}
	s.users[u.ID] = u
	return u
}

// Guild is the default guild channel.
func (s *Server) Guild() Place { return Place{GuildID: s.GuildID, ChannelID: s.ChannelID} }

// DM is the direct-message channel between u and the bot.
func (s *Server) DM(u User) Place {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.dms[u.ID]
	if !ok {
		ch = s.nextID()
		s.dms[u.ID] = ch
	}
	return Place{ChannelID: ch}
}

// Inject adds a fault; faults apply in the order they were added.
func (s *Server) Inject(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	if f.Status == http.StatusTooManyRequests && f.RetryAfter <= 0 {
		f.RetryAfter = 50 * time.Millisecond
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// Requests returns every REST request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// WaitRequest waits for a request matching match and returns the first one.
func (s *Server) WaitRequest(ctx context.Context, match func(Request) bool) (Request, error) {
	var got Request
	err := s.waitFor(ctx, func() bool {
		for _, r := range s.requests {
			if match(r) {
				got = r
				return true
			}
		}
		return false
	})
	return got, err
}

// Commands returns the commands registered in a guild, or globally for guildID "".
func (s *Server) Commands(guildID string) []*discordgo.ApplicationCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*discordgo.ApplicationCommand(nil), s.commands[guildID]...)
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

const apiPrefix = "/api/v9"

func (s *Server) serveREST(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.wait(r)
	sw := &statusWriter{ResponseWriter: w}
	var sent *Sent
	if r.Context().Err() != nil {
		// The bot gave up (or went away) while the request was held or delayed: Discord
		// never got to it, so nothing is sent. Recorded without a status.
	} else if f := s.inWindow(r); f != nil {
		writeFault(sw, r, f)
	} else if f := s.fault(r); f != nil {
		s.openWindow(r, f)
		writeFault(sw, r, f)
	} else if limited, wait := s.globalLimited(r.URL.Path); limited {
		f := &Fault{Status: http.StatusTooManyRequests, RetryAfter: wait, Global: true}
		s.openWindow(r, f)
		writeFault(sw, r, f)
	} else {
		sent = s.route(sw, r, body)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	req := Request{Seq: len(s.requests) + 1, Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
		Authorization: r.Header.Get("Authorization"), Body: body, Status: sw.status}
	s.requests = append(s.requests, req)
	if sent != nil && sw.status < 300 {
		sent.Request = req
		s.sent = append(s.sent, *sent)
	}
	s.notify()
}

// fault returns the first fault matching r, using one of its times.
func (s *Server) fault(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if (f.Method == "" || f.Method == r.Method) && strings.Contains(r.URL.Path, f.Path) {
			f.Times--
			if f.Times <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			c := *f
			return &c
		}
	}
	return nil
}

// limitKey is the route a request's 429 refuses: its method and path, as Discord's
// buckets are per route and major parameter (a channel, an interaction).
func limitKey(r *http.Request) string { return r.Method + " " + r.URL.Path }

// exemptFromGlobal reports whether a path is an interaction response's, which the
// global rate limit does not bind.
func exemptFromGlobal(path string) bool {
	return strings.Contains(path, "/interactions/") || strings.Contains(path, "/webhooks/")
}

// openWindow makes a 429 fault refuse its route, or with Global every request the
// global limit binds, for its RetryAfter.
func (s *Server) openWindow(r *http.Request, f *Fault) {
	if f.Status != http.StatusTooManyRequests {
		return
	}
	key := limitKey(r)
	if f.Global {
		key = ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if until := s.clock.Now().Add(f.RetryAfter); until.After(s.limited[key]) {
		s.limited[key] = until
	}
}

// inWindow returns the 429 for a request made while a window is open for its route
// or globally, asking to wait what is left of it (rounded up to the millisecond), and
// counts it in Refused; nil outside every window.
func (s *Server) inWindow(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	until, global := s.limited[limitKey(r)], false
	if g := s.limited[""]; g.After(until) && !exemptFromGlobal(r.URL.Path) {
		until, global = g, true
	}
	if !now.Before(until) {
		return nil
	}
	s.refused = append(s.refused, r.URL.Path)
	left := (until.Sub(now) + time.Millisecond - 1).Truncate(time.Millisecond)
	return &Fault{Status: http.StatusTooManyRequests, RetryAfter: left, Global: global}
}

// Refused is the number of requests whose path contains path ("" for all) refused
// because they came while a 429's retry_after was still running for their route or
// globally: requests a bot that waits out retry_after never makes. The 429 that opened
// the window is not counted.
func (s *Server) Refused(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range s.refused {
		if strings.Contains(p, path) {
			n++
		}
	}
	return n
}

func writeFault(w http.ResponseWriter, r *http.Request, f *Fault) {
	msg := http.StatusText(f.Status)
	if f.EchoAuthorization {
		msg += " for " + r.Header.Get("Authorization")
	}
	if f.Status == http.StatusTooManyRequests {
		// In whole milliseconds, rounded up, so that a bot waiting exactly that long
		// never comes back early.
		secs := float64((f.RetryAfter+time.Millisecond-1)/time.Millisecond) / 1000
		h := w.Header()
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil(secs))))
		h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(secs, 'f', 3, 64))
		if f.Global {
			// Like Discord: a global limit names no bucket.
			h.Set("X-RateLimit-Global", "true")
			h.Set("X-RateLimit-Scope", "global")
		} else {
			h.Set("X-RateLimit-Limit", "5")
			h.Set("X-RateLimit-Remaining", "0")
			h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(time.Now().Add(f.RetryAfter).UnixMilli())/1000, 'f', 3, 64))
			h.Set("X-RateLimit-Bucket", "fakebucket")
			h.Set("X-RateLimit-Scope", "user")
		}
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"message": "You are being rate limited.", "retry_after": secs, "global": f.Global})
		return
	}
	writeJSON(w, f.Status, map[string]any{"message": fmt.Sprintf("%d: %s", f.Status, msg), "code": 0})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"message": msg, "code": code})
}

// route serves one REST request and returns the message it carried, if any.
func (s *Server) route(w http.ResponseWriter, r *http.Request, body []byte) *Sent {
	p := strings.TrimPrefix(r.URL.Path, apiPrefix)
	if p == r.URL.Path {
		writeError(w, http.StatusNotFound, 0, "404: Not Found")
		return nil
	}
	parts := strings.Split(strings.Trim(p, "/"), "/")
	authed := r.Header.Get("Authorization") == "Bot "+s.Token
	unauthorized := func() { writeError(w, http.StatusUnauthorized, 0, "401: Unauthorized") }
	switch {
	case r.Method == http.MethodGet && p == "/gateway":
		writeJSON(w, http.StatusOK, map[string]any{"url": s.GatewayURL})
	case r.Method == http.MethodGet && p == "/gateway/bot":
		if !authed {
			unauthorized()
			return nil
		}
		writeJSON(w, http.StatusOK, map[string]any{"url": s.GatewayURL, "shards": 1,
			"session_start_limit": map[string]any{"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}})
	case r.Method == http.MethodPut && parts[0] == "applications" && (len(parts) == 3 && parts[2] == "commands" ||
		len(parts) == 5 && parts[2] == "guilds" && parts[4] == "commands"):
		if !authed {
			unauthorized()
			return nil
		}
		guild := ""
		if len(parts) == 5 {
			guild = parts[3]
		}
		s.putCommands(w, parts[1], guild, body)
	case r.Method == http.MethodPost && len(parts) == 4 && parts[0] == "interactions" && parts[3] == "callback":
		return s.callback(w, parts[1], parts[2], body)
	case r.Method == http.MethodPatch && len(parts) == 5 && parts[0] == "webhooks" && parts[3] == "messages":
		return s.webhookMessage(w, "edit", parts[1], parts[2], body)
	case r.Method == http.MethodPost && len(parts) == 3 && parts[0] == "webhooks":
		sent := s.webhookMessage(w, "followup", parts[1], parts[2], body)
		return sent
	case r.Method == http.MethodPost && len(parts) == 3 && parts[0] == "channels" && parts[2] == "messages":
		if !authed {
			unauthorized()
			return nil
		}
		return s.channelMessage(w, parts[1], body)
	default:
		writeError(w, http.StatusNotFound, 0, "404: Not Found")
	}
	return nil
}

func (s *Server) putCommands(w http.ResponseWriter, app, guild string, body []byte) {
	if app != s.AppID {
		writeError(w, http.StatusForbidden, 50001, "Missing Access")
		return
	}
	var cmds []*discordgo.ApplicationCommand
	if err := json.Unmarshal(body, &cmds); err != nil {
		writeError(w, http.StatusBadRequest, 50109, "The request body contains invalid JSON.")
		return
	}
	if len(cmds) > MaxCommands {
		writeError(w, http.StatusBadRequest, 30032, "Maximum number of application commands reached (100)")
		return
	}
	if err := checkCommands(cmds); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "Invalid Form Body", "code": 50035, "errors": err.Error()})
		return
	}
	s.mu.Lock()
	for _, c := range cmds {
		c.ID, c.ApplicationID, c.GuildID, c.Version = s.nextID(), s.AppID, guild, s.nextID()
	}
	s.commands[guild] = cmds
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, cmds)
}

func (s *Server) callback(w http.ResponseWriter, id, token string, body []byte) *Sent {
	s.mu.Lock()
	ix, ok := s.ixs[token]
	if !ok || ix.id != id {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, 10062, "Unknown interaction")
		return nil
	}
	if ix.acked {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, 40060, "Interaction has already been acknowledged.")
		return nil
	}
	if s.clock.Now().Sub(ix.created) > InitialResponseDeadline {
		// Discord forgets an interaction nobody answered in time.
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, 10062, "Unknown interaction")
		return nil
	}
	s.mu.Unlock()
	sent, err := parseSent(body, true)
	if err == nil {
		err = checkCallback(ix.typ, sent)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "Invalid Form Body", "code": 50035, "errors": err.Error()})
		return nil
	}
	s.mu.Lock()
	ix.acked = true
	switch sent.ResponseType {
	case discordgo.InteractionResponseDeferredChannelMessageWithSource:
		ix.deferred, ix.deferredFlags = true, sent.Message.Flags&discordgo.MessageFlagsEphemeral
	case discordgo.InteractionResponseChannelMessageWithSource:
		ix.original = true
	}
	s.mu.Unlock()
	sent.Via, sent.InteractionID, sent.InteractionToken = ViaCallback, id, token
	w.WriteHeader(http.StatusNoContent)
	return &sent
}

// checkCallback enforces which responses an interaction type accepts.
func checkCallback(t discordgo.InteractionType, sent Sent) error {
	switch rt := sent.ResponseType; t {
	case discordgo.InteractionApplicationCommandAutocomplete:
		if rt != discordgo.InteractionApplicationCommandAutocompleteResult {
			return fmt.Errorf("autocomplete needs response type 8, got %d", rt)
		}
		return checkChoices(sent.Choices)
	case discordgo.InteractionApplicationCommand:
		switch rt {
		case discordgo.InteractionResponseChannelMessageWithSource:
			return checkMessage(sent, false)
		case discordgo.InteractionResponseDeferredChannelMessageWithSource:
			return nil
		case discordgo.InteractionResponseModal:
			return checkModal(sent.Modal)
		}
	case discordgo.InteractionModalSubmit:
		// A modal cannot answer a modal.
		switch rt {
		case discordgo.InteractionResponseChannelMessageWithSource:
			return checkMessage(sent, false)
		case discordgo.InteractionResponseDeferredChannelMessageWithSource:
			return nil
		}
	case discordgo.InteractionMessageComponent:
		switch rt {
		case discordgo.InteractionResponseChannelMessageWithSource, discordgo.InteractionResponseUpdateMessage:
			return checkMessage(sent, false)
		case discordgo.InteractionResponseDeferredChannelMessageWithSource, discordgo.InteractionResponseDeferredMessageUpdate:
			return nil
		case discordgo.InteractionResponseModal:
			return checkModal(sent.Modal)
		}
	}
	return fmt.Errorf("response type %d is not valid for interaction type %d", sent.ResponseType, t)
}

func (s *Server) webhookMessage(w http.ResponseWriter, via, app, token string, body []byte) *Sent {
	s.mu.Lock()
	ix, ok := s.ixs[token]
	acked := ok && ix.acked
	expired := ok && s.clock.Now().Sub(ix.created) > TokenLifetime
	s.mu.Unlock()
	if app != s.AppID || !ok {
		writeError(w, http.StatusNotFound, 10015, "Unknown Webhook")
		return nil
	}
	if expired {
		writeError(w, http.StatusUnauthorized, 50027, "Invalid Webhook Token")
		return nil
	}
	if !acked {
		// The original response of an interaction exists only once it is acknowledged.
		writeError(w, http.StatusNotFound, 10008, "Unknown Message")
		return nil
	}
	sent, err := parseSent(body, false)
	if err == nil {
		err = checkMessage(sent, via == "edit")
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "Invalid Form Body", "code": 50035, "errors": err.Error()})
		return nil
	}
	s.mu.Lock()
	if via == ViaFollowup && ix.deferred && !ix.original {
		// Like Discord: the first follow-up after a deferral replaces the "thinking"
		// message, which keeps the deferral's visibility whatever the follow-up asks.
		sent.Original = true
		sent.Message.Flags = sent.Message.Flags&^discordgo.MessageFlagsEphemeral | ix.deferredFlags
	}
	if via == ViaEdit && ix.deferred && !ix.original {
		sent.Original = true
	}
	if sent.Original {
		ix.original = true
	}
	s.mu.Unlock()
	sent.Via, sent.InteractionID, sent.InteractionToken = via, ix.id, token
	writeJSON(w, http.StatusOK, s.messageObject(body, "", false))
	return &sent
}

func (s *Server) channelMessage(w http.ResponseWriter, channel string, body []byte) *Sent {
	sent, err := parseSent(body, false)
	if err == nil {
		err = checkMessage(sent, false)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "Invalid Form Body", "code": 50035, "errors": err.Error()})
		return nil
	}
	if missing := s.missingPermission(channel, sent); missing != "" {
		writeJSON(w, http.StatusForbidden, map[string]any{"message": "Missing Permissions", "code": 50013})
		return nil
	}
	sent.Via, sent.ChannelID = ViaChannel, channel
	writeJSON(w, http.StatusOK, s.messageObject(body, channel, sent.Message.MessageReference != nil))
	return &sent
}

// messageObject is the message Discord returns for a message the bot sent.
func (s *Server) messageObject(body []byte, channel string, reply bool) map[string]any {
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	if m == nil {
		m = map[string]any{}
	}
	delete(m, "allowed_mentions")
	s.mu.Lock()
	m["id"] = s.nextID()
	s.mu.Unlock()
	if channel != "" {
		m["channel_id"] = channel
	}
	typ := 0
	if reply {
		typ = 19
	}
	m["type"] = typ
	m["author"] = userObject(s.BotUser)
	m["timestamp"] = time.Now().UTC().Format("2006-01-02T15:04:05.000000+00:00")
	m["edited_timestamp"] = nil
	m["mentions"] = []any{}
	m["mention_roles"] = []any{}
	m["mention_everyone"] = false
	m["attachments"] = []any{}
	m["pinned"] = false
	m["tts"] = false
	for _, k := range []string{"embeds", "components"} {
		if m[k] == nil {
			m[k] = []any{}
		}
	}
	return m
}

// compactJSON is used when recording frames, so that tests can compare them.
func compactJSON(b []byte) json.RawMessage {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return append(json.RawMessage(nil), b...)
	}
	return buf.Bytes()
}
