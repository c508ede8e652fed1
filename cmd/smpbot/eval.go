package main

import (
	"context"
	"fmt"
	"os"

	"github.com/smpbot/smpbot/bot"
)

func (e *env) eval(ctx context.Context, args []string) error {
	fs := e.flags("eval")
	data := fs.String("data", "", "FAQ directory (default: the embedded FAQ)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: eval needs one question file", errUsage)
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	cases, err := bot.ReadEvalCases(f)
	if err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	h, idx, err := e.openHandler(*data)
	if err != nil {
		return err
	}
	defer idx.Close()
	rep, err := bot.Evaluate(ctx, h, cases)
	if err != nil {
		return err
	}
	return rep.Write(e.stdout)
}
