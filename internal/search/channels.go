package search

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Channel kinds: the Notifications plugin's config_type values orgsiem
// configures (notifications._common___NotificationConfigType in the
// OpenSearch API specification).
const (
	ChannelSNS     = "sns"
	ChannelSlack   = "slack"
	ChannelChime   = "chime"
	ChannelWebhook = "webhook"
)

// Channel is one Notifications plugin channel monitors send to
// (POST _plugins/_notifications/configs).
type Channel struct {
	ID          string // config_id
	Name        string
	Description string
	Kind        string // ChannelSNS, ChannelSlack, ChannelChime or ChannelWebhook

	// SNS: the topic and the role Amazon OpenSearch Service assumes to
	// publish (trusted by opensearchservice.amazonaws.com, sns:Publish on
	// the topic).
	TopicARN string
	RoleARN  string

	// URL of a Slack, Chime or custom webhook channel. It is a secret (a
	// Slack webhook URL is a bearer credential): it comes from Secrets
	// Manager or SSM at configure time, is never logged, and String
	// never prints it.
	URL string
}

// String describes the channel without its URL.
func (ch Channel) String() string {
	return fmt.Sprintf("%s channel %s", ch.kind(), ch.ID)
}

func (ch Channel) kind() string {
	if ch.Kind == "" {
		return ChannelSNS
	}
	return ch.Kind
}

var reChannelID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// Validate checks what the plugin would refuse or what would deliver
// nowhere: the kind, an id usable in a URL path, an SNS topic ARN, an
// https URL for the webhook kinds.
func (ch Channel) Validate() error {
	if !reChannelID.MatchString(ch.ID) {
		return fmt.Errorf("notification channel id %q: want lower-case letters, digits, - and _ (at most 64)", ch.ID)
	}
	switch ch.kind() {
	case ChannelSNS:
		if !strings.HasPrefix(ch.TopicARN, "arn:") || !strings.Contains(ch.TopicARN, ":sns:") {
			return fmt.Errorf("%s: topic %q is not an SNS topic ARN", ch, ch.TopicARN)
		}
		if ch.RoleARN != "" && !strings.Contains(ch.RoleARN, ":role/") {
			return fmt.Errorf("%s: %q is not an IAM role ARN", ch, ch.RoleARN)
		}
	case ChannelSlack, ChannelChime, ChannelWebhook:
		u, err := url.Parse(ch.URL)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			// The URL itself is a secret: never put it in the error.
			return fmt.Errorf("%s: the URL from its secret is not an https URL", ch)
		}
	default:
		return fmt.Errorf("notification channel %s: kind %q is not sns, slack, chime or webhook", ch.ID, ch.Kind)
	}
	return nil
}

// Config is the channel's "config" object (NotificationsConfigItem: name,
// description, config_type, is_enabled and the member of its type).
func (ch Channel) Config() map[string]any {
	k := ch.kind()
	c := map[string]any{
		"name":        ch.Name,
		"description": ch.Description,
		"config_type": k,
		"is_enabled":  true,
	}
	switch k {
	case ChannelSNS:
		sns := map[string]any{"topic_arn": ch.TopicARN}
		if ch.RoleARN != "" {
			sns["role_arn"] = ch.RoleARN
		}
		c["sns"] = sns
	case ChannelWebhook:
		c["webhook"] = map[string]any{"url": ch.URL, "method": "POST"}
	default:
		c[k] = map[string]any{"url": ch.URL}
	}
	return c
}
