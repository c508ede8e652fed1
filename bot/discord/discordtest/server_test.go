package discordtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

func post(t *testing.T, method, url, auth string, body any) (int, string) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(method, url, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	_, _ = out.ReadFrom(resp.Body)
	return resp.StatusCode, out.String()
}

func TestREST(t *testing.T) {
	s := New("tok")
	defer s.Close()
	u := s.NewUser("ann")
	cmd := s.Command(s.Guild(), u, "ask", String("question", "hi"))
	ac := s.Autocomplete(s.Guild(), u, "ask", Focused("question", "h"))
	api := s.URL + "/api/v9"
	msg := map[string]any{"type": 4, "data": map[string]any{"content": "hello", "allowed_mentions": map[string]any{"parse": []string{}}}}
	tests := []struct {
		name, method, path, auth string
		body                     any
		wantStatus               int
		wantBody                 string
	}{
		{"gateway discovery", "GET", "/gateway", "", nil, 200, s.GatewayURL},
		{"gateway/bot needs the token", "GET", "/gateway/bot", "Bot wrong", nil, 401, "401: Unauthorized"},
		{"gateway/bot", "GET", "/gateway/bot", "Bot tok", nil, 200, `"shards":1`},
		{"edit before any response", "PATCH", "/webhooks/" + s.AppID + "/" + cmd.Token + "/messages/@original", "", map[string]any{"content": "x"}, 404, "Unknown Message"},
		{"autocomplete answered with a message", "POST", "/interactions/" + ac.ID + "/" + ac.Token + "/callback", "", msg, 400, "needs response type 8"},
		{"message over the content limit", "POST", "/interactions/" + cmd.ID + "/" + cmd.Token + "/callback", "",
			map[string]any{"type": 4, "data": map[string]any{"content": strings.Repeat("x", 2001)}}, 400, "content: 2001 characters"},
		{"callback", "POST", "/interactions/" + cmd.ID + "/" + cmd.Token + "/callback", "", msg, 204, ""},
		{"second callback", "POST", "/interactions/" + cmd.ID + "/" + cmd.Token + "/callback", "", msg, 400, "already been acknowledged"},
		{"edit after the response", "PATCH", "/webhooks/" + s.AppID + "/" + cmd.Token + "/messages/@original", "", map[string]any{"content": "x"}, 200, `"content":"x"`},
		{"unknown interaction", "POST", "/interactions/1/nope/callback", "", msg, 404, "Unknown interaction"},
		{"channel message needs the token", "POST", "/channels/" + s.ChannelID + "/messages", "", map[string]any{"content": "x"}, 401, ""},
		{"empty channel message", "POST", "/channels/" + s.ChannelID + "/messages", "Bot tok", map[string]any{}, 400, "empty message"},
		{"channel message", "POST", "/channels/" + s.ChannelID + "/messages", "Bot tok", map[string]any{"content": "x"}, 200, `"channel_id":"` + s.ChannelID},
		{"commands overwrite", "PUT", "/applications/" + s.AppID + "/commands", "Bot tok", []map[string]any{{"name": "ask", "description": "d"}}, 200, `"name":"ask"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got := post(t, tt.method, api+tt.path, tt.auth, tt.body)
			if status != tt.wantStatus || !strings.Contains(got, tt.wantBody) {
				t.Errorf("%s %s = %d %s, want %d containing %q", tt.method, tt.path, status, got, tt.wantStatus, tt.wantBody)
			}
		})
	}
	if got := s.Commands(""); len(got) != 1 || got[0].Name != "ask" || got[0].ID == "" {
		t.Errorf("commands = %+v, want ask with an id", got)
	}
	sent := s.Sent()
	var vias []string
	for _, m := range sent {
		vias = append(vias, m.Via)
	}
	if strings.Join(vias, ",") != "callback,edit,channel" {
		t.Errorf("recorded %v, want callback,edit,channel", vias)
	}
	if err := sent[0].CheckNoPings(); err != nil {
		t.Errorf("CheckNoPings on parse []: %v", err)
	}
	if err := sent[1].CheckNoPings(); err == nil {
		t.Errorf("CheckNoPings accepts a message without allowed_mentions")
	}
}

func TestFaults(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	s := New("tok", WithClock(clock))
	defer s.Close()
	s.Inject(Fault{Path: "/gateway", Status: 429, RetryAfter: 1500 * time.Millisecond})
	s.Inject(Fault{Path: "/gateway", Status: 503, Times: 2, EchoAuthorization: true})
	want := []struct {
		status int
		body   string
		wait   time.Duration // advanced on the clock before the request
	}{
		{429, `"retry_after":1.5`, 0},
		{429, `"retry_after":0.5`, time.Second}, // the 429's wait is not over: the route is still refused
		{503, "Bot tok", 500 * time.Millisecond},
		{503, "Bot tok", 0},
		{200, "ws://", 0},
	}
	for i, w := range want {
		clock.Advance(w.wait)
		status, body := post(t, "GET", s.URL+"/api/v9/gateway", "Bot tok", nil)
		if status != w.status || !strings.Contains(body, w.body) {
			t.Errorf("request %d = %d %s, want %d containing %q", i+1, status, body, w.status, w.body)
		}
	}
	if n := s.Refused(""); n != 1 {
		t.Errorf("Refused = %d, want the 1 request made inside the 429's wait", n)
	}
}

// TestRateLimitWindows: a 429 refuses its route until its retry_after has passed, each
// refusal with what is left; other routes go on; a global 429 refuses every route but
// interaction responses; Refused counts the requests made inside a window.
func TestRateLimitWindows(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	s := New("tok", WithClock(clock))
	defer s.Close()
	ix := s.Command(s.Guild(), s.NewUser("ann"), "ask")
	dm := s.DM(s.NewUser("bob"))
	msgs := s.URL + "/api/v9/channels/" + s.ChannelID + "/messages"
	other := s.URL + "/api/v9/channels/" + dm.ChannelID + "/messages"
	msg := map[string]any{"content": "hi"}
	s.Inject(Fault{Method: "POST", Path: "/channels/" + s.ChannelID + "/messages", Status: 429, RetryAfter: 2 * time.Second})
	check := func(what, url string, wantStatus int, wantBody string) {
		t.Helper()
		status, body := post(t, "POST", url, "Bot tok", msg)
		if status != wantStatus || !strings.Contains(body, wantBody) {
			t.Errorf("%s = %d %s, want %d containing %q", what, status, body, wantStatus, wantBody)
		}
	}
	check("the faulted message", msgs, 429, `"retry_after":2`)
	clock.Advance(1250 * time.Millisecond)
	check("the channel again inside the wait", msgs, 429, `"retry_after":0.75`)
	check("another channel", other, 200, `"content":"hi"`)
	if n, m := s.Refused(s.ChannelID), s.Refused(""); n != 1 || m != 1 {
		t.Errorf("Refused = %d (all %d), want 1", n, m)
	}
	clock.Advance(750 * time.Millisecond)
	check("the channel once the wait is over", msgs, 200, `"content":"hi"`)

	s.Inject(Fault{Method: "POST", Path: "/messages", Status: 429, RetryAfter: time.Second, Global: true})
	check("the global 429", other, 429, `"global":true`)
	check("another channel inside the global wait", msgs, 429, `"global":true`)
	if status, got := post(t, "POST", s.URL+"/api/v9/interactions/"+ix.ID+"/"+ix.Token+"/callback", "", map[string]any{"type": 5}); status != 204 {
		t.Errorf("callback inside the global wait = %d %s, want 204", status, got)
	}
	clock.Advance(time.Second)
	check("after the global wait", msgs, 200, `"content":"hi"`)
	if n := s.Refused(""); n != 2 {
		t.Errorf("Refused = %d, want 2", n)
	}
}

func TestCheckMessage(t *testing.T) {
	row := func(n int, prefix string) map[string]any {
		var cs []any
		for i := range n {
			cs = append(cs, map[string]any{"type": 2, "style": 1, "label": "b", "custom_id": fmt.Sprintf("%s%d", prefix, i)})
		}
		return map[string]any{"type": 1, "components": cs}
	}
	embed := func(desc string, fields int) map[string]any {
		var fs []any
		for range fields {
			fs = append(fs, map[string]any{"name": "n", "value": "v"})
		}
		return map[string]any{"title": "t", "description": desc, "fields": fs}
	}
	tests := []struct {
		name string
		msg  map[string]any
		want string // "" for accepted
	}{
		{"fine", map[string]any{"content": "hi", "embeds": []any{embed("d", 2)}, "components": []any{row(5, "a")}}, ""},
		{"empty", map[string]any{}, "empty"},
		{"description too long", map[string]any{"embeds": []any{embed(strings.Repeat("é", 4097), 0)}}, "description"},
		{"6000 in all", map[string]any{"embeds": []any{embed(strings.Repeat("x", 4000), 0), embed(strings.Repeat("x", 2000), 0)}}, "in all"},
		{"too many fields", map[string]any{"embeds": []any{embed("d", 26)}}, "fields"},
		{"six buttons in a row", map[string]any{"components": []any{row(6, "a")}}, "components[0]"},
		{"six rows", map[string]any{"components": []any{row(1, "a"), row(1, "b"), row(1, "c"), row(1, "d"), row(1, "e"), row(1, "f")}}, "rows"},
		{"custom id twice", map[string]any{"components": []any{row(1, "a"), row(1, "a")}}, "used twice"},
		{"custom id too long", map[string]any{"components": []any{row(1, strings.Repeat("x", 100))}}, "over 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := json.Marshal(tt.msg)
			err := CheckMessage(b)
			if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("CheckMessage = %v, want %q", err, tt.want)
			}
		})
	}
}

// gwClient is a minimal gateway client, to test the fake without discordgo.
type gwClient struct {
	t  *testing.T
	ws *websocket.Conn
}

func dial(t *testing.T, s *Server) *gwClient {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(s.GatewayURL+"/?v=9&encoding=json", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	c := &gwClient{t, ws}
	if p := c.read(); p.Op != OpHello {
		t.Fatalf("first payload op %d, want HELLO", p.Op)
	}
	return c
}

type payload struct {
	Op int             `json:"op"`
	S  int64           `json:"s"`
	T  string          `json:"t"`
	D  json.RawMessage `json:"d"`
}

func (c *gwClient) read() payload {
	c.t.Helper()
	_ = c.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var p payload
	if err := c.ws.ReadJSON(&p); err != nil {
		c.t.Fatalf("reading the gateway: %v", err)
	}
	return p
}

func (c *gwClient) send(op int, d any) {
	c.t.Helper()
	if err := c.ws.WriteJSON(map[string]any{"op": op, "d": d}); err != nil {
		c.t.Fatal(err)
	}
}

func TestGateway(t *testing.T) {
	s := New("tok", WithHeartbeatInterval(time.Second))
	defer s.Close()
	u := s.NewUser("bea")

	bad := dial(t, s)
	bad.send(OpIdentify, map[string]any{"token": "Bot wrong"})
	if _, _, err := bad.ws.ReadMessage(); !websocket.IsCloseError(err, 4004) {
		t.Errorf("IDENTIFY with a wrong token: %v, want close 4004", err)
	}

	c := dial(t, s)
	c.send(OpIdentify, map[string]any{"token": "Bot tok", "intents": 4608})
	ready := c.read()
	var r discordgo.Ready
	if err := json.Unmarshal(ready.D, &r); err != nil || ready.T != "READY" || r.SessionID == "" || r.Application == nil || r.Application.ID != s.AppID || r.User.ID != s.BotUser.ID {
		t.Fatalf("got %s %s (%v), want READY with the session, application and bot user", ready.T, ready.D, err)
	}
	c.send(OpHeartbeat, ready.S)
	if p := c.read(); p.Op != OpHeartbeatACK {
		t.Errorf("heartbeat answered with op %d, want %d", p.Op, OpHeartbeatACK)
	}
	s.Message(s.DM(u), u, "first")
	if p := c.read(); p.T != "MESSAGE_CREATE" || p.S != ready.S+1 {
		t.Errorf("got %s seq %d, want MESSAGE_CREATE seq %d", p.T, p.S, ready.S+1)
	}

	if err := s.DropGateway(); err != nil {
		t.Fatal(err)
	}
	missed := s.Command(s.Guild(), u, "ask", String("question", "while away"))
	resumed := dial(t, s)
	resumed.send(OpResume, map[string]any{"token": "Bot tok", "session_id": r.SessionID, "seq": ready.S + 1})
	var ix discordgo.InteractionCreate
	if p := resumed.read(); p.T != "INTERACTION_CREATE" || json.Unmarshal(p.D, &ix) != nil || ix.ID != missed.ID {
		t.Errorf("after RESUME got %s %s, want the missed interaction %s replayed", p.T, p.D, missed.ID)
	} else if d := ix.ApplicationCommandData(); d.Name != "ask" || d.Options[0].StringValue() != "while away" || ix.Member.User.ID != u.ID || ix.GuildID != s.GuildID {
		t.Errorf("replayed interaction %+v does not decode as /ask by %s in the guild", ix.Interaction, u.ID)
	}
	if p := resumed.read(); p.T != "RESUMED" {
		t.Errorf("got %s, want RESUMED", p.T)
	}

	stale := dial(t, s)
	stale.send(OpResume, map[string]any{"token": "Bot tok", "session_id": "nope", "seq": 1})
	if p := stale.read(); p.Op != OpInvalidSession {
		t.Errorf("RESUME of an unknown session answered with op %d, want %d", p.Op, OpInvalidSession)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := s.WaitFrame(ctx, func(f Frame) bool { return f.FromBot && f.Op == OpResume && f.Conn == 3 }); err != nil {
		t.Errorf("the RESUME was not recorded: %v", err)
	}
}

func TestModals(t *testing.T) {
	s := New("tok")
	defer s.Close()
	u := s.NewUser("ann")
	input := func(id, value string, max int) map[string]any {
		return map[string]any{"type": 1, "components": []any{map[string]any{
			"type": 4, "custom_id": id, "label": "Label", "style": 2, "value": value, "max_length": max, "required": true}}}
	}
	modal := func(title string, rows ...any) map[string]any {
		return map[string]any{"type": 9, "data": map[string]any{"custom_id": "m:x", "title": title, "components": rows}}
	}
	message := map[string]any{"type": 4, "data": map[string]any{"content": "hi", "allowed_mentions": map[string]any{"parse": []string{}}}}
	button := map[string]any{"type": 1, "components": []any{map[string]any{"type": 2, "style": 1, "label": "b", "custom_id": "b"}}}
	tests := []struct {
		name   string
		ix     func() Interaction
		body   map[string]any
		status int
		want   string
	}{
		{"form for a command", func() Interaction { return s.Command(s.Guild(), u, "faq") }, modal("Edit", input("a", "v", 10)), 204, ""},
		{"form for a button", func() Interaction { return s.Button(s.Guild(), u, "m:open") }, modal("Edit", input("a", "v", 0)), 204, ""},
		{"form for a form", func() Interaction { return s.SubmitModal(s.Guild(), u, nil, nil) }, modal("Edit", input("a", "v", 10)), 400, "not valid for interaction type 5"},
		{"form for an autocomplete", func() Interaction { return s.Autocomplete(s.Guild(), u, "faq") }, modal("Edit", input("a", "v", 10)), 400, "response type 8"},
		{"message for a form", func() Interaction { return s.SubmitModal(s.Guild(), u, nil, nil) }, message, 204, ""},
		{"no title", func() Interaction { return s.Command(s.Guild(), u, "faq") }, modal("", input("a", "v", 10)), 400, "title"},
		{"title too long", func() Interaction { return s.Command(s.Guild(), u, "faq") }, modal(strings.Repeat("t", 46), input("a", "v", 10)), 400, "title"},
		{"six inputs", func() Interaction { return s.Command(s.Guild(), u, "faq") }, modal("Edit",
			input("a", "", 0), input("b", "", 0), input("c", "", 0), input("d", "", 0), input("e", "", 0), input("f", "", 0)), 400, "6 components"},
		{"prefilled value over max_length", func() Interaction { return s.Command(s.Guild(), u, "faq") }, modal("Edit", input("a", "toolong", 3)), 400, "value of 7 characters"},
		{"value over 4000", func() Interaction { return s.Command(s.Guild(), u, "faq") }, modal("Edit", input("a", strings.Repeat("é", 4001), 0)), 400, "at most 4000"},
		{"input id twice", func() Interaction { return s.Command(s.Guild(), u, "faq") }, modal("Edit", input("a", "", 0), input("a", "", 0)), 400, "used twice"},
		{"a button in a form", func() Interaction { return s.Command(s.Guild(), u, "faq") }, modal("Edit", button), 400, "one text input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix := tt.ix()
			status, got := post(t, "POST", s.URL+"/api/v9/interactions/"+ix.ID+"/"+ix.Token+"/callback", "", tt.body)
			if status != tt.status || !strings.Contains(got, tt.want) {
				t.Errorf("callback = %d %s, want %d containing %q", status, got, tt.status, tt.want)
			}
		})
	}
	var forms []*Modal
	for _, m := range s.Sent() {
		if m.Modal != nil {
			forms = append(forms, m.Modal)
		}
	}
	if len(forms) != 2 || forms[0].Title != "Edit" || forms[0].CustomID != "m:x" || len(forms[0].Inputs) != 1 || forms[0].Inputs[0].Value != "v" {
		t.Errorf("recorded forms %+v, want the two accepted ones", forms)
	}
}

// TestInteractionShapes checks that discordgo reads the fake's subcommands, roles and
// form submissions as it reads Discord's.
func TestInteractionShapes(t *testing.T) {
	s := New("tok")
	defer s.Close()
	u := s.NewUser("ann")
	u.Roles = []string{"77", "88"}
	s.Command(s.Guild(), u, "faq", Sub("stats", Int("days", 30)))
	s.Autocomplete(s.Guild(), u, "faq", Sub("edit", Focused("id", "la")))
	form := &Modal{CustomID: "m:edit:cost:v1", Inputs: []discordgo.TextInput{{CustomID: "question", Value: "Q?"}, {CustomID: "answer", Value: "old"}}}
	s.SubmitModal(s.Guild(), u, form, map[string]string{"answer": "new"})
	s.mu.Lock()
	pending := append([][]byte(nil), s.pending...)
	s.mu.Unlock()
	if len(pending) != 3 {
		t.Fatalf("%d dispatches, want 3", len(pending))
	}
	var ixs []discordgo.InteractionCreate
	for _, p := range pending {
		var ev struct {
			D json.RawMessage `json:"d"`
		}
		var ic discordgo.InteractionCreate
		if err := json.Unmarshal(p, &ev); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(ev.D, &ic); err != nil {
			t.Fatalf("discordgo cannot read %s: %v", ev.D, err)
		}
		ixs = append(ixs, ic)
	}
	for _, ic := range ixs {
		if ic.Member == nil || strings.Join(ic.Member.Roles, ",") != "77,88" {
			t.Errorf("member %+v, want roles 77 and 88", ic.Member)
		}
	}
	cmd := ixs[0].ApplicationCommandData()
	if o := cmd.Options; len(o) != 1 || o[0].Type != discordgo.ApplicationCommandOptionSubCommand || o[0].Name != "stats" ||
		len(o[0].Options) != 1 || o[0].Options[0].IntValue() != 30 {
		t.Errorf("command options %+v, want subcommand stats with days 30", o)
	}
	ac := ixs[1].ApplicationCommandData()
	if o := ac.Options[0].Options; len(o) != 1 || !o[0].Focused || o[0].StringValue() != "la" {
		t.Errorf("autocomplete options %+v, want id focused with \"la\"", o)
	}
	md := ixs[2].ModalSubmitData()
	values := map[string]string{}
	for _, row := range md.Components {
		for _, c := range row.(*discordgo.ActionsRow).Components {
			in := c.(*discordgo.TextInput)
			values[in.CustomID] = in.Value
		}
	}
	if md.CustomID != "m:edit:cost:v1" || values["question"] != "Q?" || values["answer"] != "new" || len(values) != 2 {
		t.Errorf("submitted %s %v, want the prefilled question and the new answer", md.CustomID, values)
	}
}

func TestCommandRegistrationRules(t *testing.T) {
	s := New("tok")
	defer s.Close()
	str := func(name string, required bool) map[string]any {
		return map[string]any{"type": 3, "name": name, "description": "d", "required": required}
	}
	cmd := func(name, desc string, opts ...any) map[string]any {
		c := map[string]any{"type": 1, "name": name, "description": desc}
		if opts != nil {
			c["options"] = opts
		}
		return c
	}
	many := func(n int) []any {
		var opts []any
		for i := range n {
			opts = append(opts, str(fmt.Sprintf("o%d", i), false))
		}
		return opts
	}
	withContexts := cmd("ask", "d")
	withContexts["contexts"] = []int{0, 1, 7}
	autocompleteChoices := str("q", true)
	autocompleteChoices["autocomplete"] = true
	autocompleteChoices["choices"] = []any{map[string]any{"name": "a", "value": "a"}}
	tooLong := str("q", true)
	tooLong["max_length"] = 6001
	sub := map[string]any{"type": 1, "name": "add", "description": "d"}
	tests := []struct {
		name string
		cmds []any
		want string // "" when Discord accepts them
	}{
		{"valid", []any{cmd("ask", "Ask", str("question", true)), cmd("faq", "d", sub)}, ""},
		{"upper case name", []any{cmd("Ask", "d")}, "lower case"},
		{"space in a name", []any{cmd("ask me", "d")}, "lower case"},
		{"name over 32", []any{cmd(strings.Repeat("a", 33), "d")}, "lower case"},
		{"no description", []any{cmd("ask", "")}, "description"},
		{"description over 100", []any{cmd("ask", strings.Repeat("d", 101))}, "description"},
		{"same name twice", []any{cmd("ask", "d"), cmd("ask", "e")}, "used twice"},
		{"26 options", []any{cmd("ask", "d", many(26)...)}, "26 options"},
		{"required after optional", []any{cmd("ask", "d", str("a", false), str("b", true))}, "before optional"},
		{"option without description", []any{cmd("ask", "d", map[string]any{"type": 3, "name": "q"})}, "description"},
		{"autocomplete with choices", []any{cmd("ask", "d", autocompleteChoices)}, "exclude each other"},
		{"max_length over 6000", []any{cmd("ask", "d", tooLong)}, "max_length"},
		{"subcommand beside an option", []any{cmd("faq", "d", sub, str("q", false))}, "mixed"},
		{"unknown context", []any{withContexts}, "contexts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got := post(t, "PUT", s.URL+"/api/v9/applications/"+s.AppID+"/commands", "Bot tok", tt.cmds)
			if tt.want == "" {
				if status != 200 {
					t.Errorf("PUT = %d %s, want 200", status, got)
				}
				return
			}
			if status != 400 || !strings.Contains(got, "50035") || !strings.Contains(got, tt.want) {
				t.Errorf("PUT = %d %s, want 400 (50035) about %q", status, got, tt.want)
			}
		})
	}
}

func TestInteractionDeadlines(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	s := New("tok", WithClock(clock))
	defer s.Close()
	u := s.NewUser("ann")
	api := s.URL + "/api/v9"
	msg := map[string]any{"type": 4, "data": map[string]any{"content": "hi"}}
	late := s.Command(s.Guild(), u, "ask")
	clock.Advance(InitialResponseDeadline + time.Millisecond)
	if status, got := post(t, "POST", api+"/interactions/"+late.ID+"/"+late.Token+"/callback", "", msg); status != 404 || !strings.Contains(got, "10062") {
		t.Errorf("callback after 3 s = %d %s, want 404 Unknown interaction (10062)", status, got)
	}

	ix := s.Command(s.Guild(), u, "ask")
	clock.Advance(InitialResponseDeadline - time.Millisecond)
	if status, got := post(t, "POST", api+"/interactions/"+ix.ID+"/"+ix.Token+"/callback", "", map[string]any{"type": 5}); status != 204 {
		t.Fatalf("deferral just inside 3 s = %d %s, want 204", status, got)
	}
	clock.Advance(TokenLifetime - InitialResponseDeadline)
	if status, got := post(t, "POST", api+"/webhooks/"+s.AppID+"/"+ix.Token, "", map[string]any{"content": "late but in time"}); status != 200 {
		t.Errorf("follow-up just inside 15 min = %d %s, want 200", status, got)
	}
	clock.Advance(2 * time.Millisecond)
	for _, r := range []struct{ method, path string }{
		{"POST", "/webhooks/" + s.AppID + "/" + ix.Token},
		{"PATCH", "/webhooks/" + s.AppID + "/" + ix.Token + "/messages/@original"},
	} {
		if status, got := post(t, r.method, api+r.path, "", map[string]any{"content": "too late"}); status != 401 || !strings.Contains(got, "50027") {
			t.Errorf("%s %s after 15 min = %d %s, want 401 Invalid Webhook Token (50027)", r.method, r.path, status, got)
		}
	}
}

func TestFirstFollowupReplacesThinking(t *testing.T) {
	s := New("tok")
	defer s.Close()
	u := s.NewUser("ann")
	api := s.URL + "/api/v9"
	tests := []struct {
		name     string
		deferral map[string]any
		wantEph  bool
	}{
		{"public deferral, ephemeral follow-up", map[string]any{"type": 5}, false},
		{"ephemeral deferral, public follow-up", map[string]any{"type": 5, "data": map[string]any{"flags": 64}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix := s.Command(s.Guild(), u, "ask")
			if status, got := post(t, "POST", api+"/interactions/"+ix.ID+"/"+ix.Token+"/callback", "", tt.deferral); status != 204 {
				t.Fatalf("deferral = %d %s", status, got)
			}
			flags := 64
			if tt.wantEph {
				flags = 0
			}
			for range 2 {
				if status, got := post(t, "POST", api+"/webhooks/"+s.AppID+"/"+ix.Token, "", map[string]any{"content": "x", "flags": flags}); status != 200 {
					t.Fatalf("follow-up = %d %s", status, got)
				}
			}
			var fs []Sent
			for _, m := range s.Sent() {
				if ix.Owns(m) && m.Via == ViaFollowup {
					fs = append(fs, m)
				}
			}
			if len(fs) != 2 || !fs[0].Original || fs[0].Ephemeral() != tt.wantEph || fs[1].Original || fs[1].Ephemeral() == tt.wantEph {
				t.Errorf("follow-ups %+v, want the first to replace \"thinking\" (ephemeral %v), the second a new message with its own flags", fs, tt.wantEph)
			}
		})
	}
}

func TestPermissions(t *testing.T) {
	s := New("tok")
	defer s.Close()
	u := s.NewUser("ann")
	noHistory, noEmbeds := s.NewUser("x").ID, s.NewUser("y").ID // fresh ids as channel ids
	s.DenyPermissions(noHistory, discordgo.PermissionReadMessageHistory)
	s.DenyPermissions(noEmbeds, discordgo.PermissionEmbedLinks)
	dm := s.DM(u).ChannelID
	s.DenyPermissions(dm, discordgo.PermissionEmbedLinks) // no effect: DMs have no permissions
	reply := map[string]any{"content": "x", "message_reference": map[string]any{"message_id": "1"}}
	embed := map[string]any{"embeds": []any{map[string]any{"title": "t", "description": "d"}}}
	tests := []struct {
		name    string
		channel string
		body    any
		want    int
	}{
		{"reply without Read Message History", noHistory, reply, 403},
		{"plain message without Read Message History", noHistory, embed, 200},
		{"embed without Embed Links", noEmbeds, embed, 403},
		{"reply without Embed Links", noEmbeds, reply, 200},
		{"embed reply in a DM", dm, map[string]any{"content": "x", "embeds": embed["embeds"], "message_reference": map[string]any{"message_id": "1"}}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got := post(t, "POST", s.URL+"/api/v9/channels/"+tt.channel+"/messages", "Bot tok", tt.body)
			if status != tt.want || (tt.want == 403 && !strings.Contains(got, "50013")) {
				t.Errorf("POST = %d %s, want %d", status, got, tt.want)
			}
		})
	}
	// An interaction tells the bot what it may do in the channel.
	s.Command(Place{GuildID: s.GuildID, ChannelID: noEmbeds}, u, "ask")
	s.mu.Lock()
	p := s.pending[len(s.pending)-1]
	s.mu.Unlock()
	var ev struct {
		D discordgo.Interaction `json:"d"`
	}
	if err := json.Unmarshal(p, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.D.AppPermissions&discordgo.PermissionEmbedLinks != 0 || ev.D.AppPermissions&discordgo.PermissionSendMessages == 0 {
		t.Errorf("app_permissions %d, want Send Messages without Embed Links", ev.D.AppPermissions)
	}
}

func TestIntents(t *testing.T) {
	s := New("tok", WithHeartbeatInterval(time.Minute))
	defer s.Close()
	u := s.NewUser("bea")

	greedy := dial(t, s)
	greedy.send(OpIdentify, map[string]any{"token": "Bot tok", "intents": int(discordgo.IntentsGuildMessages | discordgo.IntentsMessageContent)})
	if _, _, err := greedy.ws.ReadMessage(); !websocket.IsCloseError(err, 4014) {
		t.Errorf("IDENTIFY with the unapproved Message Content intent: %v, want close 4014", err)
	}

	c := dial(t, s)
	c.send(OpIdentify, map[string]any{"token": "Bot tok", "intents": int(discordgo.IntentsGuildMessages)})
	if p := c.read(); p.T != "READY" {
		t.Fatalf("got %s, want READY", p.T)
	}
	bot := User{ID: s.BotUser.ID, Username: s.BotUser.Username, Bot: true}
	s.Message(s.DM(u), u, "a DM, but no Direct Messages intent")
	s.Message(s.Guild(), u, "no mention")
	s.Message(s.Guild(), u, Mention(bot)+" with a mention", bot)
	var got []string
	for range 2 {
		var m discordgo.Message
		p := c.read()
		if err := json.Unmarshal(p.D, &m); err != nil || p.T != "MESSAGE_CREATE" {
			t.Fatalf("got %s %s (%v), want MESSAGE_CREATE", p.T, p.D, err)
		}
		got = append(got, m.Content)
	}
	if want := []string{"", Mention(bot) + " with a mention"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("contents %q, want %q: no DM, the unmentioning message emptied", got, want)
	}

	approved := New("tok", WithPrivilegedIntents(discordgo.IntentsMessageContent))
	defer approved.Close()
	a := dial(t, approved)
	a.send(OpIdentify, map[string]any{"token": "Bot tok", "intents": int(discordgo.IntentsGuildMessages | discordgo.IntentsMessageContent)})
	if p := a.read(); p.T != "READY" {
		t.Fatalf("approved intent: got %s, want READY", p.T)
	}
	approved.Message(approved.Guild(), u, "no mention")
	var m discordgo.Message
	if p := a.read(); json.Unmarshal(p.D, &m) != nil || m.Content != "no mention" {
		t.Errorf("with Message Content approved, got %s, want the content", p.D)
	}
}

func TestGlobalRateLimit(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	s := New("tok", WithClock(clock), WithGlobalRateLimit(3))
	defer s.Close()
	ix := s.Command(s.Guild(), s.NewUser("ann"), "ask")
	get := func() (int, http.Header, string) {
		req, _ := http.NewRequest("GET", s.URL+"/api/v9/gateway/bot", nil)
		req.Header.Set("Authorization", "Bot tok")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return resp.StatusCode, resp.Header, b.String()
	}
	for i := range 3 {
		if status, _, body := get(); status != 200 {
			t.Fatalf("request %d = %d %s, want 200", i+1, status, body)
		}
	}
	status, h, body := get()
	if status != 429 || h.Get("X-RateLimit-Global") != "true" || h.Get("X-RateLimit-Scope") != "global" || !strings.Contains(body, `"global":true`) {
		t.Errorf("fourth request in a second = %d %v %s, want a global 429", status, h, body)
	}
	// Interaction responses are not bound by the global limit.
	if status, got := post(t, "POST", s.URL+"/api/v9/interactions/"+ix.ID+"/"+ix.Token+"/callback", "", map[string]any{"type": 5}); status != 204 {
		t.Errorf("callback under the global limit = %d %s, want 204", status, got)
	}
	clock.Advance(time.Second)
	if status, _, body := get(); status != 200 {
		t.Errorf("a second later = %d %s, want 200", status, body)
	}
}

// A held request whose client goes away is no longer held, and is recorded without a
// status and without a message, even when the hold is released afterwards.
func TestHeldRequestOfAClientThatLeft(t *testing.T) {
	s := New("tok")
	defer s.Close()
	release := s.Hold("POST", "/channels/")
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		body := `{"content":"hello","allowed_mentions":{"parse":[]}}`
		req, _ := http.NewRequestWithContext(ctx, "POST", s.URL+"/api/v9/channels/"+s.ChannelID+"/messages", strings.NewReader(body))
		req.Header.Set("Authorization", "Bot tok")
		req.Header.Set("Content-Type", "application/json")
		_, err := http.DefaultClient.Do(req)
		done <- err
	}()
	wait, cancelWait := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancelWait()
	if err := s.WaitHeld(wait, 1); err != nil {
		t.Fatalf("the request was never held: %v", err)
	}
	cancel()
	<-done
	if err := s.WaitNoneHeld(wait); err != nil {
		t.Fatalf("still held after its client left: %v", err)
	}
	release()
	if _, err := s.WaitRequest(wait, func(r Request) bool { return strings.HasSuffix(r.Path, "/messages") }); err != nil {
		t.Fatal(err)
	}
	if reqs := s.Requests(); len(reqs) != 1 || reqs[0].Status != 0 || len(s.Sent()) != 0 {
		t.Errorf("requests %+v and %d sent, want one without a status and nothing sent", reqs, len(s.Sent()))
	}
}
