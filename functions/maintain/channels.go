package maintain

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/orgsiem/orgsiem/internal/lambdaenv"
	"github.com/orgsiem/orgsiem/internal/search"
)

// ChannelIDPrefix starts the config_id of every configured channel
// (orgsiem-<name>); the SNS alert topic's channel is ChannelID.
const ChannelIDPrefix = "orgsiem-"

// DefaultAlertTopicMinSeverity is the alert topic's (e-mail) minimum
// severity when the stack config names none.
const DefaultAlertTopicMinSeverity = "high"

// ParseNotifications reads and validates the NotificationChannels JSON
// (empty: the alert topic only, at DefaultAlertTopicMinSeverity).
func ParseNotifications(s string) (lambdaenv.Notifications, error) {
	var n lambdaenv.Notifications
	if strings.TrimSpace(s) != "" {
		dec := json.NewDecoder(strings.NewReader(s))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&n); err != nil {
			return n, fmt.Errorf("%s: %w", lambdaenv.NotificationChannels, err)
		}
	}
	if n.AlertTopicMinSeverity == "" {
		n.AlertTopicMinSeverity = DefaultAlertTopicMinSeverity
	}
	return n, ValidateNotifications(n)
}

// ValidateNotifications checks every channel: name, type, minimum
// severity and secret ARN.
func ValidateNotifications(n lambdaenv.Notifications) error { return n.Validate() }

// SecretsManagerAPI is the Secrets Manager call maintain makes.
type SecretsManagerAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// SSMAPI is the Systems Manager call maintain makes.
type SSMAPI interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, opts ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// Secrets reads channel URLs from Secrets Manager or SSM Parameter Store.
type Secrets struct {
	SecretsManager SecretsManagerAPI
	SSM            SSMAPI
}

// Read returns the URL a secret ARN holds: the secret string (or SSM
// parameter value, decrypted), either the URL itself or a JSON object with
// a "url" member. Errors name the ARN, never the value.
func (s Secrets) Read(ctx context.Context, arn string) (string, error) {
	var v string
	switch {
	case lambdaenv.SecretARN.MatchString(arn):
		if s.SecretsManager == nil {
			return "", fmt.Errorf("secret %s: no Secrets Manager client", arn)
		}
		out, err := s.SecretsManager.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
		if err != nil {
			return "", fmt.Errorf("secret %s: %w", arn, err)
		}
		if out.SecretString == nil {
			return "", fmt.Errorf("secret %s: binary secret; store the URL as a secret string", arn)
		}
		v = *out.SecretString
	case lambdaenv.ParameterARN.MatchString(arn):
		if s.SSM == nil {
			return "", fmt.Errorf("parameter %s: no SSM client", arn)
		}
		// GetParameter takes "the name or Amazon Resource Name (ARN) of the
		// parameter"; WithDecryption returns a SecureString's plaintext.
		out, err := s.SSM.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(arn), WithDecryption: aws.Bool(true)})
		if err != nil {
			return "", fmt.Errorf("parameter %s: %w", arn, err)
		}
		if out.Parameter == nil || out.Parameter.Value == nil {
			return "", fmt.Errorf("parameter %s: no value", arn)
		}
		v = *out.Parameter.Value
	default:
		return "", fmt.Errorf("secret %q is not a Secrets Manager secret ARN or an SSM parameter ARN", arn)
	}
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "{") {
		var obj struct {
			URL string `json:"url"`
		}
		if json.Unmarshal([]byte(v), &obj) != nil || obj.URL == "" {
			return "", fmt.Errorf("secret %s: a JSON secret needs a \"url\" member", arn)
		}
		v = obj.URL
	}
	return v, nil
}

// channels builds the Notifications channels and the monitors' routes:
// the SNS alert topic (ChannelID) and every configured channel, its URL
// read from its secret. The URLs are never logged; errors name channels
// and secret ARNs only.
func (m *Maintainer) channels(ctx context.Context) ([]search.Channel, []search.Route, error) {
	n := m.cfg.Notifications
	if n.AlertTopicMinSeverity == "" {
		n.AlertTopicMinSeverity = DefaultAlertTopicMinSeverity
	}
	sev, err := search.ParseSeverity(n.AlertTopicMinSeverity)
	if err != nil {
		return nil, nil, err
	}
	chs := []search.Channel{{ID: ChannelID, Name: "orgsiem alerts", Kind: search.ChannelSNS,
		Description: "orgsiem alerts (" + search.SeverityLevels[sev] + " and above) → SNS alert topic",
		TopicARN:    m.cfg.TopicARN, RoleARN: m.cfg.AlertRoleARN}}
	routes := []search.Route{{ChannelID: ChannelID, MinSeverity: sev}}
	for _, c := range n.Channels {
		sev, err := search.ParseSeverity(c.MinSeverity)
		if err != nil {
			return nil, nil, fmt.Errorf("channel %s: %w", c.Name, err)
		}
		url, err := m.secrets.Read(ctx, c.Secret)
		if err != nil {
			return nil, nil, fmt.Errorf("channel %s: %w", c.Name, err)
		}
		id := ChannelIDPrefix + c.Name
		chs = append(chs, search.Channel{ID: id, Name: "orgsiem " + c.Name, Kind: c.Type, URL: url,
			Description: "orgsiem alerts (" + search.SeverityLevels[sev] + " and above) → " + c.Type + " " + c.Name})
		routes = append(routes, search.Route{ChannelID: id, MinSeverity: sev})
	}
	for _, ch := range chs {
		if err := ch.Validate(); err != nil {
			return nil, nil, err
		}
	}
	return chs, routes, nil
}
