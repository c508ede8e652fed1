package knowledge

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// ErrNotApplied: the audit log records a change that the files do not show and that
// was not edited away by hand: a writer stopped between its record and its file write.
// The next change through a Store, or the next start, completes it.
var ErrNotApplied = errors.New("change recorded but not made")

// CheckAudit compares the audit log of the data directory dir with its FAQ files,
// without changing anything. Each change recorded but not made is an error wrapping
// ErrNotApplied, as is a sequence number out of order. Disagreements a person made on
// purpose (a file edited by hand after its last recorded change) and a torn last record
// (dropped at the next write) are returned as notes.
func CheckAudit(dir string) (problems []error, notes []string, err error) {
	data, err := os.ReadFile(filepath.Join(dir, AuditFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if n := len(data); n > 0 && data[n-1] != '\n' {
		cut := bytes.LastIndexByte(data, '\n') + 1
		notes = append(notes, fmt.Sprintf("%s ends in a torn record of %d bytes from a crash; the next change drops it", AuditFile, n-cut))
		data = data[:cut]
	}
	all, err := readAudit(bytes.NewReader(data))
	if err != nil {
		return nil, notes, err
	}
	s := &Store{dir: dir}
	applied, known, err := s.readApplied()
	if err != nil {
		return nil, notes, err
	}
	for i := 1; i < len(all); i++ {
		if all[i].Seq <= all[i-1].Seq {
			problems = append(problems, fmt.Errorf("%s: change #%d follows #%d: sequence out of order", AuditFile, all[i].Seq, all[i-1].Seq))
		}
	}
	isPending := map[int64]bool{}
	for _, ch := range pending(all, applied, known) {
		isPending[ch.Seq] = true
	}
	lastOf := map[string]Change{}
	for _, ch := range all {
		lastOf[ch.ID] = ch
	}
	// A pending record is made by the next writer unless its file moved on by hand.
	done := map[string]bool{}
	for _, ch := range all {
		if !isPending[ch.Seq] {
			continue
		}
		have, err := os.ReadFile(s.faqPath(ch.ID))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return problems, notes, err
		}
		switch {
		case bytes.Equal(have, formatOrNil(ch.After)):
		case bytes.Equal(have, formatOrNil(ch.Before)):
			problems = append(problems, fmt.Errorf("%w: #%d, %s of %q by %s:%s at %s",
				ErrNotApplied, ch.Seq, ch.Action, ch.ID, ch.Actor.Platform, ch.Actor.User, ch.Time.Format("2006-01-02 15:04:05Z")))
			done[ch.ID] = true
		}
	}
	for id, ch := range lastOf {
		if done[id] {
			continue
		}
		have, err := os.ReadFile(s.faqPath(id))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return problems, notes, err
		}
		if !bytes.Equal(have, formatOrNil(ch.After)) {
			notes = append(notes, fmt.Sprintf("%s%s differs from its last recorded change #%d (%s): edited by hand since", id, Ext, ch.Seq, ch.Action))
		}
	}
	slices.Sort(notes)
	return problems, notes, nil
}

func formatOrNil(e *Entry) []byte {
	if e == nil {
		return nil
	}
	return Format(*e)
}
