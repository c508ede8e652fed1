package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/smpbot/smpbot/bot/telegram/telegramtest"
)

const opsToken = "7000002:AAops-t0ken-that-must-never-appear-in-logs"

// bot process started against the Telegram fake, with an admin listener.
type botProcess struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	*exitWatch
}

func startBot(t *testing.T, fake *telegramtest.Server, data string, extra ...string) *botProcess {
	t.Helper()
	return startBotEnv(t, fake, data, nil, extra...)
}

// startBotEnv starts the bot with env (KEY=VALUE) added to its environment.
func startBotEnv(t *testing.T, fake *telegramtest.Server, data string, env []string, extra ...string) *botProcess {
	t.Helper()
	p := &botProcess{stderr: &lockedBuffer{}}
	p.cmd = exec.Command(buildSmpbot(t), append([]string{"run", "--data", data, "--admin-listen", "127.0.0.1:0"}, extra...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DISCORD_") && !strings.HasPrefix(kv, "TELEGRAM_") && !strings.HasPrefix(kv, "SMPBOT_") {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	p.cmd.Env = append(p.cmd.Env, "TELEGRAM_TOKEN="+opsToken, "TELEGRAM_API_ENDPOINT="+fake.Endpoint(), "TELEGRAM_QUESTIONS_PER_MINUTE=0")
	p.cmd.Env = append(p.cmd.Env, env...)
	p.cmd.Stdout, p.cmd.Stderr = p.stderr, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.exitWatch = watchExit(p.cmd)
	t.Cleanup(func() {
		p.kill()
		if strings.Contains(p.stderr.String(), opsToken) {
			t.Errorf("the token appeared in the log")
		}
		if t.Failed() {
			t.Logf("smpbot stderr:\n%s", p.stderr.String())
		}
	})
	return p
}

// get requests path from the admin listener.
func (p *botProcess) get(path string) (int, string) {
	admin := loggedAddr(p.stderr, "admin")
	if admin == "" {
		return 0, "admin listener not bound yet"
	}
	resp, err := http.Get("http://" + admin + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (p *botProcess) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if code, _ := p.get("/readyz"); code == http.StatusOK {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("not ready within 30 s")
}

func (p *botProcess) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	if !p.wait(60 * time.Second) {
		t.Fatal("no exit within 60 s of SIGTERM")
	}
	if p.err != nil {
		t.Errorf("exit after SIGTERM: %v, want status 0", p.err)
	}
}

// metric returns the value of one sample of /metrics, or 0 if absent.
func (p *botProcess) metric(t *testing.T, name string) float64 {
	t.Helper()
	_, body := p.get("/metrics")
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

// repliesByChat counts the bot's messages per chat.
func repliesByChat(fake *telegramtest.Server) map[int64]int {
	n := map[int64]int{}
	for _, s := range fake.Messages() {
		if s.Method == "sendMessage" {
			n[s.ChatID]++
		}
	}
	return n
}

func tgUser(i int) tgbotapi.User {
	return tgbotapi.User{ID: int64(100000 + i), FirstName: fmt.Sprintf("User%d", i), UserName: fmt.Sprintf("user%d", i)}
}

var loadQuestions = []string{
	"how many laser sessions will i need",
	"does smp removal hurt",
	"my dots went blurry, why",
	"how much does it cost to remove scalp micropigmentation",
	"what is the best pizza topping",
}

// TestRunHealthReadinessMetrics checks the admin endpoints of a running bot, with
// metric values that must move when a question is answered.
func TestRunHealthReadinessMetrics(t *testing.T) {
	fake := telegramtest.NewServer(opsToken)
	defer fake.Close()
	data := t.TempDir()
	p := startBot(t, fake, data)
	p.waitReady(t)
	if code, body := p.get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	if got := p.metric(t, "smpbot_faq_entries"); got < 40 {
		t.Errorf("smpbot_faq_entries = %v", got)
	}
	answered := `smpbot_questions_total{kind="answer",platform="telegram"}`
	if got := p.metric(t, answered); got != 0 {
		t.Fatalf("%s = %v before any question", answered, got)
	}
	u := tgUser(1)
	fake.Send(fake.PrivateChat(u), u, "how many laser sessions will I need?", 0)
	if !fake.Wait(60*time.Second, func() bool { return len(fake.Messages()) > 0 }) {
		t.Fatal("no answer within 60 s")
	}
	// The handler's observers (metrics, the answer log) run before the reply is sent:
	// the metrics, read from the process, must show it already.
	if got := p.metric(t, answered); got != 1 {
		t.Errorf("%s = %v after one answer", answered, got)
	}
	if got := p.metric(t, "smpbot_answer_seconds_count"); got != 1 {
		t.Errorf("smpbot_answer_seconds_count = %v", got)
	}
	// The log line was written before the reply too, but reaches p.stderr through a
	// pipe and the goroutine copying from it, which may not have caught up yet.
	waitFor(t, p.stderr, "msg=answered platform=telegram kind=answer", 1)
	if strings.Contains(p.stderr.String(), "laser sessions will I need") {
		t.Errorf("the question text was logged at info level")
	}
	p.stop(t)
	// The question went into the data directory's question log, flushed on the way out.
	out, err := exec.Command(buildSmpbot(t), "report", "stats", "--json", "--data", data).CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"asked": 1`) {
		t.Errorf("report stats after one question: %v\n%s", err, out)
	}
}

// TestShutdownUnderLoadLosesNothing stops the bot with SIGTERM while hundreds of
// questions are arriving, starts it again, and checks every question was answered
// exactly once across the two runs. It also reports throughput and latency.
func TestShutdownUnderLoadLosesNothing(t *testing.T) {
	fake := telegramtest.NewServer(opsToken)
	defer fake.Close()
	data := t.TempDir()
	p := startBot(t, fake, data)
	p.waitReady(t)

	const n = 300
	sent := make([]time.Time, n)
	chats := make([]int64, n)
	for i := 0; i < n; i++ {
		u := tgUser(i)
		c := fake.PrivateChat(u)
		chats[i] = c.ID
		sent[i] = time.Now()
		fake.Send(c, u, loadQuestions[i%len(loadQuestions)], 0)
	}
	// Watch replies arrive, noting when each chat got its first one.
	first := map[int64]time.Time{}
	stopAt := n / 3
	for len(first) < stopAt {
		if !fake.Wait(60*time.Second, func() bool { return len(repliesByChat(fake)) > len(first) }) {
			t.Fatalf("only %d of %d answered before the stop", len(first), n)
		}
		now := time.Now()
		for c := range repliesByChat(fake) {
			if _, ok := first[c]; !ok {
				first[c] = now
			}
		}
	}
	p.stop(t)
	mid := len(repliesByChat(fake))

	p2 := startBot(t, fake, data)
	// The first run may have answered everything in its grace: the second must still
	// be up (its signal handler installed) before it is stopped.
	p2.waitReady(t)
	if !fake.Wait(60*time.Second, func() bool { return len(repliesByChat(fake)) >= n }) {
		t.Fatalf("after restart only %d of %d questions answered", len(repliesByChat(fake)), n)
	}
	p2.stop(t)
	for i, c := range chats {
		if got := repliesByChat(fake)[c]; got != 1 {
			t.Errorf("question %d got %d replies, want exactly 1", i, got)
		}
	}
	var lat []time.Duration
	for i, c := range chats {
		if at, ok := first[c]; ok {
			lat = append(lat, at.Sub(sent[i]))
		}
	}
	slices.Sort(lat)
	elapsed := lat[len(lat)-1]
	t.Logf("load: %d answered before SIGTERM, %d by then in all, the rest after restart; %.0f answers/s, p50 %v, p99 %v (loopback, Telegram fake, first run)",
		len(lat), mid, float64(len(lat))/elapsed.Seconds(), lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)*99/100].Round(time.Millisecond))
}

// TestTelegramFeedbackReachesTheQuestionLog presses Helpful under an answer, twice,
// and Not helpful under another, through the fake Bot API and the running binary, and
// reads the result back from the data directory's SQLite question log.
func TestTelegramFeedbackReachesTheQuestionLog(t *testing.T) {
	fake := telegramtest.NewServer(opsToken)
	defer fake.Close()
	data := t.TempDir()
	p := startBot(t, fake, data)
	p.waitReady(t)

	u := tgUser(7)
	c := fake.PrivateChat(u)
	press := func(question, vote string) {
		t.Helper()
		before := len(fake.Messages())
		fake.Send(c, u, question, 0)
		if !fake.Wait(60*time.Second, func() bool { return len(fake.Messages()) > before }) {
			t.Fatalf("no answer to %q", question)
		}
		answer := fake.Messages()[before]
		var data string
		for _, row := range answer.Keyboard {
			for _, b := range row {
				if b.CallbackData != nil && strings.HasPrefix(*b.CallbackData, "f:") && strings.HasSuffix(*b.CallbackData, ":"+vote) {
					data = *b.CallbackData
				}
			}
		}
		if data == "" {
			t.Fatalf("no %q feedback button under the answer to %q: %+v", vote, question, answer.Keyboard)
		}
		msg := tgbotapi.Message{MessageID: answer.MessageID, Chat: &c, Text: answer.Text}
		n := len(fake.CallbackAnswers())
		fake.Press(u, msg, data)
		fake.Press(u, msg, data) // a double tap is recorded once
		if !fake.Wait(60*time.Second, func() bool { return len(fake.CallbackAnswers()) >= n+2 }) {
			t.Fatalf("feedback press on %q not acknowledged", question)
		}
	}
	press("how much does laser smp removal cost", "y")
	press("does laser removal hurt", "n")
	p.stop(t)

	out, err := exec.Command(buildSmpbot(t), "report", "stats", "--json", "--data", data).CombinedOutput()
	if err != nil {
		t.Fatalf("report stats: %v\n%s", err, out)
	}
	var stats struct {
		TopEntries []struct {
			EntryID    string `json:"entry_id"`
			Helpful    int    `json:"helpful"`
			NotHelpful int    `json:"not_helpful"`
		} `json:"top_entries"`
	}
	if err := json.Unmarshal(out, &stats); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got := map[string][2]int{}
	for _, e := range stats.TopEntries {
		got[e.EntryID] = [2]int{e.Helpful, e.NotHelpful}
	}
	if got["cost"] != [2]int{1, 0} || got["laser-pain"] != [2]int{0, 1} {
		t.Errorf("feedback in the question log: %v; want cost 1 helpful, laser-pain 1 not helpful\n%s", got, out)
	}
}
