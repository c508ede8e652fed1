package sqlitelog

import "github.com/smpbot/smpbot/bot/phrasing"

// The folding and grouping of questions are shared with the PostgreSQL log.
type asked = phrasing.Question

var (
	phraseKey  = phrasing.Key
	group      = phrasing.Group
	proposable = phrasing.Proposable
)
