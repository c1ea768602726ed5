package maintain

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/orgsiem/orgsiem/internal/lambdaenv"
	"github.com/orgsiem/orgsiem/internal/search"
)

// awsJSONFake speaks the AWS JSON 1.1 protocol of Secrets Manager and
// Systems Manager as their API references describe it: POST / with
// X-Amz-Target "<service prefix>.<operation>" and a JSON body; errors are
// HTTP 400 with {"__type": "<ErrorCode>", "message": ...}.
//
//   - secretsmanager.GetSecretValue (AWS Secrets Manager API Reference,
//     GetSecretValue): request {"SecretId": ARN or name}; response ARN,
//     Name, SecretString (or SecretBinary), VersionId, VersionStages;
//     ResourceNotFoundException when there is no such secret.
//   - AmazonSSM.GetParameter (AWS Systems Manager API Reference,
//     GetParameter): request {"Name": name or ARN, "WithDecryption": bool};
//     a SecureString's Value is its ciphertext unless WithDecryption is
//     true; ParameterNotFound when there is no such parameter.
type awsJSONFake struct {
	mu       sync.Mutex
	secrets  map[string]string // secret ARN -> SecretString
	params   map[string]string // parameter ARN -> plaintext (SecureString)
	requests []string          // X-Amz-Target of each call
}

func (f *awsJSONFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	target := r.Header.Get("X-Amz-Target")
	f.requests = append(f.requests, target)
	fail := func(code, msg string) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
	}
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-amz-json-1.1") ||
		!strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		fail("InvalidRequestException", "not a signed AWS JSON 1.1 request")
		return
	}
	var in struct {
		SecretID       string `json:"SecretId"`
		Name           string `json:"Name"`
		WithDecryption bool   `json:"WithDecryption"`
	}
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &in); err != nil {
		fail("SerializationException", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	switch target {
	case "secretsmanager.GetSecretValue":
		v, ok := f.secrets[in.SecretID]
		if !ok {
			fail("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"ARN": in.SecretID, "Name": "n", "SecretString": v,
			"VersionId": "00000000-0000-0000-0000-000000000001", "VersionStages": []string{"AWSCURRENT"}, "CreatedDate": 1.7e9})
	case "AmazonSSM.GetParameter":
		v, ok := f.params[in.Name]
		if !ok {
			fail("ParameterNotFound", "")
			return
		}
		if !in.WithDecryption {
			v = "AQICAHhEncryptedBlobNotTheValue=="
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"Parameter": map[string]any{"Name": "/orgsiem/webhook", "ARN": in.Name,
			"Type": "SecureString", "Value": v, "Version": 1, "DataType": "text"}})
	default:
		fail("UnknownOperationException", target)
	}
}

func fakeSecrets(t *testing.T, f *awsJSONFake) Secrets {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	creds := credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")
	return Secrets{
		SecretsManager: secretsmanager.New(secretsmanager.Options{Region: "eu-west-1", Credentials: creds, BaseEndpoint: aws.String(srv.URL)}),
		SSM:            ssm.New(ssm.Options{Region: "eu-west-1", Credentials: creds, BaseEndpoint: aws.String(srv.URL)}),
	}
}

const (
	slackARN   = "arn:aws:secretsmanager:eu-west-1:222233334444:secret:orgsiem/slack-AbCdEf"
	webhookARN = "arn:aws:ssm:eu-west-1:222233334444:parameter/orgsiem/webhook"
	slackURL   = "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX"
	webhookURL = "https://soar.example.com/hooks/orgsiem?token=SECRETTOKEN"
)

func TestSecretsAreReadFromSecretsManagerAndSSM(t *testing.T) {
	f := &awsJSONFake{secrets: map[string]string{slackARN: slackURL, "arn:aws:secretsmanager:eu-west-1:222233334444:secret:j-AbCdEf": `{"url":"` + slackURL + `"}`},
		params: map[string]string{webhookARN: webhookURL}}
	s := fakeSecrets(t, f)
	ctx := context.Background()
	for arn, want := range map[string]string{slackARN: slackURL, webhookARN: webhookURL,
		"arn:aws:secretsmanager:eu-west-1:222233334444:secret:j-AbCdEf": slackURL} {
		got, err := s.Read(ctx, arn)
		if err != nil || got != want {
			t.Errorf("%s: %q %v, want the URL (a SecureString read WithDecryption)", arn, got, err)
		}
	}
	_, err := s.Read(ctx, "arn:aws:secretsmanager:eu-west-1:222233334444:secret:missing-AbCdEf")
	if err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") || !strings.Contains(err.Error(), "missing-AbCdEf") {
		t.Errorf("missing secret: %v", err)
	}
	if _, err := s.Read(ctx, "orgsiem/slack"); err == nil {
		t.Error("a bare name is refused: the IAM policy grants exact ARNs")
	}
}

func TestParseNotifications(t *testing.T) {
	n, err := ParseNotifications("")
	if err != nil || n.AlertTopicMinSeverity != DefaultAlertTopicMinSeverity || len(n.Channels) != 0 {
		t.Errorf("empty: %+v %v", n, err)
	}
	for name, bad := range map[string]string{
		"unknown key":      `{"channels":[{"name":"a","type":"slack","minSeverity":"high","secret":"` + slackARN + `","url":"https://x"}]}`,
		"plain url secret": `{"channels":[{"name":"a","type":"slack","minSeverity":"high","secret":"https://hooks.slack.com/x"}]}`,
		"bad type":         `{"channels":[{"name":"a","type":"email","minSeverity":"high","secret":"` + slackARN + `"}]}`,
		"bad severity":     `{"channels":[{"name":"a","type":"slack","minSeverity":"urgent","secret":"` + slackARN + `"}]}`,
		"duplicate":        `{"channels":[{"name":"a","type":"slack","minSeverity":"high","secret":"` + slackARN + `"},{"name":"a","type":"chime","minSeverity":"high","secret":"` + slackARN + `"}]}`,
		"alert topic name": `{"channels":[{"name":"alerts","type":"slack","minSeverity":"high","secret":"` + slackARN + `"}]}`,
	} {
		if _, err := ParseNotifications(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestConfigureAlertingCreatesChannelsAndMonitorsWithoutLoggingSecrets(t *testing.T) {
	cfg := testConfig()
	cfg.Notifications = lambdaenv.Notifications{AlertTopicMinSeverity: "medium", Channels: []lambdaenv.NotificationChannel{
		{Name: "soc", Type: search.ChannelSlack, MinSeverity: "critical", Secret: slackARN},
		{Name: "soar", Type: search.ChannelWebhook, MinSeverity: "high", Secret: webhookARN},
	}}
	m, srv := newMaintainer(t, cfg)
	var logs bytes.Buffer
	m.log = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := &awsJSONFake{secrets: map[string]string{slackARN: slackURL}, params: map[string]string{webhookARN: webhookURL}}
	m.SetSecrets(fakeSecrets(t, f))
	ctx := context.Background()
	var res ConfigureResult
	if err := m.configureAlerting(ctx, &res); err != nil {
		t.Fatal(err)
	}
	checkNoRejections(t, srv)
	thresholds := 0
	for _, r := range m.catalog.Rules() {
		if r.IsThreshold() {
			thresholds++
		}
	}
	if n := len(srv.Objects("monitor")); n != 3+thresholds {
		t.Errorf("%d monitors, want 3 notification monitors and %d threshold monitors", n, thresholds)
	}
	for id, want := range map[string]string{ChannelID: `"config_type":"sns"`, "orgsiem-soc": `"url":"` + slackURL + `"`, "orgsiem-soar": `"url":"` + webhookURL + `"`} {
		b, ok := srv.Object("notification_config", id)
		if !ok || !strings.Contains(string(b), want) {
			t.Errorf("channel %s: %s", id, b)
		}
	}
	out, _ := json.Marshal(res)
	for _, secret := range []string{slackURL, webhookURL, "SECRETTOKEN", "XXXXSECRETXXXX"} {
		if strings.Contains(logs.String(), secret) || strings.Contains(string(out), secret) {
			t.Errorf("a channel URL reached the log or the result")
		}
	}

	// Removing a channel from the config deletes its notification monitor.
	m.cfg.Notifications.Channels = m.cfg.Notifications.Channels[:1]
	res = ConfigureResult{}
	if err := m.configureAlerting(ctx, &res); err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Deleted, ",") != "monitor/"+search.MonitorNamePrefix+"notify orgsiem-soar" {
		t.Errorf("deleted %v", res.Deleted)
	}
	checkNoRejections(t, srv)

	// An unreadable secret stops configure with the channel and the ARN
	// named, never a value.
	f.mu.Lock()
	delete(f.secrets, slackARN)
	f.mu.Unlock()
	err := m.configureAlerting(ctx, &ConfigureResult{})
	if err == nil || !strings.Contains(err.Error(), "channel soc") || !strings.Contains(err.Error(), slackARN) {
		t.Errorf("unreadable secret: %v", err)
	}
}
