package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/pglog"
	"github.com/smpbot/smpbot/bot/sqlitelog"
)

// questionLog is what the commands use of a question log: the SQLite one in the data
// directory (bot/sqlitelog), or the PostgreSQL one that replicas share (bot/pglog).
type questionLog interface {
	bot.QuestionLog
	bot.Reports
	bot.Activity
	bot.LossCounter
	UserHash(platform, user string) string
	Rescan(ctx context.Context, search func(ctx context.Context, text string) (string, float64, error)) (int, error)
	Purge(ctx context.Context, olderThan time.Time) (int64, error)
	PurgeUser(ctx context.Context, platform, user string) (int64, error)
	RotateKey(ctx context.Context) (int64, error)
	RunRetention(ctx context.Context, every, keep time.Duration)
	Close() error
}

// pinger is a FAQ store or question log on a database server, which /readyz reports on.
type pinger interface {
	Ping(ctx context.Context) error
}

// serverLog is a question log on a database server, which may not answer: /readyz
// and /metrics report on its connection and the records it queues meanwhile.
type serverLog interface {
	pinger
	Status() pglog.Status
	Flush(ctx context.Context) error
}

var (
	_ questionLog = (*sqlitelog.Log)(nil)
	_ questionLog = (*pglog.Log)(nil)
	_ serverLog   = (*pglog.Log)(nil)
)

// logOptions are what the commands set on either question log.
type logOptions struct {
	rescanDays int
	mustExist  bool // a report on a mistyped data directory fails rather than show an empty log
	// background: a running bot does not wait for the database, it connects in the
	// background and queues up to queue records meanwhile (0: pglog's default).
	background bool
	queue      int
}

// openQuestionLogIn opens the question log: on PostgreSQL when SMPBOT_DATABASE_URL is
// set, otherwise the data directory's SQLite file. The key that hashes user ids is in
// SMPBOT_USER_KEY_FILE, or beside the SQLite file in the data directory.
func (e *env) openQuestionLogIn(ctx context.Context, getenv func(string) string, data string, o logOptions) (questionLog, error) {
	keyFile := getenv("SMPBOT_USER_KEY_FILE")
	if dbURL := getenv("SMPBOT_DATABASE_URL"); dbURL != "" {
		if keyFile == "" {
			keyFile = filepath.Join(data, sqlitelog.KeyFile)
		}
		opts := []pglog.Option{pglog.WithLogger(e.log), pglog.WithKeyFile(keyFile)}
		if o.rescanDays > 0 {
			opts = append(opts, pglog.WithRescanDays(o.rescanDays))
		}
		opts = append(opts, pglog.WithQueueLimit(o.queue))
		var l *pglog.Log
		var err error
		if o.background {
			l, err = pglog.Start(dbURL, opts...)
		} else {
			l, err = pglog.Open(ctx, dbURL, opts...)
		}
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return l, nil
	}
	path := filepath.Join(data, sqlitelog.FileName)
	if o.mustExist {
		if _, err := os.Stat(path); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("no question log in %s: it is created when the bot runs with this data directory", data)
			}
			return nil, err
		}
	}
	opts := []sqlitelog.Option{sqlitelog.WithLogger(e.log)}
	if keyFile != "" {
		opts = append(opts, sqlitelog.WithKeyFile(keyFile))
	}
	if o.rescanDays > 0 {
		opts = append(opts, sqlitelog.WithRescanDays(o.rescanDays))
	}
	l, err := sqlitelog.Open(ctx, path, opts...)
	if err != nil {
		return nil, err
	}
	return l, nil
}

// databaseReadiness describes, for /readyz, a question log's database that does not
// answer: the bot still answers and queues the records (dropping them beyond the
// queue's limit), so the process stays ready.
func databaseReadiness(ql questionLog) string {
	p, ok := ql.(serverLog)
	if !ok {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := p.Ping(ctx)
	st := p.Status()
	switch {
	case st.Refused:
		return "question log refused (answers go on, unrecorded): " + st.Err.Error()
	case err == nil && !st.Down:
		return ""
	}
	if err == nil {
		err = st.Err
	}
	note := fmt.Sprintf("question log database unreachable since %s (answers go on): %s queued, %d dropped",
		st.DownSince.UTC().Format(time.RFC3339), plural(st.Queued, "record"), st.Dropped)
	if err != nil {
		note += ": " + err.Error()
	}
	return note
}

// closeQuestionLog gives a database that does not answer until ctx is done to take the
// queued records, then closes the log.
func closeQuestionLog(ctx context.Context, ql questionLog, log *slog.Logger) {
	if p, ok := ql.(serverLog); ok {
		if err := p.Flush(ctx); err != nil {
			log.Warn("question log: queued records not written before exit", "err", err)
		}
	}
	ql.Close()
}
