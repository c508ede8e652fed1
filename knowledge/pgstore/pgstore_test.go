package pgstore_test

import (
	"context"
	"testing"

	"github.com/smpbot/smpbot/internal/pgtest"
	"github.com/smpbot/smpbot/knowledge"
	"github.com/smpbot/smpbot/knowledge/pgstore"
	"github.com/smpbot/smpbot/knowledge/storetest"
)

func open(t *testing.T, url string, opts ...pgstore.Option) *pgstore.Store {
	t.Helper()
	s, err := pgstore.Open(context.Background(), url, opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) func(*testing.T, func([]knowledge.Entry)) storetest.Store {
		url := pgtest.Schema(t)
		return func(t *testing.T, onChange func([]knowledge.Entry)) storetest.Store {
			var opts []pgstore.Option
			if onChange != nil {
				opts = append(opts, pgstore.OnChange(onChange))
			}
			return open(t, url, opts...)
		}
	})
}
