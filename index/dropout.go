package index

import (
	"cmp"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// EXPERIMENT switches (not to ship).
var (
	dropRate     = envFloat("DROP_P", 0)
	dropMinWords = int32(envFloat("DROP_MINWORDS", 0))
	dropFull     = envFloat("DROP_FULL", 0) != 0
	dropEpochs   = int(envFloat("DROP_EPOCHS", 0))
	dropNone     = envFloat("DROP_NONE", 1) != 0
	dropUntil    = int(envFloat("DROP_UNTIL", 1000)) // epochs from this one on see whole texts
	dropDF       = envFloat("DROP_DF", 0) // exponent of df/maxDF in a word's drop probability; 0 = uniform
)

func envFloat(name string, def float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil {
		return v
	}
	return def
}

// pairFeature marks a word pair's feature: it needs both of its words, where a
// word's own features (the word and its pieces) need any of the words giving them.
const pairFeature = 1 << 31

// wordBits is the number of words told apart; a longer text's word i shares the
// bit of word i mod wordBits (they are left out together).
const wordBits = 31

func wordBit(i int) uint32 { return 1 << (i % wordBits) }

// wordFeature is a feature of a text and the words it comes from.
type wordFeature struct {
	hash uint32
	from uint32 // bits of the words (wordBit); pairFeature for a word pair
}

// wordFeatures is ngramsOf with, for each feature, the words it comes from; it
// returns the number of words too.
func wordFeatures(text string, out []wordFeature, word func(w string, out []uint32) []uint32) ([]wordFeature, int) {
	var hs []uint32
	prev := ""
	n := 0
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
			out = append(out, wordFeature{hashPair(2, prev, w), pairFeature | wordBit(n-1) | wordBit(n)})
		}
		hs = word(w, hs[:0])
		for _, h := range hs {
			out = append(out, wordFeature{h, wordBit(n)})
		}
		prev, i = w, j
		n++
	}
	slices.SortFunc(out, func(a, b wordFeature) int {
		return cmp.Or(cmp.Compare(a.hash, b.hash), cmp.Compare(a.from, b.from))
	})
	// Merge repeats: a word's features come from any of the words giving them; a
	// repeated pair keeps its first occurrence's words.
	k := 0
	for i := range out {
		if k > 0 && out[k-1].hash == out[i].hash {
			if out[i].from&pairFeature == 0 {
				out[k-1].from |= out[i].from
			}
			continue
		}
		out[k] = out[i]
		k++
	}
	return out[:k], n
}

// dropped returns ex's features with some of its words left out: each word with
// probability dropRate, drawn from a fixed hash of the text, the word's position, the
// epoch and the walk's seed (so a build is reproducible). A text left with no
// feature is seen whole. out is the buffer the features are written to, returned
// for reuse.
func dropped(ex example, epoch int, seed uint64, out []int32) ([]int32, []int32) {
	if dropRate <= 0 || ex.words < max(2, dropMinWords) || epoch >= dropUntil {
		return ex.feats, out
	}
	keep := keptWords(ex.key, int(ex.words), epoch, seed, dropRate, ex.wordP)
	all := uint32(1<<min(int(ex.words), wordBits)) - 1
	if keep == all {
		return ex.feats, out
	}
	for i, id := range ex.feats {
		f := ex.from[i]
		if f&pairFeature != 0 {
			if f&^pairFeature&^keep != 0 {
				continue
			}
		} else if f&keep == 0 {
			continue
		}
		out = append(out, id)
	}
	if len(out) == 0 {
		return ex.feats, out
	}
	return out, out
}

// keptWords returns the bits of the words of a text of key and n words kept in
// epoch: each is left out with probability p.
func keptWords(key uint64, n, epoch int, seed uint64, p float64, wp []float32) uint32 {
	var keep uint32
	salt := mix64(key ^ (uint64(epoch+1) * 0x9e3779b97f4a7c15) ^ (seed * 0xbf58476d1ce4e5b9))
	for i := 0; i < min(n, wordBits); i++ {
		r := mix64(salt + uint64(i)*0x94d049bb133111eb)
		q := p
		if wp != nil {
			q = float64(wp[i])
		}
		if float64(r>>11)/(1<<53) >= q {
			keep |= 1 << i
		}
	}
	return keep
}

// textKey is a fixed hash of a text (FNV-1a, mixed).
func textKey(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return mix64(h)
}

// mix64 is splitmix64's finaliser: keys that differ in a bit differ everywhere.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// EXPERIMENT: weights from the environment.
func init() {
	parse := func(name string, dst []float64) {
		v := os.Getenv(name)
		if v == "" {
			return
		}
		for i, f := range strings.Split(v, ",") {
			x, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil {
				panic(err)
			}
			dst[i] = x
		}
	}
	parse("FUSIONW", fusionWeights)
	parse("SCOPEW", scopeWeights)
}
