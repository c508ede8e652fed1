package pgstore

// SetOnWatch makes f hear Watch's connection come ("listening") and go ("lost"); f
// runs on Watch's goroutine, so a test may hold Watch there.
func SetOnWatch(s *Store, f func(string)) { s.onWatch = f }

// IdleCheck is how often Watch reads the FAQ's state without a notification: an edit
// heard sooner than that was heard by NOTIFY.
const IdleCheck = idleCheck
