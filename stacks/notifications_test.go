package stacks

import (
	"strings"
	"testing"
)

func baseKeys() map[string]string {
	return map[string]string{
		"organizationId": sampleOrg, "managementAccountId": sampleManagement, "logArchiveAccountId": sampleLogArchive,
		"securityAccountId": sampleLogArchive, "homeRegion": sampleHome,
	}
}

func TestNotificationChannelsAreValidatedAndNameOnlySecrets(t *testing.T) {
	secret := "arn:aws:secretsmanager:" + sampleHome + ":" + sampleLogArchive + ":secret:orgsiem/slack-AbCdEf"
	keys := baseKeys()
	keys["alertMinSeverity"] = "medium"
	keys["notificationChannels"] = `[{"name":"soc","type":"slack","minSeverity":"critical","secret":"` + secret + `"}]`
	c, err := Parse(lookup(keys))
	if err != nil {
		t.Fatal(err)
	}
	n := c.Notifications()
	if n.AlertTopicMinSeverity != "medium" || len(n.Channels) != 1 || n.SecretARNs()[0] != secret {
		t.Errorf("parsed %+v", n)
	}
	if d, _ := Parse(lookup(baseKeys())); d.AlertMinSeverity != "high" || len(d.NotificationChannels) != 0 {
		t.Errorf("defaults: %q %v", d.AlertMinSeverity, d.NotificationChannels)
	}
	for name, tc := range map[string]struct{ key, value string }{
		"a URL instead of a secret": {"notificationChannels", `[{"name":"soc","type":"slack","minSeverity":"high","secret":"https://hooks.slack.com/services/T/B/X"}]`},
		"a url member":              {"notificationChannels", `[{"name":"soc","type":"slack","minSeverity":"high","secret":"` + secret + `","url":"https://x"}]`},
		"a secret of another account": {"notificationChannels", `[{"name":"soc","type":"slack","minSeverity":"high","secret":"` +
			strings.Replace(secret, sampleLogArchive, "999999999999", 1) + `"}]`},
		"an unknown type":     {"notificationChannels", `[{"name":"soc","type":"pager","minSeverity":"high","secret":"` + secret + `"}]`},
		"an unknown severity": {"alertMinSeverity", "urgent"},
		"not a list":          {"notificationChannels", `{"name":"soc"}`},
	} {
		k := baseKeys()
		k[tc.key] = tc.value
		_, err := Parse(lookup(k))
		if err == nil || !strings.Contains(err.Error(), "orgsiem:"+tc.key+":") {
			t.Errorf("%s: %v", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "hooks.slack.com/services/T/B/X") && tc.key == "notificationChannels" && name != "a URL instead of a secret" {
			t.Errorf("%s: error repeats a URL", name)
		}
	}
}
