package pglog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/knowledge/pgschema"
)

// Status is the state of a Log's connection to its database and of its queue.
type Status struct {
	Ready     bool      // the schema is migrated and the user key checked
	Down      bool      // the database does not answer: a write, a ping or a first connection failed
	DownSince time.Time // when it stopped answering
	Err       error     // why it does not answer, or why the log is refused for good
	Refused   bool      // the log can never be used: Err says why
	Queued    int       // records waiting for the database
	Dropped   int64     // records dropped since start: beyond the queue limit, refused at writing, or queued at Close
}

// Status returns the state of the log's connection and queue.
func (l *Log) Status() Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := Status{Ready: l.ready, DownSince: l.downSince, Err: l.lastErr, Queued: len(l.queue), Dropped: l.dropped}
	st.Down = !l.downSince.IsZero()
	if l.refused != nil {
		st.Refused, st.Err = true, l.refused
	}
	return st
}

// submit writes p now, or queues it behind what already waits, or while the database
// does not answer.
func (l *Log) submit(ctx context.Context, p pending) error {
	l.mu.Lock()
	switch refused := l.refused; {
	case refused != nil:
		l.mu.Unlock()
		return fmt.Errorf("question log: %w", refused)
	case !l.ready || len(l.queue) > 0:
		l.enqueueLocked(p)
		l.mu.Unlock()
		return nil
	}
	l.mu.Unlock()
	err := l.write(ctx, p)
	if err == nil || !unreachable(err) {
		return err
	}
	l.mu.Lock()
	l.markDownLocked(err)
	l.enqueueLocked(p)
	l.mu.Unlock()
	return nil
}

// enqueueLocked queues p, or drops and counts it when the queue is full: the newest go,
// so that what is kept stays in order.
func (l *Log) enqueueLocked(p pending) {
	if len(l.queue) >= l.limit {
		l.dropped++
		l.unsaved[day(p.time())]++
		if l.dropped == 1 || l.dropped%1000 == 0 {
			l.log.Warn("question log queue full while the database does not answer; dropping the newest records", "queued", len(l.queue), "dropped", l.dropped)
		}
		return
	}
	l.queue = append(l.queue, p)
	l.signal()
}

func (p pending) time() time.Time {
	if p.asked != nil {
		return p.asked.Time
	}
	return p.feedback.Time
}

// markDownLocked notes that the database does not answer.
func (l *Log) markDownLocked(err error) {
	if l.downSince.IsZero() {
		l.downSince = l.now()
		l.log.Warn("question log database unreachable; answering goes on, records are queued", "err", err, "queue_limit", l.limit)
	}
	l.lastErr = err
}

// failed notes an error of a write that is not queued, or of a report: one from a
// database that does not answer starts (or continues) an outage and says so.
func (l *Log) failed(err error) error {
	if err == nil || !unreachable(err) || errors.Is(err, ErrUnavailable) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) { // the caller gave up
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.markDownLocked(err)
	l.signal()
	return fmt.Errorf("%w since %s: %w", ErrUnavailable, l.downSince.UTC().Format(time.RFC3339), err)
}

// signal wakes the background writer.
func (l *Log) signal() {
	select {
	case l.wake <- struct{}{}:
	default: // already due
	}
}

func (l *Log) startWriter() {
	ctx, cancel := context.WithCancel(context.Background())
	l.stop = cancel
	go func() {
		defer close(l.done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-l.wake:
			}
			l.catchUp(ctx)
		}
	}()
}

// catchUp sets the log up if it is not yet, then writes the queue and the counts of
// losses, retrying with backoff while the database does not answer.
func (l *Log) catchUp(ctx context.Context) {
	backoff := l.minRetry
	attempts := 0 // on the record at the head of the queue
	for {
		err := l.step(ctx, &attempts)
		if err == nil {
			backoff = l.minRetry
			continue
		}
		if errors.Is(err, errCaughtUp) || ctx.Err() != nil {
			return
		}
		l.mu.Lock()
		l.markDownLocked(err)
		l.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, l.maxRetry)
	}
}

// errCaughtUp ends a catchUp: nothing is left to write.
var errCaughtUp = errors.New("caught up")

// attemptTimeout bounds one write of the background writer.
const attemptTimeout = 10 * time.Second

// step does one piece of catching up: setting up, writing the head of the queue, or
// saving the counts of losses. It returns errCaughtUp when nothing is left, or why
// the database did not answer.
func (l *Log) step(ctx context.Context, attempts *int) error {
	actx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	l.mu.Lock()
	ready, refused := l.ready, l.refused
	l.mu.Unlock()
	if refused != nil {
		return errCaughtUp
	}
	if !ready {
		err := l.setUp(actx)
		var p permanentError
		if errors.As(err, &p) || err != nil && !unreachable(err) {
			l.refuse(err)
			return errCaughtUp
		}
		if err != nil {
			return err
		}
		l.setReady()
		l.log.Info("question log database reached: recording", "queued", l.Status().Queued)
		return nil
	}
	l.mu.Lock()
	if len(l.queue) == 0 {
		unsaved := l.unsaved
		l.unsaved = map[string]int64{}
		down := !l.downSince.IsZero()
		l.mu.Unlock()
		for d, n := range unsaved {
			if err := l.saveLost(actx, d, n); err != nil {
				l.mu.Lock()
				for d, n := range unsaved {
					l.unsaved[d] += n
				}
				l.mu.Unlock()
				return err
			}
			delete(unsaved, d)
		}
		if down {
			if err := l.db.Ping(actx); err != nil {
				return err
			}
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		if len(l.queue) > 0 || len(l.unsaved) > 0 {
			return nil // more came meanwhile
		}
		if down {
			l.log.Info("question log database answers again; the queue is written", "dropped", l.dropped)
		}
		l.downSince, l.lastErr = time.Time{}, nil
		return errCaughtUp
	}
	p := l.queue[0]
	l.mu.Unlock()
	err := l.write(actx, p)
	*attempts++
	if err != nil && !errors.Is(err, bot.ErrUnknownReply) {
		if !unreachable(err) || *attempts >= 5 && l.db.Ping(actx) == nil {
			// The database answers but refuses this record: waiting will not mend it.
			l.log.Warn("question log: a queued record could not be written; dropped", "err", err)
			l.pop(true)
			*attempts = 0
			return nil
		}
		return err
	}
	l.pop(false)
	*attempts = 0
	return nil
}

// setReady marks the log set up.
func (l *Log) setReady() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ready = true
	close(l.readyCh)
}

// pop removes the head of the queue, counting it as dropped if it was not written.
func (l *Log) pop(lost bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if lost {
		l.dropped++
		l.unsaved[day(l.queue[0].time())]++
	}
	l.queue[0] = pending{}
	l.queue = l.queue[1:]
	close(l.changed)
	l.changed = make(chan struct{})
}

// refuse marks the log as refused for good, dropping the queue.
func (l *Log) refuse(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refused = err
	l.dropped += int64(len(l.queue))
	l.queue = nil
	close(l.changed)
	l.changed = make(chan struct{})
	l.log.Error("question log refused; answering without recording", "err", err)
}

// Flush waits until the queue is written, or ctx is done: then it says how many
// records are still waiting.
func (l *Log) Flush(ctx context.Context) error {
	for {
		l.mu.Lock()
		n, changed := len(l.queue), l.changed
		l.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("question log: %d records not written: %w", n, ctx.Err())
		}
	}
}

// permanentError is a failure to set the log up that retrying will not mend.
type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

func permanent(err error) error { return permanentError{err} }

// unreachable reports whether err may be the database not answering, rather than it
// refusing what it was asked: anything but an error from the server, and the server's
// errors that a retry may mend (pgschema.Transient). Unlike the FAQ store's start-up,
// any error that is not the server's counts: what the log refuses for good of its own
// accord it marks permanent, and the rest are its writes failing on the way.
func unreachable(err error) bool {
	if errors.Is(err, bot.ErrUnknownReply) {
		return false
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err != nil
	}
	return pgschema.Transient(pgErr)
}
