package bot_test

import (
	"context"
	"fmt"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/index"
	"github.com/smpbot/smpbot/knowledge"
)

func ExampleFAQ_Answer() {
	entries, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		panic(err)
	}
	idx, err := index.New(entries)
	if err != nil {
		panic(err)
	}
	defer idx.Close()
	h := bot.NewFAQ(idx)

	for _, text := range []string{"how much does smp laser removal cost", "what's the weather in Paris", "thanks!"} {
		r, err := h.Answer(context.Background(), bot.Question{Text: text, Platform: "example"})
		if err != nil {
			panic(err)
		}
		if r.Entry != nil {
			fmt.Println(r.Kind, r.Entry.ID)
			continue
		}
		fmt.Println(r.Kind)
	}
	// Output:
	// answer cost
	// no_match
	// smalltalk
}
