package bot

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// ErrNotRecorded is returned by Recorder.RecordFeedback when the feedback could not
// even be queued (the queue is full or the Recorder is closed); it is counted as lost.
var ErrNotRecorded = errors.New("not recorded: the question log is not keeping up")

// LossCounter is implemented by a QuestionLog that can keep a count of records it
// could not store, so that reports show them. The Recorder hands it the losses once
// the log works again.
type LossCounter interface {
	CountLost(ctx context.Context, at time.Time, n int64) error
}

// Recorder is a Handler that answers through another one and records every question
// and reply in a QuestionLog. Recording happens in the background through a bounded
// queue: a slow, full or failing log never delays or fails a reply, it only loses
// records, which Lost counts.
//
// It also takes Helpful / Not helpful presses (FeedbackRecorder) and passes the
// wrapped handler's Topics and Completer through, so adapters find them.
type Recorder struct {
	h       Handler
	log     QuestionLog
	logger  *slog.Logger
	timeout time.Duration
	skip    map[string]bool
	now     func() time.Time

	mu     sync.RWMutex // guards closed against sends on the closed queue
	closed bool
	queue  chan job
	done   chan struct{}

	// Flush waits for the writer to have taken as many jobs as were queued.
	queued     atomic.Int64
	progressMu sync.Mutex
	written    int64
	progress   chan struct{} // closed and replaced after each write

	lost    atomic.Int64 // records dropped or failed since start
	unsaved atomic.Int64 // of which not yet handed to a LossCounter
	failing atomic.Bool  // the last write failed; logged once per outage
}

var (
	_ Handler          = (*Recorder)(nil)
	_ FeedbackRecorder = (*Recorder)(nil)
	_ Topics           = (*Recorder)(nil)
	_ Completer        = (*Recorder)(nil)
)

// job is one queued write: a question or a feedback press.
type job struct {
	asked    *Asked
	feedback *Feedback
}

// RecorderOption configures a Recorder.
type RecorderOption func(*Recorder)

// WithRecorderLogger sets the logger; the default discards.
func WithRecorderLogger(l *slog.Logger) RecorderOption { return func(r *Recorder) { r.logger = l } }

// WithQueueSize sets how many records may wait for the log (default 1024); beyond
// that they are lost rather than waited for.
func WithQueueSize(n int) RecorderOption {
	return func(r *Recorder) {
		if n > 0 {
			r.queue = make(chan job, n)
		}
	}
}

// WithRecordTimeout bounds one write to the log (default 10 s).
func WithRecordTimeout(d time.Duration) RecorderOption {
	return func(r *Recorder) { r.timeout = d }
}

// WithoutRecording sets the platforms whose questions are answered but not recorded
// (default "cli", "eval" and "rescan": tools, not people asking).
func WithoutRecording(platforms ...string) RecorderOption {
	return func(r *Recorder) {
		r.skip = make(map[string]bool, len(platforms))
		for _, p := range platforms {
			r.skip[p] = true
		}
	}
}

// NewRecorder returns a Recorder answering through h and recording in log. Close it to
// flush the queue.
func NewRecorder(h Handler, log QuestionLog, opts ...RecorderOption) *Recorder {
	r := &Recorder{
		h:        h,
		log:      log,
		logger:   slog.New(slog.DiscardHandler),
		timeout:  10 * time.Second,
		skip:     map[string]bool{"cli": true, "eval": true, "rescan": true},
		now:      time.Now,
		queue:    make(chan job, 1024),
		done:     make(chan struct{}),
		progress: make(chan struct{}),
	}
	for _, o := range opts {
		o(r)
	}
	go r.work()
	return r
}

// Answer implements Handler: it answers through the wrapped handler, gives the reply an
// ID for feedback and suggestion buttons, and queues the record.
func (r *Recorder) Answer(ctx context.Context, q Question) (Reply, error) {
	start := r.now()
	reply, err := r.h.Answer(ctx, q)
	if err != nil || r.skip[q.Platform] || q.Preview {
		return reply, err
	}
	reply.ID = newReplyID()
	a := Asked{
		ID:         reply.ID,
		Time:       start.UTC(),
		Platform:   q.Platform,
		User:       q.User,
		Chat:       q.Chat,
		Question:   reply.Question,
		Kind:       reply.Kind,
		Confidence: reply.Confidence,
		Latency:    r.now().Sub(start),
		FromAnswer: q.FromAnswer,
		Urgent:     reply.Urgent,
	}
	if reply.Entry != nil {
		a.EntryID = reply.Entry.ID
	}
	for _, s := range reply.Suggestions {
		a.Suggestions = append(a.Suggestions, s.ID)
	}
	r.enqueue(job{asked: &a})
	return reply, nil
}

// RecordFeedback implements FeedbackRecorder. It only queues the press, so it returns
// at once; ErrNotRecorded means it was lost.
func (r *Recorder) RecordFeedback(ctx context.Context, f Feedback) error {
	if f.Time.IsZero() {
		f.Time = r.now().UTC()
	}
	if !r.enqueue(job{feedback: &f}) {
		return ErrNotRecorded
	}
	return nil
}

// Topics implements Topics with the wrapped handler's topics, or none.
func (r *Recorder) Topics() []Suggestion {
	if t, ok := r.h.(Topics); ok {
		return t.Topics()
	}
	return nil
}

// Complete implements Completer with the wrapped handler's completions, or none.
func (r *Recorder) Complete(ctx context.Context, partial string, n int) []Suggestion {
	if c, ok := r.h.(Completer); ok {
		return c.Complete(ctx, partial, n)
	}
	return nil
}

// Lost returns how many records (questions and feedback) could not be stored since the
// Recorder started: dropped because the queue was full, or refused by the log.
func (r *Recorder) Lost() int64 { return r.lost.Load() }

// enqueue queues j without waiting; a full queue or a closed Recorder loses it.
func (r *Recorder) enqueue(j job) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if !r.closed {
		select {
		case r.queue <- j:
			r.queued.Add(1)
			return true
		default:
		}
	}
	r.loseOne()
	return false
}

func (r *Recorder) loseOne() {
	r.lost.Add(1)
	r.unsaved.Add(1)
}

// Flush waits until everything queued before it has been written (or lost).
func (r *Recorder) Flush(ctx context.Context) error {
	target := r.queued.Load()
	for {
		r.progressMu.Lock()
		if r.written >= target {
			r.progressMu.Unlock()
			return nil
		}
		next := r.progress
		r.progressMu.Unlock()
		select {
		case <-next:
		case <-r.done: // closed after the last queued job
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Close stops taking records and waits until the queued ones are written or ctx is
// done. It does not close the log. Answer keeps working after Close, unrecorded.
func (r *Recorder) Close(ctx context.Context) error {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.queue)
	}
	r.mu.Unlock()
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *Recorder) work() {
	defer close(r.done)
	for j := range r.queue {
		r.write(j)
		r.progressMu.Lock()
		r.written++
		close(r.progress)
		r.progress = make(chan struct{})
		r.progressMu.Unlock()
	}
	// A last try to put the count of losses where reports see it.
	r.saveLosses()
}

func (r *Recorder) write(j job) {
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	var err error
	what := "question"
	if j.asked != nil {
		err = r.log.Record(ctx, *j.asked)
	} else {
		what = "feedback"
		err = r.log.Feedback(ctx, *j.feedback)
	}
	if errors.Is(err, ErrUnknownReply) {
		// Not a loss: there was nothing it could have counted for.
		r.logger.Debug("feedback on a reply not in the question log; dropped", "reply", j.feedback.AnswerID)
		return
	}
	if err != nil {
		r.loseOne()
		if !r.failing.Swap(true) {
			r.logger.Warn("question log unavailable; answering goes on without recording", "record", what, "err", err)
		}
		return
	}
	if r.failing.Swap(false) {
		r.logger.Info("question log available again", "lost", r.lost.Load())
	}
	r.saveLosses()
}

// saveLosses hands the losses not yet counted by the log to it, if it counts them.
func (r *Recorder) saveLosses() {
	lc, ok := r.log.(LossCounter)
	n := r.unsaved.Load()
	if !ok || n == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	if err := lc.CountLost(ctx, r.now().UTC(), n); err != nil {
		r.logger.Debug("could not save the count of lost records", "err", err)
		return
	}
	r.unsaved.Add(-n)
}

// newReplyID returns a short random id, unguessable so that nobody can give feedback
// on another person's answer by guessing, and short enough for Telegram's 64-byte
// callback data.
func newReplyID() string {
	var b [9]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b[:])
}
