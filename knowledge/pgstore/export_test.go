package pgstore

import "context"

// SetOnWatch makes f hear Watch's connection come ("listening") and go ("lost"); f
// runs on Watch's goroutine, so a test may hold Watch there.
func SetOnWatch(s *Store, f func(string)) { s.onWatch = f }

// IdleCheck is how often Watch reads the FAQ's state without a notification, by
// default: an edit heard sooner than that was heard by NOTIFY.
const IdleCheck = DefaultResync

// OnStart makes f hear each step of Open's start-up as it begins ("connecting",
// "migrating the schema", "seeding the FAQ", "loading the FAQ"), on Open's goroutine.
func OnStart(f func(step string)) Option { return func(s *Store) { s.onStart = f } }

// Resync makes one of Watch's checks: the database's FAQ compared with the one in
// memory, and loaded if they differ.
func Resync(ctx context.Context, s *Store) error { return s.refresh(ctx, s.db, false) }
