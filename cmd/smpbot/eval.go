package main

import (
	"context"
	"fmt"
	"os"

	"github.com/smpbot/smpbot/bot"
)

func (e *env) eval(ctx context.Context, args []string) error {
	fs := e.flags("eval")
	data := dataFlag(fs)
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
	conf, err := envConfidence(os.Getenv)
	if err != nil {
		return err
	}
	fb, err := e.openFAQ(ctx, os.Getenv, *data, conf...)
	if err != nil {
		return err
	}
	defer fb.Close()
	h := fb.h
	rep, err := bot.Evaluate(ctx, h, cases)
	if err != nil {
		return err
	}
	return rep.Write(e.stdout)
}
