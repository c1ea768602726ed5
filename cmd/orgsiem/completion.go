package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

func completionCommand() *command {
	return &command{
		name:    "completion",
		summary: "print a shell completion script for bash, zsh or fish",
		usage:   "orgsiem completion bash|zsh|fish",
		help: `Completion prints a script that completes orgsiem's commands and each command's flags, and
file names for arguments. Load it in your shell:`,
		examples: []string{
			"source <(orgsiem completion bash)                             # bash, or put it in ~/.bashrc",
			"orgsiem completion zsh > \"${fpath[1]}/_orgsiem\"               # zsh",
			"orgsiem completion fish > ~/.config/fish/completions/orgsiem.fish",
		},
		run: runCompletion,
	}
}

// flagLine matches a flag in a command's help ("  --name VALUE").
var flagLine = regexp.MustCompile(`(?m)^  (--[a-z0-9-]+)`)

// commandFlags returns every command's flags, read from its own --help so
// completion can never disagree with what the command accepts.
func commandFlags(ctx context.Context) (names []string, flags map[string][]string) {
	flags = map[string][]string{}
	for _, c := range commands() {
		if c.name == "completion" {
			names = append(names, c.name)
			continue
		}
		var out bytes.Buffer
		c.run(ctx, &env{stdout: &out, stderr: io.Discard, now: time.Now}, []string{"--help"})
		names = append(names, c.name)
		for _, m := range flagLine.FindAllStringSubmatch(out.String(), -1) {
			flags[c.name] = append(flags[c.name], m[1])
		}
		flags[c.name] = append(flags[c.name], "--help")
	}
	return names, flags
}

func runCompletion(ctx context.Context, e *env, args []string) int {
	c := completionCommand()
	pos, code, ok := e.parse(c, newFlagSet(c.name), args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return e.usageError(c, "want one shell: bash, zsh or fish")
	}
	names, flags := commandFlags(ctx)
	var b strings.Builder
	switch pos[0] {
	case "bash":
		fmt.Fprintf(&b, "# bash completion for orgsiem\n_orgsiem() {\n  local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]}\n")
		fmt.Fprintf(&b, "  if [ \"$COMP_CWORD\" -eq 1 ]; then COMPREPLY=($(compgen -W %q -- \"$cur\")); return; fi\n", strings.Join(names, " "))
		fmt.Fprintf(&b, "  case \"$cmd\" in\n")
		for _, n := range names {
			fmt.Fprintf(&b, "    %s) if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W %q -- \"$cur\")); else COMPREPLY=($(compgen -f -- \"$cur\")); fi ;;\n", n, strings.Join(flags[n], " "))
		}
		fmt.Fprintf(&b, "  esac\n}\ncomplete -o filenames -F _orgsiem orgsiem\n")
	case "zsh":
		fmt.Fprintf(&b, "#compdef orgsiem\n_orgsiem() {\n  if (( CURRENT == 2 )); then compadd -- %s; return; fi\n  case $words[2] in\n", strings.Join(names, " "))
		for _, n := range names {
			fmt.Fprintf(&b, "    %s) if [[ $PREFIX == -* ]]; then compadd -- %s; else _files; fi ;;\n", n, strings.Join(flags[n], " "))
		}
		fmt.Fprintf(&b, "  esac\n}\ncompdef _orgsiem orgsiem\n")
	case "fish":
		fmt.Fprintf(&b, "# fish completion for orgsiem\n")
		for _, n := range names {
			fmt.Fprintf(&b, "complete -c orgsiem -n __fish_use_subcommand -a %s\n", n)
			for _, f := range flags[n] {
				fmt.Fprintf(&b, "complete -c orgsiem -n '__fish_seen_subcommand_from %s' -l %s\n", n, strings.TrimPrefix(f, "--"))
			}
		}
	default:
		return e.usageError(c, "shell %q: want bash, zsh or fish", pos[0])
	}
	fmt.Fprint(e.stdout, b.String())
	return exitOK
}
