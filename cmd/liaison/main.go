// Command liaison runs and manages a Liaison agency node. See
// internal/cli for the commands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/liaison-project/liaison/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin, Getenv: os.Getenv}
	if err := cli.Run(ctx, os.Args[1:], env); err != nil {
		fmt.Fprintln(os.Stderr, "liaison:", err)
		os.Exit(cli.ExitCode(err))
	}
}
