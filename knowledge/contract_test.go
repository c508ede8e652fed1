package knowledge_test

import (
	"testing"

	"github.com/smpbot/smpbot/knowledge"
	"github.com/smpbot/smpbot/knowledge/storetest"
)

// The file store meets the contract knowledge/pgstore meets too.
func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) func(*testing.T, func([]knowledge.Entry)) storetest.Store {
		dir := t.TempDir()
		return func(t *testing.T, onChange func([]knowledge.Entry)) storetest.Store {
			opts := []knowledge.StoreOption{}
			if onChange != nil {
				opts = append(opts, knowledge.OnChange(onChange))
			}
			s, err := knowledge.OpenStore(dir, opts...)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	})
}
