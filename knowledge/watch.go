package knowledge

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watchSettle is how long the FAQ directory must be quiet before it is reloaded: an
// editor or a git checkout writes several files, and one reload should see them all.
const watchSettle = 300 * time.Millisecond

// Watch reloads the FAQ whenever its files change on disk, until ctx is done. A valid
// change reaches OnChange within a second; an invalid one is logged with its file and
// line and the last good FAQ keeps serving.
//
// Watch also follows the audit log: when a writer in another process (the command
// line, say) records a change and dies before making it, Watch completes the change
// under the writer lock, as the next writer would, so the running bot serves it
// without waiting for another change or a restart. It checks once when it starts and
// after every write to the log.
func (s *Store) Watch(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watching the FAQ: %w", err)
	}
	defer w.Close()
	dir := filepath.Join(s.dir, FAQDir)
	if err := w.Add(dir); err != nil {
		return fmt.Errorf("watching %s: %w", dir, err)
	}
	// The audit log itself is watched, not the data directory, whose question log
	// changes with every question asked. It is created empty if no change was ever
	// recorded, so that there is a file to watch (writers append to it, and recovery
	// only cuts a torn last record: it is never replaced). Without it the FAQ is still
	// watched.
	auditPath := filepath.Join(s.dir, AuditFile)
	f, err := os.OpenFile(auditPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err == nil {
		f.Close()
		err = w.Add(auditPath)
	}
	if err != nil {
		s.log.Warn("not watching the audit log: a change whose writer died is completed at the next change or start", "err", err)
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	audit := time.NewTimer(time.Hour)
	audit.Stop()
	s.completePending()
	s.watchEvent("started")
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if ev.Name == auditPath {
				audit.Reset(watchSettle)
				continue
			}
			if base := filepath.Base(ev.Name); strings.HasPrefix(base, ".") || !strings.HasSuffix(base, Ext) {
				continue // the store's own temporary files, editor swap files
			}
			timer.Reset(watchSettle)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			s.log.Warn("watching the FAQ", "err", err)
		case <-timer.C:
			// Reload logs each file that is not valid, once.
			if err := s.Reload(); err != nil {
				s.log.Warn("FAQ reloaded from disk with files left out or kept at their last good version", "entries", len(s.Entries()))
			} else {
				s.log.Info("FAQ reloaded from disk", "entries", len(s.Entries()))
			}
			s.watchEvent("reloaded")
		case <-audit.C:
			s.completePending()
			s.watchEvent("audit checked")
		}
	}
}

// completePending completes, under the writer lock, every change the audit log records
// past AppliedFile: those of writers that died between their record and their file. A
// writer still at work holds the lock, so this waits for it and then finds nothing to
// do.
func (s *Store) completePending() {
	s.mu.Lock()
	defer s.mu.Unlock()
	unlock, err := s.lock()
	if err != nil {
		s.log.Warn("checking the audit log for changes left unmade", "err", err)
		return
	}
	defer unlock()
	if _, err := s.recover(); err != nil {
		s.log.Error("completing changes left unmade by a writer that stopped", "err", err)
		return
	}
	if err := s.reloadLocked(); err != nil {
		s.log.Warn("FAQ reloaded after checking the audit log", "err", err)
	}
}

func (s *Store) watchEvent(what string) {
	if s.onWatch != nil {
		s.onWatch(what)
	}
}
