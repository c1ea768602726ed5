package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// writeOutputs writes what `pulumi stack output --json` prints for the
// outputs the program exports (stacks/run.go) and returns its path.
func writeOutputs(t *testing.T, m map[string]string) string {
	t.Helper()
	b, _ := json.Marshal(m)
	p := filepath.Join(t.TempDir(), "outputs.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

var sampleOutputs = map[string]string{
	"accessHostId": "i-0123456789abcdef0", "accessHostRegion": "eu-west-1",
	"openSearchEndpoint": "vpc-orgsiem-abc.eu-west-1.es.amazonaws.com", "archiveBucket": "orgsiem-archive",
}

// The printed command is the documented remote-host port forwarding
// session: document AWS-StartPortForwardingSessionToRemoteHost with
// parameters host, portNumber and localPortNumber (Systems Manager User
// Guide, sessions-remote-port-forwarding).
func TestDashboardsPrintsThePortForwardAndURL(t *testing.T) {
	r := runCLI(t, "dashboards", "--outputs", writeOutputs(t, sampleOutputs))
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	want := `aws ssm start-session --region eu-west-1 --target i-0123456789abcdef0 --document-name AWS-StartPortForwardingSessionToRemoteHost --parameters '{"host":["vpc-orgsiem-abc.eu-west-1.es.amazonaws.com"],"localPortNumber":["8443"],"portNumber":["443"]}'`
	if !strings.Contains(r.stdout, want) {
		t.Errorf("stdout lacks the session command:\n%s\nwant %s", r.stdout, want)
	}
	if !strings.Contains(r.stdout, "https://localhost:8443/_dashboards") || !strings.Contains(r.stdout, "127.0.0.1 vpc-orgsiem-abc.eu-west-1.es.amazonaws.com") {
		t.Errorf("URL or sign-in hint missing:\n%s", r.stdout)
	}
	// Flags win over outputs; on port 443 the URL is the domain's own name
	// (where Cognito and SAML redirect back to).
	r = runCLI(t, "dashboards", "--outputs", writeOutputs(t, sampleOutputs), "--host", "i-0fedcba9876543210", "--local-port", "443")
	if !strings.Contains(r.stdout, "--target i-0fedcba9876543210") || !strings.Contains(r.stdout, "https://vpc-orgsiem-abc.eu-west-1.es.amazonaws.com/_dashboards") {
		t.Errorf("flags did not win or URL wrong:\n%s", r.stdout)
	}
}

func TestDashboardsRefusesWhatItCannotUse(t *testing.T) {
	noHost := map[string]string{"openSearchEndpoint": "vpc-orgsiem-abc.eu-west-1.es.amazonaws.com"}
	for _, c := range []struct {
		name string
		args []string
		code int
		say  string
	}{
		{"a stack without an access host", []string{"--outputs", writeOutputs(t, noHost), "--region", "eu-west-1"}, exitUsage, "no access host"},
		{"a host that is not an instance id", []string{"--host", "bastion", "--endpoint", "x.es.amazonaws.com", "--region", "eu-west-1"}, exitUsage, "not an instance id"},
		{"an endpoint with a shell in it", []string{"--host", "i-0123456789abcdef0", "--endpoint", "a.b;rm -rf", "--region", "eu-west-1"}, exitUsage, "not a host name"},
		{"no region", []string{"--host", "i-0123456789abcdef0", "--endpoint", "a.es.amazonaws.com"}, exitUsage, "no region"},
		{"a file that is not outputs", []string{"--outputs", writeOutputsRaw(t, "Current stack outputs (3):")}, exitError, "not the JSON"},
		{"a port out of range", []string{"--outputs", writeOutputs(t, sampleOutputs), "--local-port", "70000"}, exitUsage, "not a port"},
	} {
		r := runCLI(t, append([]string{"dashboards"}, c.args...)...)
		if r.code != c.code || !strings.Contains(r.stderr, c.say) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", c.name, r.code, r.stderr, c.code, c.say)
		}
	}
}

func writeOutputsRaw(t *testing.T, s string) string {
	p := filepath.Join(t.TempDir(), "out.txt")
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// --start runs the AWS CLI as a subprocess with exactly the printed
// arguments; a stand-in aws on PATH records them (the real CLI would need
// credentials and the Session Manager plugin, which --start checks for).
func TestDashboardsStartRunsTheAWSCLI(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("shell stand-ins")
	}
	bin := t.TempDir()
	record := filepath.Join(bin, "args")
	script := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > " + record + "\n"
	if err := os.WriteFile(filepath.Join(bin, "aws"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	r := runCLI(t, "dashboards", "--outputs", writeOutputs(t, sampleOutputs), "--start")
	if r.code != exitError || !strings.Contains(r.stderr, "session-manager-plugin is not on PATH") {
		t.Fatalf("without the plugin: exit %d, %s", r.code, r.stderr)
	}
	if err := os.WriteFile(filepath.Join(bin, "session-manager-plugin"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, "dashboards", "--outputs", writeOutputs(t, sampleOutputs), "--start")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	got, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join(portForward{host: "i-0123456789abcdef0", endpoint: "vpc-orgsiem-abc.eu-west-1.es.amazonaws.com", region: "eu-west-1", localPort: 8443}.args(), "\n") + "\n"
	if string(got) != want {
		t.Errorf("aws ran with\n%s\nwant\n%s", got, want)
	}
	if !strings.HasPrefix(want, "ssm\nstart-session\n") || !strings.Contains(want, "\n--document-name\nAWS-StartPortForwardingSessionToRemoteHost\n") {
		t.Errorf("not a port-forwarding session: %q", want)
	}
}
