package main

import (
	"context"
	"errors"
	"fmt"
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

// pinger is a question log on a server, which /readyz reports on.
type pinger interface {
	Ping(ctx context.Context) error
}

var (
	_ questionLog = (*sqlitelog.Log)(nil)
	_ questionLog = (*pglog.Log)(nil)
	_ pinger      = (*pglog.Log)(nil)
)

// logOptions are what the commands set on either question log.
type logOptions struct {
	rescanDays int
	mustExist  bool // a report on a mistyped data directory fails rather than show an empty log
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
		l, err := pglog.Open(ctx, dbURL, opts...)
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
// answer: the bot still answers (the records it cannot write are counted as lost), so
// the process stays ready.
func databaseReadiness(ql questionLog) string {
	p, ok := ql.(pinger)
	if !ok {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := p.Ping(ctx); err != nil {
		return "question log database not answering (answers go on; records not written are counted as lost): " + err.Error()
	}
	return ""
}
