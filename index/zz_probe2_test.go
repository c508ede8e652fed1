package index

import (
	"testing"
	"github.com/smpbot/smpbot/knowledge"
	"time"
)

func TestZZTrain(t *testing.T) {
	entries := generate(t, 10000)
	var texts [][]string
	for _, e := range entries {
		texts = append(texts, prepareAll(append([]string{e.Question}, e.Alternates...)))
	}
	texts = append(texts, prepareAll(knowledge.OutOfScope()))
	st := time.Now()
	c := cpuTime()
	m := trainModel(texts)
	t.Logf("train %v cpu %v feats %d postings %d", time.Since(st), cpuTime()-c, len(m.start)-1, len(m.class))
}
