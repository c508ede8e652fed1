package main

import (
	"context"
	"fmt"
)

// report runs `smpbot report ...` (the question log's reports for moderators).
func (e *env) report(ctx context.Context, args []string) error {
	return fmt.Errorf("%w: report is not available yet", errUsage)
}

// data runs `smpbot data ...` (privacy operations on the question log).
func (e *env) data(ctx context.Context, args []string) error {
	return fmt.Errorf("%w: data is not available yet", errUsage)
}
