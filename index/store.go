package index

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/util"
)

// A store takes a build's documents and gives the searchable bleve index over them.
//
// A small FAQ goes to an in-memory index, in one batch: one segment. bleve's
// in-memory index never merges its segments, and a batch holds every analysed
// document of it at once, so a large FAQ would be either many segments (an answer
// looks each term and id up in every one) or a heap too large for its budget. A
// large FAQ goes to bleve's offline builder instead: batches written to a temporary
// directory as segments, merged there into one, and the result opened read-only
// (MODEL.md, "What a build and an answer cost").
type store interface {
	// synonym adds a synonym definition of the collection synonymColl.
	synonym(id string, def *bleve.SynonymDefinition) error
	// add adds an entry's document.
	add(d *document.Document) error
	// open finishes the index and returns it, with the directory to remove once it is
	// closed ("" if none is left); if it fails, it releases what was written itself.
	// After open or abort the store is spent.
	open() (idx bleve.Index, dir string, err error)
	// abort releases what was written, after an error.
	abort()
}

// newStore returns the store for a FAQ of n entries. Without a temporary directory to
// write to (a read-only file system), a large FAQ is held in memory as several
// segments: slower answers, but answers.
func newStore(m *mapping.IndexMappingImpl, n int) (store, error) {
	if n > batchSize {
		if s, err := newDiskStore(m, n); err == nil {
			return s, nil
		}
	}
	return newMemStore(m)
}

// batchSize is the most documents the in-memory index takes in one batch, and so
// the size of FAQ it is used for.
const batchSize = 1000

// builderBatch is how many documents the offline builder holds before writing them
// as a segment: half of batchSize took a sixth off the heap's peak at 10,000
// entries (105 to 89 MB) for the same CPU, merging 21 segments instead of 11.
const builderBatch = 500

// memStore is an in-memory scorch index written in batches of batchSize.
type memStore struct {
	idx bleve.Index
	b   *bleve.Batch
}

func newMemStore(m *mapping.IndexMappingImpl) (*memStore, error) {
	// An in-memory scorch index: bleve.NewMemOnly would use the older upsidedown
	// format, which silently ignores BM25 and synonyms.
	idx, err := bleve.NewUsing("", m, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("creating index: %w", err)
	}
	return &memStore{idx: idx, b: idx.NewBatch()}, nil
}

func (s *memStore) synonym(id string, def *bleve.SynonymDefinition) error {
	return s.b.IndexSynonym(id, synonymColl, def)
}

func (s *memStore) add(d *document.Document) error {
	if err := s.b.IndexAdvanced(d); err != nil {
		return err
	}
	if s.b.Size() >= batchSize {
		if err := s.idx.Batch(s.b); err != nil {
			return err
		}
		s.b.Reset()
	}
	return nil
}

func (s *memStore) open() (bleve.Index, string, error) {
	if err := s.idx.Batch(s.b); err != nil {
		s.idx.Close()
		return nil, "", err
	}
	return s.idx, "", nil
}

func (s *memStore) abort() { s.idx.Close() }

// diskStore builds the index with bleve's offline builder in a temporary directory.
type diskStore struct {
	m   *mapping.IndexMappingImpl
	dir string
	// release lets go of dir (newBuildDir): once it is open or removed, it is no
	// longer a build in progress.
	release func()
	b       *scorch.Builder
}

func newDiskStore(m *mapping.IndexMappingImpl, n int) (*diskStore, error) {
	dir, release, err := newBuildDir()
	if err != nil {
		return nil, fmt.Errorf("creating index: %w", err)
	}
	s := &diskStore{m: m, dir: dir, release: release}
	if err := s.start(n); err != nil {
		s.abort()
		return nil, fmt.Errorf("creating index: %w", err)
	}
	return s, nil
}

// start lays out the directory as bleve.NewBuilder does (the index's description,
// the mapping kept with it) and starts scorch's builder, which bleve.NewBuilder would
// hide: it takes documents mapped from values only, and the build hands bleve
// documents analysed already.
func (s *diskStore) start(n int) error {
	meta := []byte(`{"storage":"` + scorch.Name + `","index_type":"` + scorch.Name + `"}`)
	if err := os.WriteFile(filepath.Join(s.dir, "index_meta.json"), meta, 0o600); err != nil {
		return err
	}
	mb, err := util.MarshalJSON(s.m)
	if err != nil {
		return err
	}
	b, err := scorch.NewBuilder(map[string]any{
		"path":            filepath.Join(s.dir, "store"),
		"buildPathPrefix": s.dir, // its segments before the merge: gone with dir
		"batchSize":       builderBatch,
		// All the segments merged at once: merging ten and then the result with the
		// rest would write everything twice.
		"mergeMax": (n+len(synonyms))/builderBatch + 2,
		"internal": map[string][]byte{string(util.MappingInternalKey): mb},
	})
	if err != nil {
		return err
	}
	s.b = b
	return nil
}

func (s *diskStore) synonym(id string, def *bleve.SynonymDefinition) error {
	if err := def.Validate(); err != nil {
		return err
	}
	d := document.NewSynonymDocument(id)
	if err := s.m.MapSynonymDocument(d, synonymColl, def.Input, def.Synonyms); err != nil {
		return err
	}
	return s.b.Index(d)
}

func (s *diskStore) add(d *document.Document) error { return s.b.Index(d) }

func (s *diskStore) open() (bleve.Index, string, error) {
	if err := s.b.Close(); err != nil {
		s.abort()
		return nil, "", err
	}
	idx, err := bleve.OpenUsing(s.dir, map[string]any{"read_only": true})
	if err != nil {
		s.abort()
		return nil, "", err
	}
	// The open index maps its files, which outlive their names where the system
	// allows it (unix): then nothing is left on disk even if the process is killed.
	// Elsewhere the directory goes when the index is closed.
	err = os.RemoveAll(s.dir)
	s.release()
	if err == nil {
		return idx, "", nil
	}
	return idx, s.dir, nil
}

func (s *diskStore) abort() {
	os.RemoveAll(s.dir)
	s.release()
}
