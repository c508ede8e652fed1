package knowledge

import (
	"fmt"
	"slices"
	"time"
)

// Imported counts what an import did to the FAQ. Entries imported unchanged count in
// none of them.
type Imported struct {
	Added, Replaced, Removed int
}

// PlanImport returns the changes, one batch numbered from seq+1, that make the FAQ cur
// hold entries: each new or changed entry is added or replaced and, with mirror,
// every entry of cur not among them is removed, so that the FAQ becomes exactly
// entries. broken refuses an imported id whose stored form is not a valid entry (nil:
// none is); the entries removed are those of cur, which are valid. The FAQ as it
// would be afterwards is validated; nothing is planned if it is not. Both stores
// apply the plan in one step, so an import is all or nothing.
func PlanImport(cur, entries []Entry, mirror bool, seq int64, who Actor, broken func(id string) error) ([]Change, Imported, error) {
	var n Imported
	incoming := make(map[string]bool, len(entries))
	for _, e := range entries {
		if incoming[e.ID] {
			return nil, n, fmt.Errorf("%w: %q appears twice in the import", ErrDuplicateID, e.ID)
		}
		incoming[e.ID] = true
		if broken != nil {
			if err := broken(e.ID); err != nil {
				return nil, n, err
			}
		}
	}
	existing := make(map[string]Entry, len(cur))
	for _, e := range cur {
		existing[e.ID] = e
	}
	next := slices.DeleteFunc(slices.Clone(cur), func(e Entry) bool { return incoming[e.ID] || mirror })
	next = append(next, entries...)
	if err := ValidateEntries(next); err != nil {
		return nil, n, err
	}
	batch := seq + 1
	now := time.Now().UTC()
	var changes []Change
	add := func(id string, before, after *Entry) {
		seq++
		changes = append(changes, Change{Seq: seq, Time: now, Actor: who, Action: "import", Batch: batch, ID: id, Before: before, After: after})
	}
	for _, e := range entries {
		var before *Entry
		if old, ok := existing[e.ID]; ok {
			if VersionOf(old) == VersionOf(e) {
				continue
			}
			before = &old
			n.Replaced++
		} else {
			n.Added++
		}
		add(e.ID, before, &e)
	}
	if mirror {
		for _, old := range cur {
			if !incoming[old.ID] {
				add(old.ID, &old, nil)
				n.Removed++
			}
		}
	}
	return changes, n, nil
}
