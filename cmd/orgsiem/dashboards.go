package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// The Session Manager document that forwards a local port through a
// managed instance to a host it can reach ("AWS-StartPortForwardingSessionToRemoteHost",
// parameters host, portNumber, localPortNumber: AWS Systems Manager User
// Guide, session-manager-working-with-sessions-start#sessions-remote-port-forwarding).
const portForwardDocument = "AWS-StartPortForwardingSessionToRemoteHost"

func dashboardsCommand() *command {
	return &command{
		name:    "dashboards",
		summary: "open OpenSearch Dashboards through the private access host (SSM port forwarding)",
		usage:   "orgsiem dashboards [--outputs FILE|-] [--host ID --endpoint HOST --region REGION] [--local-port N] [--start]",
		help: `Dashboards prints the Session Manager command that forwards a local port through orgsiem's private
access host to the OpenSearch domain, and the URL to open; with --start it runs it (the AWS CLI and
the Session Manager plugin must be installed; Ctrl-C ends the session). The host id, endpoint and
region come from the stack outputs (pulumi stack output --json, as a file or on stdin with
--outputs -) or from flags, which win.

Sign-in redirects (Cognito, SAML) return to the domain's own host name, not to localhost: to sign
in, map that name to 127.0.0.1 in /etc/hosts and forward port 443 (--local-port 443, which needs
administrator rights); the URL printed is then the domain's. On another port the browser warns that
the certificate (issued for the domain's name) does not match localhost.`,
		examples: []string{
			"pulumi stack output --json | orgsiem dashboards --outputs -",
			"pulumi stack output --json > outputs.json && orgsiem dashboards --outputs outputs.json --start",
			"orgsiem dashboards --host i-0123456789abcdef0 --endpoint vpc-orgsiem-abc.eu-west-1.es.amazonaws.com --region eu-west-1",
		},
		run: runDashboards,
	}
}

var (
	reInstanceID = regexp.MustCompile(`^(i|mi)-[0-9a-f]{8,17}$`)
	reHostName   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)
	reAWSRegion  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)
)

// stackOutputs are the outputs of the orgsiem stack this command reads.
type stackOutputs struct {
	AccessHostID       string `json:"accessHostId"`
	AccessHostRegion   string `json:"accessHostRegion"`
	OpenSearchEndpoint string `json:"openSearchEndpoint"`
}

// portForward is one session: what to run and what to open.
type portForward struct {
	host, endpoint, region string
	localPort              int
}

// args is the aws CLI command line (without "aws").
func (p portForward) args() []string {
	params, _ := json.Marshal(map[string][]string{
		"host": {p.endpoint}, "portNumber": {"443"}, "localPortNumber": {strconv.Itoa(p.localPort)},
	})
	return []string{"ssm", "start-session", "--region", p.region, "--target", p.host,
		"--document-name", portForwardDocument, "--parameters", string(params)}
}

// url is what to open in the browser.
func (p portForward) url() string {
	if p.localPort == 443 {
		return "https://" + p.endpoint + "/_dashboards"
	}
	return "https://localhost:" + strconv.Itoa(p.localPort) + "/_dashboards"
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`{}[]*?;&|<>()!#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func runDashboards(ctx context.Context, e *env, args []string) int {
	c := dashboardsCommand()
	fs := newFlagSet(c.name)
	outputs := fs.String("outputs", "", "`file` of `pulumi stack output --json` (- for stdin)")
	host := fs.String("host", "", "access host instance `id` (default: output accessHostId)")
	endpoint := fs.String("endpoint", "", "domain endpoint `host` (default: output openSearchEndpoint)")
	region := fs.String("region", "", "`region` of the host (default: output accessHostRegion)")
	localPort := fs.Int("local-port", 8443, "local `port` to forward (443 for Cognito or SAML sign-in, see above)")
	start := fs.Bool("start", false, "run the session (aws ssm start-session) instead of printing it")
	pos, code, ok := e.parse(c, fs, args)
	if !ok {
		return code
	}
	if len(pos) != 0 {
		return e.usageError(c, "no arguments expected, got %q", pos)
	}
	var out stackOutputs
	if *outputs != "" {
		var r io.Reader = e.stdin
		if *outputs == "-" && r == nil {
			fmt.Fprintln(e.stderr, "orgsiem dashboards: --outputs -: no standard input")
			return exitError
		}
		if *outputs != "-" {
			f, err := os.Open(*outputs)
			if err != nil {
				fmt.Fprintf(e.stderr, "orgsiem dashboards: %v\n", err)
				return exitError
			}
			defer f.Close()
			r = f
		}
		if err := json.NewDecoder(r).Decode(&out); err != nil {
			fmt.Fprintf(e.stderr, "orgsiem dashboards: %s is not the JSON of `pulumi stack output --json`: %v\n", *outputs, err)
			return exitError
		}
	}
	pf := portForward{host: first(*host, out.AccessHostID), endpoint: first(*endpoint, out.OpenSearchEndpoint),
		region: first(*region, out.AccessHostRegion), localPort: *localPort}
	// The endpoint output is a bare host name; accept a URL too.
	pf.endpoint = strings.TrimPrefix(strings.TrimPrefix(pf.endpoint, "https://"), "http://")
	pf.endpoint, _, _ = strings.Cut(pf.endpoint, "/")
	switch {
	case pf.host == "":
		return e.usageError(c, "no access host: give --host or --outputs (the stack has none with accessPath none)")
	case !reInstanceID.MatchString(pf.host):
		return e.usageError(c, "--host %q is not an instance id (i-...)", pf.host)
	case pf.endpoint == "":
		return e.usageError(c, "no domain endpoint: give --endpoint or --outputs")
	case !reHostName.MatchString(pf.endpoint):
		return e.usageError(c, "--endpoint %q is not a host name", pf.endpoint)
	case pf.region == "":
		return e.usageError(c, "no region: give --region or --outputs")
	case !reAWSRegion.MatchString(pf.region):
		return e.usageError(c, "--region %q is not an AWS region", pf.region)
	case pf.localPort < 1 || pf.localPort > 65535:
		return e.usageError(c, "--local-port %d is not a port", pf.localPort)
	}
	quoted := []string{"aws"}
	for _, a := range pf.args() {
		quoted = append(quoted, shellQuote(a))
	}
	fmt.Fprintf(e.stdout, "Port forwarding:\n  %s\nThen open:\n  %s\n", strings.Join(quoted, " "), pf.url())
	if pf.localPort != 443 {
		fmt.Fprintf(e.stdout, "To sign in with Cognito or SAML, add \"127.0.0.1 %s\" to /etc/hosts and use --local-port 443.\n", pf.endpoint)
	}
	if !*start {
		return exitOK
	}
	for _, tool := range []string{"aws", "session-manager-plugin"} {
		if _, err := exec.LookPath(tool); err != nil {
			fmt.Fprintf(e.stderr, "orgsiem dashboards: %s is not on PATH: install the AWS CLI and the Session Manager plugin "+
				"(https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html)\n", tool)
			return exitError
		}
	}
	cmd := exec.CommandContext(ctx, "aws", pf.args()...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = e.stdin, e.stdout, e.stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return exitInterrupted
		}
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			fmt.Fprintf(e.stderr, "orgsiem dashboards: aws ssm start-session exited with %d\n", exit.ExitCode())
		} else {
			fmt.Fprintf(e.stderr, "orgsiem dashboards: %v\n", err)
		}
		return exitError
	}
	return exitOK
}

func first(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
