package index

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"unicode"
	"unicode/utf8"
)

// model is a multinomial logistic regression over hashed word 1-2-grams and character
// 2-5-grams, learned at every build from the FAQ's own phrasings (each entry's question
// and alternates) plus the out-of-scope questions, which form one more class: "none of
// these". It learns which words and word pieces tell entries apart, which BM25's IDF
// only approximates (see MODEL.md for the choice and the numbers behind it).
//
// A class's weights live only on the features of its own phrasings, so the weights
// form an inverted index (feature -> the classes holding it): scoring a text walks the
// postings of its features, and classes holding none of them score 0. That keeps
// training and scoring proportional to the overlap between a text and the FAQ, not to
// the number of entries times the features; features held by more than maxPostings
// classes tell little and are dropped.
type model struct {
	feat    map[uint32]int32 // feature hash -> feature number
	start   []int32          // feature number -> first posting; start[len] = len(class)
	class   []int32          // postings: the class holding the feature
	weight  []float32        // postings: its weight
	classes int              // entries + 1: the last class is "none of these"
	pool    sync.Pool        // *scratch for predictions
}

// Training parameters, chosen by cross-validation over the shipped FAQ's phrasings
// (MODEL.md).
const (
	// maxPostings bounds the classes a kept feature may be held by; a large FAQ
	// lowers it until an epoch walks at most epochWork postings.
	maxPostings = 256
	epochWork   = 3_000_000
	// epochs over the training phrasings for a small FAQ; a large one gets fewer, so
	// that the work stays within trainBudget posting updates.
	maxEpochs   = 6
	minEpochs   = 2
	trainBudget = 20_000_000
	learnRate   = 4
)

// example is a text's features, sorted, each of value 1/sqrt(n) (L2-normalised).
type example struct {
	feats []int32
	label int32
}

// ngrams returns the hashes of text's features: its words and word pairs, and the
// 2- to 5-letter pieces of each word padded with spaces (so beginnings and endings
// count, and a typo spoils only the pieces it touches).
func ngrams(text string, out []uint32) []uint32 {
	return ngramsOf(text, out, wordGrams)
}

// ngramsOf is ngrams with the features of a single word (the word and its pieces)
// given by word, so that training can remember them for words it has seen.
func ngramsOf(text string, out []uint32, word func(w string, out []uint32) []uint32) []uint32 {
	prev := ""
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			i += size
			continue
		}
		j := i + size
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			if !isWordRune(r) {
				break
			}
			j += size
		}
		w := text[i:j]
		if prev != "" {
			out = append(out, hashPair(2, prev, w))
		}
		out = word(w, out)
		prev, i = w, j
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// wordGrams appends the features of one word: the word, and its 2- to 5-letter
// pieces padded with spaces.
func wordGrams(w string, out []uint32) []uint32 {
	out = append(out, hashString(1, w))
	var buf [64]byte
	if len(w) > len(buf)-2 {
		return out
	}
	b := append(append(append(buf[:0], ' '), w...), ' ')
	for n := 2; n <= 5; n++ {
		for j := 0; j+n <= len(b); j++ {
			if n == 2 && (j == 0 || j+n == len(b)) && len(b) > 3 {
				// " x" and "x " repeat the first and last letters, which the
				// 3-grams hold too: keep them only for one-letter words.
				continue
			}
			out = append(out, hashBytes(byte(n+2), b[j:j+n]))
		}
	}
	return out
}

// gramMemo remembers the features of the words seen in training: a large FAQ's
// phrasings repeat their words many times.
type gramMemo map[string][]uint32

func (g gramMemo) word(w string, out []uint32) []uint32 {
	hs, ok := g[w]
	if !ok {
		hs = wordGrams(w, nil)
		g[w] = hs
	}
	return append(out, hs...)
}

// FNV-1a, seeded by the feature's kind so that a word and a piece never collide.
func hashString(kind byte, s string) uint32 {
	h := uint32(2166136261) ^ uint32(kind)
	h *= 16777619
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// hashPair is hashString(kind, a+" "+b) without joining them.
func hashPair(kind byte, a, b string) uint32 {
	h := uint32(2166136261) ^ uint32(kind)
	h *= 16777619
	for i := 0; i < len(a); i++ {
		h ^= uint32(a[i])
		h *= 16777619
	}
	h ^= ' '
	h *= 16777619
	for i := 0; i < len(b); i++ {
		h ^= uint32(b[i])
		h *= 16777619
	}
	return h
}

func hashBytes(kind byte, s []byte) uint32 {
	h := uint32(2166136261) ^ uint32(kind)
	h *= 16777619
	for _, c := range s {
		h ^= uint32(c)
		h *= 16777619
	}
	return h
}

// lastModel remembers the model last trained and what it was trained on: training
// is deterministic, so a rebuild over the same phrasings (a restart of the watcher,
// an edit to an answer only, many indexes over one FAQ in tests) reuses it. Training
// runs outside the lock, so builds over different phrasings do not wait for each
// other; a build over phrasings already being trained waits for that training.
var lastModel struct {
	sync.Mutex
	key      [sha256.Size]byte
	m        *model
	training map[[sha256.Size]byte]*training
}

// training is a model being trained; done is closed once m is set.
type training struct {
	done chan struct{}
	m    *model
}

// trainModelOnce is trainModel, reusing the last model when texts and seed are the same.
func trainModelOnce(texts [][]string, seed uint64) *model {
	h := sha256.New()
	var n [4]byte
	h.Write(binary.LittleEndian.AppendUint64(nil, seed))
	for _, ps := range texts {
		binary.LittleEndian.PutUint32(n[:], uint32(len(ps)))
		h.Write(n[:])
		for _, p := range ps {
			binary.LittleEndian.PutUint32(n[:], uint32(len(p)))
			h.Write(n[:])
			h.Write([]byte(p))
		}
	}
	var key [sha256.Size]byte
	h.Sum(key[:0])
	lastModel.Lock()
	if lastModel.m != nil && lastModel.key == key {
		defer lastModel.Unlock()
		return lastModel.m
	}
	if t, ok := lastModel.training[key]; ok {
		lastModel.Unlock()
		<-t.done
		return t.m
	}
	if lastModel.training == nil {
		lastModel.training = map[[sha256.Size]byte]*training{}
	}
	t := &training{done: make(chan struct{})}
	lastModel.training[key] = t
	lastModel.Unlock()

	t.m = trainModel(texts, seed)

	lastModel.Lock()
	delete(lastModel.training, key)
	lastModel.key, lastModel.m = key, t.m
	lastModel.Unlock()
	close(t.done)
	return t.m
}

// trainModel learns a model from texts by class (class i has the phrasings texts[i];
// the last class is "none of these"), walking the examples in the order seed picks.
func trainModel(texts [][]string, seed uint64) *model {
	m := &model{feat: make(map[uint32]int32), classes: len(texts)}
	// The examples' feature numbers, in blocks of idBlock: one array for all of them
	// would be copied as it grows, and briefly held twice, at the build's busiest.
	const idBlock = 1 << 18
	var ids []int32
	var raw []example
	var df, occ, last []int32 // by feature: classes holding it, examples, last class seen
	var hashes []uint32
	grams := gramMemo{}
	for c, ps := range texts {
		for _, p := range ps {
			hashes = ngramsOf(p, hashes[:0], grams.word)
			if len(hashes) == 0 {
				continue
			}
			if len(ids)+len(hashes) > cap(ids) {
				ids = make([]int32, 0, max(idBlock, len(hashes)))
			}
			from := len(ids)
			for _, h := range hashes {
				id, ok := m.feat[h]
				if !ok {
					id = int32(len(df))
					m.feat[h] = id
					df, occ, last = append(df, 0), append(occ, 0), append(last, -1)
				}
				if last[id] != int32(c) {
					last[id] = int32(c)
					df[id]++
				}
				occ[id]++
				ids = append(ids, id)
			}
			raw = append(raw, example{feats: ids[from:len(ids):len(ids)], label: int32(c)})
		}
	}
	// Drop the features held by the most classes until an epoch's work (the postings
	// walked for every example) fits epochWork: they tell classes apart least.
	limit := int32(maxPostings)
	work := 0
	for {
		work = 0
		for id, d := range df {
			if d <= limit {
				work += int(d) * int(occ[id])
			}
		}
		if work <= epochWork || limit <= 1 {
			break
		}
		limit = limit * 3 / 4
	}
	renum := make([]int32, len(df))
	n := int32(0)
	for id, d := range df {
		if d > limit {
			renum[id] = -1
			continue
		}
		renum[id] = n
		n++
	}
	for h, id := range m.feat {
		if renum[id] < 0 {
			delete(m.feat, h)
		} else {
			m.feat[h] = renum[id]
		}
	}
	m.start = make([]int32, n+1)
	for id, d := range df {
		if r := renum[id]; r >= 0 {
			m.start[r+1] = d
		}
	}
	for i := 1; i <= int(n); i++ {
		m.start[i] += m.start[i-1]
	}
	m.class = make([]int32, m.start[n])
	m.weight = make([]float32, m.start[n])
	// Postings in class order, each class once per feature; the examples keep only
	// the features kept, renumbered, in place.
	fill := slices.Clone(m.start[:n])
	clear(last)
	for i := range last {
		last[i] = -1
	}
	exs := raw[:0]
	for _, ex := range raw {
		c, kept := ex.label, ex.feats[:0]
		for _, id := range ex.feats {
			r := renum[id]
			if r < 0 {
				continue
			}
			if last[r] != c {
				last[r] = c
				m.class[fill[r]] = c
				fill[r]++
			}
			kept = append(kept, r)
		}
		if len(kept) > 0 {
			exs = append(exs, example{feats: kept, label: c})
		}
	}
	epochs := maxEpochs
	if work > 0 {
		epochs = max(minEpochs, min(maxEpochs, trainBudget/(2*work)))
	}
	m.train(exs, epochs, seed)
	return m
}

// train runs stochastic gradient descent on the softmax loss, shuffling the examples
// every epoch; seed 0 is the shipped order.
func (m *model) train(exs []example, epochs int, seed uint64) {
	rng := rand.New(rand.NewPCG(7+seed, 11))
	sc := newScratch(m.classes)
	for ep := 0; ep < epochs; ep++ {
		rng.Shuffle(len(exs), func(i, j int) { exs[i], exs[j] = exs[j], exs[i] })
		lr := float32(learnRate / (1 + float64(ep)*0.5))
		for _, ex := range exs {
			v := float32(1 / math.Sqrt(float64(len(ex.feats))))
			m.forward(ex.feats, v, sc)
			// Gradient: p(c) - [c = label] on every class holding a feature of ex.
			for _, c := range sc.touched {
				g := sc.prob(c)
				if c == ex.label {
					g--
				}
				sc.grad[c] = lr * g * v
			}
			for _, id := range ex.feats {
				for k := m.start[id]; k < m.start[id+1]; k++ {
					m.weight[k] -= sc.grad[m.class[k]]
				}
			}
			sc.reset()
		}
	}
}

// scratch holds one text's class scores; only the classes touched are reset.
type scratch struct {
	score   []float32
	grad    []float32 // training: the step for each touched class
	touched []int32
	seen    []bool
	z       float64 // softmax normaliser over every class
}

func newScratch(classes int) *scratch {
	return &scratch{score: make([]float32, classes), grad: make([]float32, classes), seen: make([]bool, classes)}
}

func (sc *scratch) prob(c int32) float32 { return float32(math.Exp(float64(sc.score[c])) / sc.z) }

func (sc *scratch) reset() {
	for _, c := range sc.touched {
		sc.score[c] = 0
		sc.seen[c] = false
	}
	sc.touched = sc.touched[:0]
}

// forward fills sc with the scores of the classes holding any of feats (value v each)
// and the softmax normaliser; every other class scores 0.
func (m *model) forward(feats []int32, v float32, sc *scratch) {
	for _, id := range feats {
		for k := m.start[id]; k < m.start[id+1]; k++ {
			c := m.class[k]
			if !sc.seen[c] {
				sc.seen[c] = true
				sc.touched = append(sc.touched, c)
			}
			sc.score[c] += m.weight[k] * v
		}
	}
	z := float64(m.classes - len(sc.touched))
	for _, c := range sc.touched {
		z += math.Exp(float64(sc.score[c]))
	}
	sc.z = z
}

// prediction is the model's view of one text: the probability of every class.
type prediction struct {
	m   *model
	sc  *scratch
	top []int32 // the entry classes holding any of the text's features, best first
}

// predict scores prepared text against every class. The prediction holds a scratch
// from the model's pool until done is called.
func (m *model) predict(text string) prediction {
	hs := ngrams(text, nil)
	feats := make([]int32, 0, len(hs))
	for _, h := range hs {
		if id, ok := m.feat[h]; ok {
			feats = append(feats, id)
		}
	}
	sc, _ := m.pool.Get().(*scratch)
	if sc == nil {
		sc = newScratch(m.classes)
	}
	p := prediction{m: m, sc: sc}
	if len(feats) == 0 {
		sc.z = float64(m.classes)
		return p
	}
	m.forward(feats, float32(1/math.Sqrt(float64(len(feats)))), sc)
	none := int32(m.classes - 1)
	for _, c := range sc.touched {
		if c != none {
			p.top = append(p.top, c)
		}
	}
	slices.SortFunc(p.top, func(a, b int32) int {
		switch {
		case sc.score[a] > sc.score[b]:
			return -1
		case sc.score[a] < sc.score[b]:
			return 1
		}
		return int(a - b)
	})
	return p
}

// prob returns the probability of class c.
func (p prediction) prob(c int32) float64 { return math.Exp(float64(p.sc.score[c])) / p.sc.z }

// none returns the probability of "none of these".
func (p prediction) none() float64 { return p.prob(int32(p.m.classes - 1)) }

// done returns the scratch to the pool.
func (p prediction) done() {
	p.sc.reset()
	p.m.pool.Put(p.sc)
}
