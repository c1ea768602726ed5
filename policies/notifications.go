package policies

import "strings"

// NotificationSecretsPolicy lets the maintain role read exactly the
// notification channels' secrets: the Slack, Chime and webhook URLs kept in
// Secrets Manager (secretsmanager:GetSecretValue) or as SSM SecureString
// parameters (ssm:GetParameter), named by ARN in the stack config. ok is
// false when no channel has a secret (no policy to attach). Secrets
// encrypted with the AWS managed keys (aws/secretsmanager, aws/ssm) need no
// KMS permission; a customer managed key must grant the maintain role
// kms:Decrypt in its own key policy.
func NotificationSecretsPolicy(secretARNs []string) (doc Document, ok bool) {
	var sm, ssm []string
	for _, a := range secretARNs {
		switch {
		case strings.Contains(a, ":secretsmanager:"):
			sm = append(sm, a)
		case strings.Contains(a, ":ssm:"):
			ssm = append(ssm, a)
		}
	}
	var st []Statement
	if len(sm) > 0 {
		st = append(st, Statement{Sid: "ReadChannelSecrets", Effect: Allow, Action: []string{"secretsmanager:GetSecretValue"}, Resource: sm})
	}
	if len(ssm) > 0 {
		st = append(st, Statement{Sid: "ReadChannelParameters", Effect: Allow, Action: []string{"ssm:GetParameter"}, Resource: ssm})
	}
	return Document{Version: Version, Statement: st}, len(st) > 0
}
