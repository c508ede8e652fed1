package discordtest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// Gateway opcodes.
const (
	OpDispatch       = 0
	OpHeartbeat      = 1
	OpIdentify       = 2
	OpResume         = 6
	OpInvalidSession = 9
	OpHello          = 10
	OpHeartbeatACK   = 11
)

// Frame is one gateway payload, in either direction.
type Frame struct {
	Conn    int  // which connection, counting from 1
	FromBot bool // sent by the bot (else by the fake)
	Op      int
	Seq     int64
	Type    string // dispatch event name
	Data    json.RawMessage
	// At is when the fake sent or received it, by the wall clock (not the Server's
	// Clock): for measuring how long a bot waits between two payloads.
	At time.Time
}

type gwConn struct {
	id int
	ws *websocket.Conn
}

type gwSession struct {
	id      string
	shard   [2]int
	intents discordgo.Intent
	seq     int64
	events  []event // every dispatch, for replay on resume
	conn    *gwConn // nil while the bot is not connected
}

type event struct {
	seq     int64
	payload []byte
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// Frames returns every gateway payload so far.
func (s *Server) Frames() []Frame {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Frame(nil), s.frames...)
}

// WaitFrame waits for a frame matching match and returns the first one.
func (s *Server) WaitFrame(ctx context.Context, match func(Frame) bool) (Frame, error) {
	var got Frame
	err := s.waitFor(ctx, func() bool {
		for _, f := range s.frames {
			if match(f) {
				got = f
				return true
			}
		}
		return false
	})
	return got, err
}

// WaitReady waits until the fake has sent READY to an identified bot.
func (s *Server) WaitReady(ctx context.Context) error {
	_, err := s.WaitFrame(ctx, func(f Frame) bool { return !f.FromBot && f.Type == "READY" })
	return err
}

// CountFrames counts the frames matching match.
func (s *Server) CountFrames(match func(Frame) bool) int {
	n := 0
	for _, f := range s.Frames() {
		if match(f) {
			n++
		}
	}
	return n
}

// DropGateway cuts the current gateway connection without a close frame, like a network
// failure; a bot is expected to reconnect and resume.
func (s *Server) DropGateway() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.session == nil || s.session.conn == nil {
		return errors.New("discordtest: no gateway connection to drop")
	}
	c := s.session.conn
	s.session.conn = nil
	return c.ws.UnderlyingConn().Close()
}

// InvalidateSession forgets the gateway session, as Discord does when a session
// expires, and cuts the connection: the bot's RESUME is then answered with an Invalid
// Session (op 9, not resumable), and it must identify anew.
func (s *Server) InvalidateSession() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.session == nil || s.session.conn == nil {
		return errors.New("discordtest: no gateway session to invalidate")
	}
	c := s.session.conn
	s.session = nil
	return c.ws.UnderlyingConn().Close()
}

// Connected reports whether a bot is connected to the gateway with a live session.
func (s *Server) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.session != nil && s.session.conn != nil
}

// send writes a payload on c and records it; s.mu must be held, which also keeps
// dispatches in sequence order.
func (s *Server) send(c *gwConn, op int, seq int64, typ string, d any) {
	data, err := json.Marshal(d)
	if err != nil {
		panic(err) // the fake only sends what it builds
	}
	p := map[string]any{"op": op, "d": json.RawMessage(data), "s": nil, "t": nil}
	if op == OpDispatch {
		p["s"], p["t"] = seq, typ
	}
	payload, _ := json.Marshal(p)
	s.write(c, payload, Frame{Conn: c.id, Op: op, Seq: seq, Type: typ, Data: data})
}

func (s *Server) write(c *gwConn, payload []byte, f Frame) {
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := c.ws.WriteMessage(websocket.TextMessage, payload); err != nil {
		return // the read loop sees the broken connection
	}
	f.At = time.Now()
	s.frames = append(s.frames, f)
	s.notify()
}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ws.Close()
		return
	}
	s.connSeq++
	c := &gwConn{id: s.connSeq, ws: ws}
	s.conns[c.id] = c
	s.send(c, OpHello, 0, "", map[string]any{"heartbeat_interval": s.heartbeat.Milliseconds(), "_trace": []string{`["gateway-fake",{"micros":0.0}]`}})
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c.id)
		if s.session != nil && s.session.conn == c {
			s.session.conn = nil
		}
		s.notify()
		s.mu.Unlock()
		ws.Close()
	}()
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			return
		}
		var p struct {
			Op int             `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if err := json.Unmarshal(msg, &p); err != nil {
			_ = ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4002, "Error while decoding payload."))
			return
		}
		s.mu.Lock()
		s.frames = append(s.frames, Frame{Conn: c.id, FromBot: true, Op: p.Op, Data: compactJSON(p.D), At: time.Now()})
		s.notify()
		ok := s.onFrame(c, p.Op, p.D)
		s.mu.Unlock()
		if !ok {
			return
		}
	}
}

// onFrame answers one payload from the bot; s.mu is held. It returns false to end the
// connection.
func (s *Server) onFrame(c *gwConn, op int, d json.RawMessage) bool {
	switch op {
	case OpHeartbeat:
		s.send(c, OpHeartbeatACK, 0, "", nil)
	case OpIdentify:
		var id struct {
			Token   string `json:"token"`
			Shard   *[2]int
			Intents *discordgo.Intent `json:"intents"`
		}
		_ = json.Unmarshal(d, &id)
		if id.Token != "Bot "+s.Token {
			_ = c.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4004, "Authentication failed."))
			return false
		}
		if id.Intents == nil {
			_ = c.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4013, "Invalid intent(s)."))
			return false
		}
		if *id.Intents&PrivilegedIntents&^s.approved != 0 {
			_ = c.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4014, "Disallowed intent(s)."))
			return false
		}
		shard := [2]int{0, 1}
		if id.Shard != nil {
			shard = *id.Shard
		}
		if s.session != nil && s.session.conn != nil && s.session.conn != c {
			s.session.conn.ws.Close() // a new session replaces the old one
		}
		s.session = &gwSession{id: "fake-session-" + s.nextID(), shard: shard, intents: *id.Intents, conn: c}
		s.session.seq++
		s.send(c, OpDispatch, s.session.seq, "READY", s.readyData(s.session))
		for _, p := range s.pending {
			s.dispatchLocked(p)
		}
		s.pending = nil
	case OpResume:
		var res struct {
			Token     string `json:"token"`
			SessionID string `json:"session_id"`
			Seq       int64  `json:"seq"`
		}
		_ = json.Unmarshal(d, &res)
		if res.Token != "Bot "+s.Token {
			_ = c.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4004, "Authentication failed."))
			return false
		}
		if s.session == nil || s.session.id != res.SessionID {
			s.send(c, OpInvalidSession, 0, "", false)
			return true
		}
		s.session.conn = c
		// Like Discord: replay what the bot missed, then RESUMED.
		for _, e := range s.session.events {
			if e.seq > res.Seq {
				s.sendRaw(c, e)
			}
		}
		s.session.seq++
		s.send(c, OpDispatch, s.session.seq, "RESUMED", map[string]any{"_trace": []string{`["gateway-fake",{"micros":0.0}]`}})
	}
	return true
}

func (s *Server) sendRaw(c *gwConn, e event) {
	var p struct {
		T string          `json:"t"`
		D json.RawMessage `json:"d"`
	}
	_ = json.Unmarshal(e.payload, &p)
	s.write(c, e.payload, Frame{Conn: c.id, Op: OpDispatch, Seq: e.seq, Type: p.T, Data: p.D})
}

func (s *Server) readyData(sess *gwSession) map[string]any {
	return map[string]any{
		"v":                   9,
		"user":                map[string]any{"id": s.BotUser.ID, "username": s.BotUser.Username, "discriminator": "0", "global_name": nil, "avatar": nil, "bot": true, "verified": true, "mfa_enabled": false, "flags": 0},
		"guilds":              []any{map[string]any{"id": s.GuildID, "unavailable": true}},
		"session_id":          sess.id,
		"session_type":        "normal",
		"resume_gateway_url":  s.GatewayURL,
		"shard":               sess.shard,
		"application":         map[string]any{"id": s.AppID, "flags": 565248},
		"private_channels":    []any{},
		"relationships":       []any{},
		"presences":           []any{},
		"guild_join_requests": []any{},
		"user_settings":       map[string]any{},
		"_trace":              []string{`["gateway-fake",{"micros":0.0}]`},
	}
}

// Dispatch sends an event (op 0) of type typ with data d to the bot and returns its
// sequence number. An event dispatched while the bot is disconnected is delivered when
// it resumes, as Discord does; one dispatched before the bot ever identified, after
// READY.
func (s *Server) Dispatch(typ string, d any) int64 {
	data, err := json.Marshal(d)
	if err != nil {
		panic(err)
	}
	p, _ := json.Marshal(map[string]any{"op": OpDispatch, "t": typ, "d": json.RawMessage(data), "s": 0})
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.session == nil {
		s.pending = append(s.pending, p)
		return 0
	}
	return s.dispatchLocked(p)
}

// dispatchLocked numbers payload p in the current session, keeps it for replay and
// sends it if the bot is connected; s.mu must be held.
func (s *Server) dispatchLocked(p []byte) int64 {
	var m map[string]json.RawMessage
	_ = json.Unmarshal(p, &m)
	s.session.seq++
	seq := s.session.seq
	m["s"], _ = json.Marshal(seq)
	payload, _ := json.Marshal(m)
	e := event{seq: seq, payload: payload}
	s.session.events = append(s.session.events, e)
	if s.session.conn != nil {
		s.sendRaw(s.session.conn, e)
	}
	return seq
}
