package policies

import "testing"

func TestMaintainReadsExactlyTheChannelSecrets(t *testing.T) {
	slack := "arn:aws:secretsmanager:eu-west-1:333333333333:secret:orgsiem/slack-AbCdEf"
	hook := "arn:aws:ssm:eu-west-1:333333333333:parameter/orgsiem/webhook"
	doc, ok := NotificationSecretsPolicy([]string{slack, hook})
	if !ok {
		t.Fatal("no policy for two secrets")
	}
	if _, ok := NotificationSecretsPolicy(nil); ok {
		t.Error("a policy without secrets")
	}
	role := org.SecurityRoleARN(MaintainRole)
	for _, tc := range []struct {
		name           string
		action, target string
		want           bool
	}{
		{"the configured secret", "secretsmanager:GetSecretValue", slack, true},
		{"the configured parameter", "ssm:GetParameter", hook, true},
		{"another secret", "secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:333333333333:secret:db-password-XyZ123", false},
		{"another parameter", "ssm:GetParameter", "arn:aws:ssm:eu-west-1:333333333333:parameter/prod/db", false},
		{"a parameter by path", "ssm:GetParametersByPath", hook, false},
		{"writing the secret", "secretsmanager:PutSecretValue", slack, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Authorize(RoleRequest(role, org.ID, tc.action, tc.target), org.Security, []Document{doc}, nil); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
