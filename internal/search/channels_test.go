package search_test

import (
	"context"
	"strings"
	"testing"

	"github.com/orgsiem/orgsiem/internal/search"
	"github.com/orgsiem/orgsiem/internal/search/searchtest"
)

// Every channel kind's body passes the Notifications API schema
// (NotificationsConfigItem in the OpenSearch specification) and is
// idempotent; a URL that is not https is refused without repeating it.
func TestChannelsOfEveryKindPassTheSpec(t *testing.T) {
	srv := searchtest.New(t)
	c := newClient(t, srv)
	ctx := context.Background()
	chs := []search.Channel{
		{ID: "orgsiem-alerts", Name: "orgsiem alerts", Kind: search.ChannelSNS, TopicARN: "arn:aws:sns:eu-west-1:111122223333:orgsiem-alerts",
			RoleARN: "arn:aws:iam::111122223333:role/orgsiem-alerts-publisher"},
		{ID: "orgsiem-soc", Name: "orgsiem soc", Kind: search.ChannelSlack, URL: "https://hooks.slack.com/services/T/B/X"},
		{ID: "orgsiem-ops", Name: "orgsiem ops", Kind: search.ChannelChime, URL: "https://hooks.chime.aws/incomingwebhooks/x?token=y"},
		{ID: "orgsiem-soar", Name: "orgsiem soar", Kind: search.ChannelWebhook, URL: "https://soar.example.com/hook"},
	}
	for _, ch := range chs {
		if err := ch.Validate(); err != nil {
			t.Fatal(err)
		}
		for _, want := range []search.Change{search.Created, search.Unchanged} {
			if got, err := c.UpsertChannel(ctx, ch); err != nil || got != want {
				t.Fatalf("%s: %v %v, want %v", ch, got, err, want)
			}
		}
		if b, _ := srv.Object("notification_config", ch.ID); !strings.Contains(string(b), `"config_type":"`+ch.Kind+`"`) {
			t.Errorf("%s stored as %s", ch, b)
		}
	}
	noRejections(t, srv)
	bad := search.Channel{ID: "orgsiem-x", Kind: search.ChannelSlack, URL: "http://hooks.example.com/SECRET"}
	if err := bad.Validate(); err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("plain-http webhook: %v", err)
	}
	if s := (search.Channel{ID: "orgsiem-soc", Kind: search.ChannelSlack, URL: "https://hooks.slack.com/SECRET"}).String(); strings.Contains(s, "SECRET") {
		t.Errorf("String prints the URL: %s", s)
	}
}
