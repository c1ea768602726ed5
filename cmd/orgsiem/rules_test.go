package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sigmaDir holds rules written in SigmaHQ's style (UUID ids, unquoted
// dates, related, modified, no tests): internal/detect/testdata/sigma.
var sigmaDir = filepath.Join("..", "..", "internal", "detect", "testdata", "sigma")

func TestRulesLoadSigmaStyleDirectory(t *testing.T) {
	r := runCLI(t, "rules", "list", "--rules", sigmaDir, "--strict")
	if r.code != exitOK || strings.Contains(r.stderr, "refused") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for _, id := range []string{"a4a9bfb0-f7f5-4dd3-90d8-8a8caabdc247", "12945b3d-1ce9-4ab1-a2af-e4651efba02a"} {
		if !strings.Contains(r.stdout, id) {
			t.Errorf("rule %s not listed", id)
		}
	}
	r = runCLI(t, "rules", "show", "12945b3d-1ce9-4ab1-a2af-e4651efba02a", "--rules", sigmaDir)
	for _, want := range []string{"status:         deprecated", "related:        obsolete 5bc4f213-ccab-4d2a-ba28-955284c32e33", "date:           2022/10/03"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("rules show lacks %q:\n%s", want, r.stdout)
		}
	}
	r = runCLI(t, "rules", "export", "--rules", sigmaDir)
	var out []exportedRule
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	for _, x := range out {
		if x.ID == "36e8df6c-9dbc-4a49-a043-1ab14715a2cf" && (x.Query != nil || !strings.Contains(x.NoDSL, "neq")) {
			t.Errorf("a rule using neq exported a query: %+v", x)
		}
	}
}

// A Sigma rule from --rules raises alerts in scan like a built-in one:
// an IAM user resetting another user's console password (IAM API
// reference, UpdateLoginProfile: requestParameters.userName names the
// user whose password changes).
func TestScanRaisesSigmaRuleAlerts(t *testing.T) {
	dir := t.TempDir()
	rec := func(user string) string {
		return `{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLEPRINCIPAL1",` +
			`"arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice"},` +
			`"eventTime":"2024-05-14T09:12:33Z","eventSource":"iam.amazonaws.com","eventName":"UpdateLoginProfile",` +
			`"awsRegion":"us-east-1","sourceIPAddress":"203.0.113.10","userAgent":"aws-cli/2.15.40",` +
			`"requestParameters":{"userName":"` + user + `","passwordResetRequired":false},"responseElements":null,` +
			`"eventID":"e-` + user + `","eventType":"AwsApiCall","recipientAccountId":"111122223333"}`
	}
	p := filepath.Join(dir, "events.json")
	if err := os.WriteFile(p, []byte(`{"Records":[`+rec("bob")+`,`+rec("alice")+`]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, r := scanJSON(t, "--type", "cloudtrail", "--rules", sigmaDir, "--strict", p)
	if r.code == exitError || r.code == exitUsage {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	n := 0
	for _, a := range out.Alerts {
		if a.RuleID == "36e8df6c-9dbc-4a49-a043-1ab14715a2cf" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d alerts of the Sigma rule, want 1 (bob's password, not alice's own)\n%s", n, r.stdout)
	}
}

// A placeholder a Sigma rule does not declare takes its values from
// --param; without them the rule is refused ("Placeholders": a tool that
// cannot resolve a placeholder must reject the rule).
func TestSigmaPlaceholderFromParam(t *testing.T) {
	dir := t.TempDir()
	rule := `title: Root Sign-In Outside The Admin Networks
id: dea35b16-684f-4c11-b178-a97570ea69ec
logsource:
    product: aws
    service: cloudtrail
detection:
    selection:
        eventName: ConsoleLogin
        userIdentity.type: Root
    filter:
        sourceIPAddress|expand: '%AdminNetworks%'
    condition: selection and not filter
level: high
`
	if err := os.WriteFile(filepath.Join(dir, "root_login.yml"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "rules", "list", "--rules", dir)
	if !strings.Contains(r.stderr, "placeholder %AdminNetworks% has no values") || strings.Contains(r.stdout, "dea35b16") {
		t.Errorf("without --param the rule must be refused:\n%s\n%s", r.stderr, r.stdout)
	}
	r = runCLI(t, "rules", "list", "--rules", dir, "--param", "AdminNetworks=198.51.100.*", "--strict")
	if r.code != exitOK || !strings.Contains(r.stdout, "dea35b16") {
		t.Errorf("with --param: exit %d\n%s\n%s", r.code, r.stderr, r.stdout)
	}
}
