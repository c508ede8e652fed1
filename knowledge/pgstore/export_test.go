package pgstore

// SetOnWatch makes f hear Watch's connection come ("listening") and go ("lost"); f
// runs on Watch's goroutine, so a test may hold Watch there.
func SetOnWatch(s *Store, f func(string)) { s.onWatch = f }
