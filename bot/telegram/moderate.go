package telegram

import (
	"context"
	"errors"
	"fmt"
	"html"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/knowledge"
)

// Texts of the moderator commands.
const (
	notModerated   = "FAQ editing is not set up on this bot."
	nothingPending = "There is nothing to cancel."
	cancelledText  = "Cancelled. Nothing was saved."
	previewPending = "Press Confirm or Cancel under the preview, or send /cancel."
	changeHint     = " To change something, paste the whole entry in the file format, or start again."
	staleConfirm   = "This preview is no longer current. Nothing was saved."
	addIntro       = "New FAQ entry. I'll ask for each part in turn; send /cancel to stop. " +
		"You can also paste the whole entry in the file format (starting with ---) at any point."
	pasteHint      = "Send a corrected entry, or /cancel."
	alreadyDecided = "This suggestion was already decided."
)

func usage(cmd, args string) string {
	return fmt.Sprintf("Use it like this: /%s %s\n/faq_list shows the ids.", cmd, args)
}

// identity is who sent ev, for the Moderation and the audit log.
func (a *Adapter) identity(ev event) bot.Identity {
	id := bot.Identity{Platform: "telegram", User: strconv.FormatInt(ev.user, 10)}
	if ev.chatID != 0 {
		id.Chat = strconv.FormatInt(ev.chatID, 10)
	}
	if u := ev.from; u != nil {
		id.Name = strings.TrimSpace(u.FirstName + " " + u.LastName)
		if id.Name == "" && u.UserName != "" {
			id.Name = "@" + u.UserName
		}
	}
	return id
}

func minutes(d time.Duration) string {
	if n := int(d.Round(time.Minute) / time.Minute); n != 1 {
		return strconv.Itoa(n) + " minutes"
	}
	return "1 minute"
}

func (a *Adapter) today() string { return a.now().UTC().Format(time.DateOnly) }

// text sends one plain-text message to ev's chat.
func (a *Adapter) text(ctx context.Context, ev event, s string) error {
	return a.reply(ctx, ev, []message{{text: plain(s)}})
}

// firstWord splits "id rest" at the first white space.
func firstWord(s string) (word, rest string) {
	s = strings.TrimSpace(s)
	if i := strings.IndexFunc(s, unicode.IsSpace); i >= 0 {
		return s[:i], strings.TrimSpace(s[i:])
	}
	return s, ""
}

// --- sessions ---

// putSession makes s the moderator's session, dropping expired ones, and returns the
// unfinished session it replaces, if any.
func (a *Adapter) putSession(user int64, s *session) *session {
	a.sessMu.Lock()
	defer a.sessMu.Unlock()
	now := a.now()
	for u, o := range a.sessions {
		if now.After(o.expires) {
			delete(a.sessions, u)
		}
	}
	old := a.sessions[user]
	s.expires = now.Add(a.sessionTTL)
	a.sessions[user] = s
	return old
}

// startSession stores s and sends msgs, saying first if it replaces an unfinished one.
func (a *Adapter) startSession(ctx context.Context, ev event, s *session, msgs []message) error {
	if old := a.putSession(ev.user, s); old != nil {
		what := "/faq_" + old.action
		if old.entryID != "" {
			what += " " + old.entryID
		}
		msgs = append([]message{{text: plain("(Your unfinished " + what + " was dropped; nothing of it was saved.)")}}, msgs...)
	}
	return a.reply(ctx, ev, msgs)
}

// sessionInput feeds a private message to the sender's session, if they have one,
// reporting whether it did.
func (a *Adapter) sessionInput(ctx context.Context, ev event) (bool, error) {
	if !ev.private || a.mod == nil {
		return false, nil
	}
	a.sessMu.Lock()
	s, ok := a.sessions[ev.user]
	if !ok {
		a.sessMu.Unlock()
		return false, nil
	}
	if a.now().After(s.expires) {
		delete(a.sessions, ev.user)
		a.sessMu.Unlock()
		return true, a.text(ctx, ev, fmt.Sprintf("Your unfinished /faq_%s timed out after %s without a message, so nothing was saved. Start again when you're ready.",
			s.action, minutes(a.sessionTTL)))
	}
	msgs := a.advance(s, moderatorText(ev))
	s.expires = a.now().Add(a.sessionTTL)
	a.sessMu.Unlock()
	return true, a.reply(ctx, ev, msgs)
}

// takeSession removes and returns the user's session if the preview sid is its current
// one and it has not expired.
func (a *Adapter) takeSession(user int64, sid string) (*session, bool) {
	a.sessMu.Lock()
	defer a.sessMu.Unlock()
	s, ok := a.sessions[user]
	if !ok || s.id != sid || !s.previewing() {
		return nil, false
	}
	delete(a.sessions, user)
	if a.now().After(s.expires) {
		return nil, false
	}
	return s, true
}

// advance takes the moderator's next message for s and returns the replies: the next
// question, the preview, or what is wrong with the input. The caller holds sessMu.
func (a *Adapter) advance(s *session, text string) []message {
	text = strings.TrimSpace(text)
	if s.action == "remove" || s.action == "undo" {
		// There is nothing to enter: only the preview's buttons or /cancel.
		return []message{{text: plain(previewPending)}}
	}
	if isPaste(text) {
		return a.paste(s, text)
	}
	if s.previewing() {
		return []message{{text: plain(previewPending + changeHint)}}
	}
	st := s.steps[s.at]
	next := s.draft
	switch {
	case text == keepInput:
		if st.field == "id" {
			next.ID = a.suggestedID(next.Question)
		}
	case st.list && strings.EqualFold(text, emptyInput):
		_ = st.set(&next, "")
	default:
		if err := st.set(&next, text); err != nil {
			return append(problemMessages("That doesn't work:", []error{err}, ""), a.prompt(s)...)
		}
	}
	if probs := a.problems(s, next, st.field); len(probs) > 0 {
		return append(problemMessages("That doesn't work:", probs, ""), a.prompt(s)...)
	}
	s.draft = next
	if st.field == "id" {
		s.entryID = next.ID
	}
	s.at++
	if s.at < len(s.steps) {
		return a.prompt(s)
	}
	return a.preview(s)
}

// paste takes a whole entry in the file format.
func (a *Adapter) paste(s *session, text string) []message {
	e, probs := parsePasted(text, a.today())
	if len(probs) == 0 && s.action == "edit" && e.ID != s.entryID {
		probs = []error{fmt.Errorf("id: the pasted entry is %q, but you are editing %q. An edit can't change the id: add the entry under the new id, then remove the old one", e.ID, s.entryID)}
	}
	if !slices.ContainsFunc(probs, func(p error) bool { return errors.Is(p, knowledge.ErrSyntax) }) {
		// The FAQ-wide checks too (a taken id, a phrasing of another entry), without
		// repeating what parsing found already, with its line.
		seen := map[string]bool{}
		for _, p := range probs {
			seen[fieldOf(p)+"\x00"+errText(p)] = true
		}
		for _, p := range a.problems(s, e, "") {
			if !seen[fieldOf(p)+"\x00"+errText(p)] {
				probs = append(probs, p)
			}
		}
	}
	if len(probs) > 0 {
		return problemMessages("The pasted entry can't be saved:", probs, pasteHint)
	}
	s.draft = e
	s.entryID = e.ID
	s.at = len(s.steps)
	return a.preview(s)
}

// problems validates e as the FAQ would be with it, the way the store will on Confirm,
// and returns e's problems in field (every field when field is "").
func (a *Adapter) problems(s *session, e knowledge.Entry, field string) []error {
	entries := a.mod.Entries()
	if s.action == "edit" {
		entries = slices.DeleteFunc(entries, func(x knowledge.Entry) bool { return x.ID == s.entryID })
	}
	// The draft goes last, so a clash with another entry is reported on the draft.
	entries = append(entries, e)
	var out []error
	for _, p := range bot.Problems(knowledge.ValidateEntries(entries)) {
		var ke *knowledge.Error
		if !errors.As(p, &ke) || ke.File != e.ID+".md" {
			continue
		}
		switch {
		case field == "" || ke.Field == field:
		// A question that another entry already has is reported as an alternate; it
		// is the question's problem while no alternates have been given.
		case field == "question" && errors.Is(p, knowledge.ErrDuplicateAlternate):
		default:
			continue
		}
		out = append(out, p)
	}
	return out
}

func (a *Adapter) suggestedID(question string) string {
	return suggestID(question, func(id string) bool {
		_, _, err := a.mod.Get(id)
		return err == nil
	})
}

// prompt asks for the session's current step, showing the current value in an edit.
func (a *Adapter) prompt(s *session) []message {
	st := s.steps[s.at]
	bs := []block{{{fmt.Sprintf("%s (step %d of %d)", st.title, s.at+1, len(s.steps)), bold}}}
	if s.action == "edit" {
		cur := st.show(s.draft)
		if len(cur) == 0 {
			bs = append(bs, block{{"Now: (empty)", italic}})
		} else {
			b := block{{"Now:", italic}}
			for _, l := range cur {
				if st.list {
					l = "• " + l
				}
				for _, part := range strings.Split(l, "\n") {
					b = append(b, line{part, plain})
				}
			}
			bs = append(bs, b)
		}
	}
	ask := st.ask
	switch {
	case s.action == "edit" && st.list:
		ask += " Send - to keep it as it is, or none to empty it."
	case s.action == "edit":
		ask += " Send - to keep it as it is."
	case st.field == "id":
		ask += " Send - to use " + a.suggestedID(s.draft.Question) + "."
	case st.list:
		ask += " Send - for none."
	}
	bs = append(bs, block{{ask, plain}})
	return packMessages(bs, nil)
}

// preview shows the entry as it will be saved, with Confirm and Cancel; if it is not
// valid after all, it goes back to the first step with a problem instead.
func (a *Adapter) preview(s *session) []message {
	if probs := a.problems(s, s.draft, ""); len(probs) > 0 {
		s.at = 0
		for i, st := range s.steps {
			if st.field == fieldOf(probs[0]) {
				s.at = i
				break
			}
		}
		return append(problemMessages("The entry can't be saved yet:", probs, ""), a.prompt(s)...)
	}
	s.id = newSessionID()
	var intro string
	switch s.action {
	case "add":
		intro = "Here is the new entry. Nothing is saved until you press Confirm."
	default:
		intro = fmt.Sprintf("Here is %s with your changes. Nothing is saved until you press Confirm.", s.entryID)
		if ch := changedFields(s.orig, s.draft); len(ch) > 0 {
			intro += " Changed: " + strings.Join(ch, ", ") + "."
		} else {
			intro += " (Nothing has changed.)"
		}
	}
	bs := append([]block{{{intro, italic}}}, entryBlocks(s.draft)...)
	return packMessages(bs, confirmKeyboard(s.id))
}

func confirmKeyboard(sid string) *tgbotapi.InlineKeyboardMarkup {
	return &tgbotapi.InlineKeyboardMarkup{InlineKeyboard: [][]tgbotapi.InlineKeyboardButton{{
		tgbotapi.NewInlineKeyboardButtonData("✅ Confirm", cbModerator+"ok:"+sid),
		tgbotapi.NewInlineKeyboardButtonData("✖️ Cancel", cbModerator+"no:"+sid),
	}}}
}

// problemMessages lists problems under a heading, with a hint after them.
func problemMessages(heading string, probs []error, hint string) []message {
	b := block{{heading, bold}}
	for _, p := range probs {
		b = append(b, line{"• " + problemText(p), plain})
	}
	bs := []block{b}
	if hint != "" {
		bs = append(bs, block{{hint, plain}})
	}
	return packMessages(bs, nil)
}

// packMessages packs blocks into messages, the keyboard on the last.
func packMessages(bs []block, kb *tgbotapi.InlineKeyboardMarkup) []message {
	parts := pack(bs, maxMessageLen)
	msgs := make([]message, len(parts))
	for i, p := range parts {
		msgs[i].text = p
	}
	if len(msgs) > 0 {
		msgs[len(msgs)-1].keyboard = kb
	}
	return msgs
}

// entryBlocks shows every field of an entry, for previews and /faq_show.
func entryBlocks(e knowledge.Entry) []block {
	label := func(name string) func(string) string {
		return func(s string) string { return "<b>" + name + ":</b> " + html.EscapeString(s) }
	}
	orNone := func(s string) string {
		if s == "" {
			return "(none)"
		}
		return s
	}
	bs := []block{{{orNone(e.ID), label("Id")}, {orNone(e.Question), label("Question")}}}
	list := func(title string, items []string) {
		if len(items) == 0 {
			bs = append(bs, block{{"(none)", label(title)}})
			return
		}
		b := block{{title + ":", bold}}
		for _, it := range items {
			b = append(b, line{"• " + it, plain})
		}
		bs = append(bs, b)
	}
	list("Other wordings", e.Alternates)
	bs = append(bs, block{{"Answer:", bold}})
	bs = append(bs, paragraphs(e.Answer, markdown)...)
	list("Caveats", e.Caveats)
	bs = append(bs, block{{orNone(strings.Join(e.Tags, ", ")), label("Tags")}, {orNone(strings.Join(e.Related, ", ")), label("Related")}})
	list("Sources", stepSources.show(e))
	bs = append(bs, block{{orNone(e.Updated), label("Updated")}})
	return bs
}

// preMessages shows text verbatim in preformatted blocks, for copying: an entry in the
// file format, to paste back changed. The intro goes before the first block.
func preMessages(intro, text string) []message {
	head := ""
	if intro != "" {
		head = plain(intro) + "\n\n"
	}
	limit := maxMessageLen - len("<pre></pre>") - u16len(head)
	var msgs []message
	var cur []string
	n := 0
	flush := func() {
		if len(cur) > 0 {
			msgs = append(msgs, message{text: head + "<pre>" + strings.Join(cur, "\n") + "</pre>"})
			cur, n, head = nil, 0, ""
		}
	}
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		for _, piece := range (line{l, html.EscapeString}).pieces(limit) {
			k := u16len(piece) + 1
			if n+k > limit {
				flush()
			}
			cur = append(cur, piece)
			n += k
		}
	}
	flush()
	return msgs
}

// --- commands ---

func (a *Adapter) cmdAdd(ctx context.Context, _ bot.Handler, ev event) error {
	s := &session{action: "add", steps: addSteps, draft: knowledge.Entry{Updated: a.today()}}
	arg := moderatorText(ev)
	switch {
	case isPaste(arg):
		return a.startSession(ctx, ev, s, a.paste(s, arg))
	case arg != "":
		id, _ := firstWord(arg)
		s.draft.ID, s.entryID = strings.ToLower(id), strings.ToLower(id)
		if probs := a.problems(s, s.draft, "id"); len(probs) > 0 {
			return a.reply(ctx, ev, problemMessages("That id can't be used:", probs, "Send /faq_add with another id, or without one."))
		}
		s.steps = slices.DeleteFunc(slices.Clone(addSteps), func(st step) bool { return st.field == "id" })
	}
	return a.startSession(ctx, ev, s, append([]message{{text: plain(addIntro)}}, a.prompt(s)...))
}

func (a *Adapter) cmdEdit(ctx context.Context, _ bot.Handler, ev event) error {
	arg := moderatorText(ev)
	id, pasted := firstWord(arg)
	if isPaste(arg) {
		e, _ := parsePasted(arg, a.today())
		id, pasted = e.ID, arg
	}
	if id == "" {
		return a.text(ctx, ev, usage("faq_edit", "<id>"))
	}
	e, v, err := a.mod.Get(id)
	if err != nil {
		return a.text(ctx, ev, bot.DescribeError(err))
	}
	s := &session{action: "edit", entryID: id, base: v, orig: e, draft: e, steps: editSteps}
	s.draft.Updated = a.today()
	if isPaste(pasted) {
		return a.startSession(ctx, ev, s, a.paste(s, pasted))
	}
	intro := fmt.Sprintf("Editing %s. For each part I show what it says now: send the new text, or - to keep it. Send /cancel to stop. "+
		"Or copy the entry below, change it, and paste it back whole.", id)
	msgs := preMessages(intro, string(knowledge.Format(e)))
	return a.startSession(ctx, ev, s, append(msgs, a.prompt(s)...))
}

func (a *Adapter) cmdRemove(ctx context.Context, _ bot.Handler, ev event) error {
	id, _ := firstWord(ev.text)
	if id == "" {
		return a.text(ctx, ev, usage("faq_remove", "<id>"))
	}
	e, v, err := a.mod.Get(id)
	if err != nil {
		return a.text(ctx, ev, bot.DescribeError(err))
	}
	var refs []string
	for _, x := range a.mod.Entries() {
		if slices.Contains(x.Related, id) {
			refs = append(refs, x.ID)
		}
	}
	if len(refs) > 0 {
		return a.text(ctx, ev, fmt.Sprintf("%s can't be removed: %s list it as related. Take it out of them first (/faq_edit %s).",
			id, strings.Join(refs, ", "), refs[0]))
	}
	s := &session{action: "remove", entryID: id, base: v, orig: e, id: newSessionID()}
	bs := append([]block{{{"Remove this entry? Nothing changes until you press Confirm.", italic}}}, entryBlocks(e)...)
	return a.startSession(ctx, ev, s, packMessages(bs, confirmKeyboard(s.id)))
}

func (a *Adapter) cmdUndo(ctx context.Context, _ bot.Handler, ev event) error {
	id, _ := firstWord(ev.text)
	if id == "" {
		return a.text(ctx, ev, usage("faq_undo", "<id>"))
	}
	hist, err := a.mod.History(ctx, a.identity(ev), id)
	if err != nil {
		return a.text(ctx, ev, bot.DescribeError(err))
	}
	if len(hist) == 0 {
		return a.text(ctx, ev, fmt.Sprintf("There is no recorded change to %s to undo.", id))
	}
	last := hist[len(hist)-1]
	s := &session{action: "undo", entryID: id, lastSeq: last.Seq, id: newSessionID()}
	head := fmt.Sprintf("Undo the last change to %s (%s)? Nothing changes until you press Confirm.", id, describeChange(last))
	bs := []block{{{head, italic}}}
	if last.Before == nil {
		bs = append(bs, block{{"That change added the entry, so undoing it removes the entry.", plain}})
	} else {
		bs = append(bs, block{{"The entry will be back to:", plain}})
		bs = append(bs, entryBlocks(*last.Before)...)
	}
	return a.startSession(ctx, ev, s, packMessages(bs, confirmKeyboard(s.id)))
}

// describeChange says what an audit record did, who did it and when.
func describeChange(c knowledge.Change) string {
	who := c.Actor.Name
	if who == "" {
		who = c.Actor.User
	}
	if c.Actor.Platform != "" {
		who += " on " + c.Actor.Platform
	}
	return fmt.Sprintf("%s by %s, %s", c.Action, who, c.Time.UTC().Format("2006-01-02 15:04 UTC"))
}

func (a *Adapter) cmdShow(ctx context.Context, _ bot.Handler, ev event) error {
	id, _ := firstWord(ev.text)
	if id == "" {
		return a.text(ctx, ev, usage("faq_show", "<id>"))
	}
	e, v, err := a.mod.Get(id)
	if err != nil {
		return a.text(ctx, ev, bot.DescribeError(err))
	}
	bs := append(entryBlocks(e), block{{fmt.Sprintf("Version %s. To change it: /faq_edit %s", v, id), italic}})
	return a.reply(ctx, ev, packMessages(bs, nil))
}

func (a *Adapter) cmdList(ctx context.Context, _ bot.Handler, ev event) error {
	entries := a.mod.Entries()
	b := block{{fmt.Sprintf("%d entries (id: question):", len(entries)), bold}}
	for _, e := range entries {
		b = append(b, line{e.ID + ": " + e.Question, plain})
	}
	return a.reply(ctx, ev, packMessages([]block{b}, nil))
}

// maxHistory bounds the changes /faq_history lists.
const maxHistory = 20

func (a *Adapter) cmdHistory(ctx context.Context, _ bot.Handler, ev event) error {
	id, _ := firstWord(ev.text)
	if id == "" {
		return a.text(ctx, ev, usage("faq_history", "<id>"))
	}
	hist, err := a.mod.History(ctx, a.identity(ev), id)
	if err != nil {
		return a.text(ctx, ev, bot.DescribeError(err))
	}
	if len(hist) == 0 {
		return a.text(ctx, ev, fmt.Sprintf("No change to %s has been recorded; it is as it came with the bot or was edited by hand.", id))
	}
	b := block{{fmt.Sprintf("Changes to %s, newest first:", id), bold}}
	for i := len(hist) - 1; i >= 0 && len(b) <= maxHistory; i-- {
		b = append(b, line{fmt.Sprintf("#%d %s", hist[i].Seq, describeChange(hist[i])), plain})
	}
	if len(hist) > maxHistory {
		b = append(b, line{fmt.Sprintf("…and %d older.", len(hist)-maxHistory), italic})
	}
	bs := []block{b, {{fmt.Sprintf("/faq_undo %s undoes the newest.", id), italic}}}
	return a.reply(ctx, ev, packMessages(bs, nil))
}

func (a *Adapter) cmdCancel(ctx context.Context, _ bot.Handler, ev event) error {
	a.sessMu.Lock()
	_, ok := a.sessions[ev.user]
	delete(a.sessions, ev.user)
	a.sessMu.Unlock()
	if !ok {
		return a.text(ctx, ev, nothingPending)
	}
	return a.text(ctx, ev, cancelledText)
}

// --- buttons ---

// cbModerator handles the moderators' buttons: "ok:" and "no:" with a preview's
// session id, "sa:" and "sr:" with a suggestion's id.
func (a *Adapter) cbModerator(ctx context.Context, _ bot.Handler, ev event, payload string) error {
	op, arg, _ := strings.Cut(payload, ":")
	if a.mod == nil || arg == "" {
		return a.ack(ctx, ev, staleButton, false)
	}
	who := a.identity(ev)
	if !a.mod.Allowed(ctx, who, "button "+op) {
		return a.ack(ctx, ev, bot.DescribeError(bot.ErrForbidden), true)
	}
	switch op {
	case "ok", "no":
		return a.cbConfirm(ctx, ev, who, op == "ok", arg)
	case "sa", "sr":
		return a.cbSuggestion(ctx, ev, who, op == "sa", arg)
	}
	return a.ack(ctx, ev, staleButton, false)
}

// cbConfirm makes or drops the change a preview shows. The session is taken first,
// so a second press of the same button does nothing.
func (a *Adapter) cbConfirm(ctx context.Context, ev event, who bot.Identity, ok bool, sid string) error {
	s, found := a.takeSession(ev.user, sid)
	if !found {
		return a.ack(ctx, ev, staleConfirm, true)
	}
	if err := a.ack(ctx, ev, "", false); err != nil {
		return err
	}
	if !ok {
		return a.text(ctx, ev, cancelledText)
	}
	if s.action == "edit" && knowledge.VersionOf(s.draft) == s.base {
		return a.text(ctx, ev, "Nothing had changed, so nothing was saved.")
	}
	if err := a.apply(ctx, who, s); err != nil {
		if ctx.Err() != nil {
			return err
		}
		a.log.InfoContext(ctx, "FAQ change refused", "action", s.action, "id", s.entryID, "err", err)
		msgs := []message{{text: plain(bot.DescribeError(err))}}
		if s.action == "add" || s.action == "edit" {
			// Nothing is lost: the moderator gets their version back to paste again.
			msgs = append(msgs, preMessages("Your version, to paste again (after /faq_"+s.action+"):", string(knowledge.Format(s.draft)))...)
		}
		return a.reply(ctx, ev, msgs)
	}
	var done string
	switch s.action {
	case "add":
		done = fmt.Sprintf("Saved. %s (%s) is in the FAQ now.", s.draft.Question, s.draft.ID)
	case "edit":
		done = fmt.Sprintf("Saved your changes to %s.", s.entryID)
	case "remove":
		done = fmt.Sprintf("Removed %s. /faq_undo %s brings it back.", s.entryID, s.entryID)
	case "undo":
		done = fmt.Sprintf("Undone: %s is back to how it was before that change.", s.entryID)
	}
	if n := a.mod.Notice(); n != "" {
		done += "\n\n" + n
	}
	return a.text(ctx, ev, done)
}

// apply makes the session's change through the Moderation.
func (a *Adapter) apply(ctx context.Context, who bot.Identity, s *session) error {
	switch s.action {
	case "add":
		return a.mod.Add(ctx, who, s.draft)
	case "edit":
		return a.mod.Edit(ctx, who, s.draft, s.base)
	case "remove":
		return a.mod.Remove(ctx, who, s.entryID, s.base)
	case "undo":
		// Undo has no version to check, so the preview's record is checked here: an
		// undo must not revert a change the moderator never saw.
		hist, err := a.mod.History(ctx, who, s.entryID)
		if err != nil {
			return err
		}
		if len(hist) == 0 || hist[len(hist)-1].Seq != s.lastSeq {
			return fmt.Errorf("%w: %q has a newer change than the one previewed", knowledge.ErrStale, s.entryID)
		}
		_, err = a.mod.Undo(ctx, who, s.entryID)
		return err
	}
	return fmt.Errorf("unknown FAQ change %q", s.action)
}
