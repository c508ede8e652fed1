package knowledge

import (
	"context"
	"fmt"
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
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	s.watchEvent("started")
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
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
		}
	}
}

func (s *Store) watchEvent(what string) {
	if s.onWatch != nil {
		s.onWatch(what)
	}
}
