package archive

import (
	"strings"
	"time"
)

// AWS-native layouts. Each service below writes under
// [prefix/]AWSLogs/[<o-id>/]<account>/<service>/...; the optional prefix is
// the one the delivery was configured with (AWS forbids it to contain
// AWSLogs). The file name repeats account, region and a time of minute or
// second precision; Parse reads the directories strictly and refines Time
// (and Resource and Region, when the directories lack them) from the file
// name when the name follows the service's documented pattern.

// awsService reports whether seg is a service segment Parse knows under
// AWSLogs/.
func awsService(seg string) bool {
	switch seg {
	case "CloudTrail", "CloudTrail-Digest", "CloudTrail-Insight", "vpcflowlogs",
		"elasticloadbalancing", "WAFLogs", "vpcdnsquerylogs", "network-firewall", "GuardDuty":
		return true
	}
	return false
}

// parseAWSLogs reads the part of key after AWSLogs/. ok is false when the
// service segment is not one Parse knows (the key may still match a later
// rule); err is a *KeyError when it is known but the key is malformed.
func parseAWSLogs(key, rest string) (loc Location, ok bool, err error) {
	s1, after1, _ := strings.Cut(rest, "/")
	if strings.HasPrefix(s1, "aws-account-id=") {
		return parseVPCFlowHive(key, rest)
	}
	s2, after2, more := strings.Cut(after1, "/")
	var org, account, svc, tail string
	switch {
	case s2 == "ELBAccessLogTestFile" && !more:
		// Elastic Load Balancing writes [prefix/]AWSLogs/<account>/ELBAccessLogTestFile
		// when access logging is enabled, to test the bucket policy (AWS ELB
		// documentation; not in the shared sources).
		r := reader{key: key, layout: "elasticloadbalancing", rest: s1}
		if account, err = r.account(); err != nil {
			return Location{}, true, err
		}
		return Location{Key: key, Source: SourceAWS, LogType: TypeELB, Account: account, Skip: SkipTestFile}, true, nil
	case awsService(s2):
		account, svc, tail = s1, s2, after2
	default:
		s3, after3, _ := strings.Cut(after2, "/")
		if !awsService(s3) {
			return Location{}, false, nil
		}
		org, account, svc, tail = s1, s2, s3, after3
	}
	r := reader{key: key, layout: svc, rest: account}
	if org != "" && !ValidOrgID(org) {
		return Location{}, true, r.fail("organization id %q is not o- followed by 10-32 lowercase letters or digits", org)
	}
	if account, err = r.account(); err != nil {
		return Location{}, true, err
	}
	loc = Location{Key: key, Source: SourceAWS, OrgID: org, Account: account}
	r.rest = tail
	switch svc {
	case "CloudTrail", "CloudTrail-Insight", "CloudTrail-Digest":
		// CloudTrail log files, Insights events and digest files.
		// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-find-log-files.html
		// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html#cloudtrail-log-filename-format
		// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-digest-file-structure.html
		// [prefix/]AWSLogs/[o-id/]<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 chars>.json.gz
		// [prefix/]AWSLogs/[o-id/]<account>/CloudTrail-Insight/<region>/YYYY/MM/DD/<account>_CloudTrail-Insight_<region>_<YYYYMMDDTHHmmZ>_<16 chars>.json.gz
		// [prefix/]AWSLogs/[o-id/]<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/<account>_CloudTrail-Digest_<region>_<trail>_<home region>_<YYYYMMDDTHHmmssZ>.json.gz
		// Real: AWSLogs/187901811700/CloudTrail/us-east-1/2024/06/02/187901811700_CloudTrail_us-east-1_20240602T2020Z_12tLndRWeXi4IWKg.json.gz
		// (corpus, an S3 access log line of the trail's bucket); documented name:
		// 111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz.
		loc.LogType = TypeCloudTrail
		if svc == "CloudTrail-Digest" {
			loc.Skip = SkipCloudTrailDigest
		}
		err = r.regionDate(&loc)
	case "vpcflowlogs":
		// VPC Flow Logs published to Amazon S3 (optionally with hourly partitions).
		// https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3.html
		// [prefix/]AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD[/HH]/<account>_vpcflowlogs_<region>_<flow-log-id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz
		// Real: AWSLogs/000000000000/vpcflowlogs/us-gov-east-1/2021/07/13/000000000000_vpcflowlogs_us-gov-east-1_fl-0e7c13bf00cf15bfe_20210713T1855Z_f12aa632.log.gz
		// (corpus, an S3 access log line of the flow log bucket).
		loc.LogType = TypeVPCFlow
		if loc.Region, err = r.region(); err == nil {
			if loc.Time, err = r.date(); err == nil {
				loc.Time, err = r.optionalHour(loc.Time)
			}
		}
		if err == nil {
			err = r.refine(&loc)
		}
	case "elasticloadbalancing":
		// Application, Network and Classic Load Balancer access logs share the layout;
		// the load balancer id in the name tells them apart (app., net., or a bare name).
		// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html
		// https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-access-logs.html
		// https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/access-log-collection.html
		// [prefix/]AWSLogs/<account>/elasticloadbalancing/<region>/YYYY/MM/DD/<account>_elasticloadbalancing_<region>_<lb-id>_<YYYYMMDDTHHmmZ>[_<ip>]_<random>.log[.gz]
		// Documented: my-bucket/prefix/AWSLogs/123456789012/elasticloadbalancing/us-east-2/2016/05/01/123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.1234567890abcdef_20140215T2340Z_172.160.001.192_20sg8hgm.log.gz
		// (ALB; NLB names have no IP, Classic names end in .log without .gz).
		loc.LogType = TypeELB
		err = r.regionDate(&loc)
	case "GuardDuty":
		// GuardDuty findings exported to S3 (the delegated administrator's account for an organization).
		// https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_exportfindings.html
		// [prefix/]AWSLogs/<account>/GuardDuty/<region>/YYYY/MM/DD/<uuid>.jsonl.gz
		// Example (illustrative, from the documented pattern): AWSLogs/123456789012/GuardDuty/us-east-1/2025/01/02/4f1c2e7a-9b1d-3c55-8f6e-0a1b2c3d4e5f.jsonl.gz
		loc.LogType = TypeGuardDuty
		err = r.regionDate(&loc)
	case "WAFLogs":
		// AWS WAF web ACL traffic logs delivered straight to S3 (5-minute files). The
		// Region segment is "cloudfront" for web ACLs of CloudFront scope; Region is then empty.
		// https://docs.aws.amazon.com/waf/latest/developerguide/logging-s3.html
		// [prefix/]AWSLogs/<account>/WAFLogs/<region|cloudfront>/<web-acl-name>/YYYY/MM/DD/HH/mm/<account>_waflogs_<region|cloudfront>_<web-acl-name>_<YYYYMMDDTHHmmZ>_<hash>.log.gz
		// Example (from the documented pattern): AWSLogs/111122223333/WAFLogs/us-east-2/TestWebACL/2021/10/28/19/50/111122223333_waflogs_us-east-2_TestWebACL_20211028T1950Z_e0ca43b5.log.gz
		loc.LogType = TypeWAF
		reg, _ := r.next()
		switch {
		case reg == "cloudfront":
		case ValidRegion(reg):
			loc.Region = reg
		default:
			err = r.fail("region %q is neither an AWS Region code nor cloudfront", reg)
		}
		if err == nil {
			if loc.Resource, err = r.nonEmpty("web ACL name"); err == nil {
				if loc.Time, err = r.date("hour", "minute"); err == nil {
					err = r.refine(&loc)
				}
			}
		}
	case "vpcdnsquerylogs":
		// Route 53 Resolver query logs delivered to S3. The key names the VPC, not the Region.
		// https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-query-logs.html
		// [prefix/]AWSLogs/<account>/vpcdnsquerylogs/<vpc-id>/YYYY/MM/DD/<account>_vpcdnsquerylogs_<vpc-id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz
		// Example (from the pattern): AWSLogs/123456789012/vpcdnsquerylogs/vpc-0a1b2c3d4e5f67890/2025/01/02/123456789012_vpcdnsquerylogs_vpc-0a1b2c3d4e5f67890_20250102T0305Z_1a2b3c4d.log.gz
		loc.LogType = TypeRoute53Resolver
		if loc.Resource, err = r.nonEmpty("VPC id"); err == nil {
			if loc.Time, err = r.date(); err == nil {
				err = r.refine(&loc)
			}
		}
	case "network-firewall":
		// AWS Network Firewall flow, alert and TLS logs delivered to S3 (hourly directories).
		// https://docs.aws.amazon.com/network-firewall/latest/developerguide/logging-s3.html
		// [prefix/]AWSLogs/<account>/network-firewall/<flow|alert|tls>/[<region>/<firewall-name>/]YYYY/MM/DD/HH/<account>_network-firewall_<type>_<region>_<firewall-name>_<YYYYMMDDHHmm>_<hash>.log.gz
		// The <region>/<firewall-name> directories are accepted when present; neither form
		// is in the shared sources (the anchor matches only "_network-firewall_").
		// Example (from the pattern): AWSLogs/111111111111/network-firewall/alert/us-east-1/test-firewall/2020/08/17/12/111111111111_network-firewall_alert_us-east-1_test-firewall_202008171250_5a6bcda1.log.gz
		loc.LogType = TypeNetworkFirewall
		if _, err = r.nonEmpty("log type (flow, alert, tls)"); err == nil {
			if y, _, _ := strings.Cut(r.rest, "/"); !allDigits(y) {
				if loc.Region, err = r.region(); err == nil {
					loc.Resource, err = r.nonEmpty("firewall name")
				}
			}
		}
		if err == nil {
			if loc.Time, err = r.date("hour"); err == nil {
				err = r.refine(&loc)
			}
		}
	}
	if err != nil {
		return Location{}, true, err
	}
	return loc, true, nil
}

// regionDate reads <region>/YYYY/MM/DD/<file>.
func (r *reader) regionDate(loc *Location) (err error) {
	if loc.Region, err = r.region(); err != nil {
		return err
	}
	if loc.Time, err = r.date(); err != nil {
		return err
	}
	return r.refine(loc)
}

// refine reads the file name and takes the time (and the resource and
// Region when the directories did not name them) from it when it follows
// the AWS naming of the same log type.
func (r *reader) refine(loc *Location) error {
	name, err := r.file()
	if err != nil {
		return err
	}
	ni := parseServiceName(name)
	if ni.logType != loc.LogType {
		return nil
	}
	if !ni.t.IsZero() {
		loc.Time = ni.t
	}
	if loc.Resource == "" {
		loc.Resource = ni.resource
	}
	if loc.Region == "" {
		loc.Region = ni.region
	}
	return nil
}

// parseVPCFlowHive reads VPC flow logs delivered with Hive-compatible
// S3 prefixes (AWS documentation; not covered by the shared research).
// https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3.html
// [prefix/]AWSLogs/aws-account-id=<account>/aws-service=vpcflowlogs/aws-region=<region>/year=YYYY/month=MM/day=DD[/hour=HH]/<account>_vpcflowlogs_<region>_<flow-log-id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz
// Example (from the pattern): AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2025/month=01/day=02/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20250102T0305Z_fe123456.log.gz
func parseVPCFlowHive(key, rest string) (Location, bool, error) {
	const layout = "vpcflowlogs (Hive)"
	var part [7]string
	r := reader{key: key, layout: layout, rest: rest}
	names := [...]string{"aws-account-id=", "aws-service=", "aws-region=", "year=", "month=", "day=", "hour="}
	n := 6
	if strings.Count(rest, "/") == 7 {
		n = 7
	}
	for i := 0; i < n; i++ {
		s, _ := r.next()
		v, ok := strings.CutPrefix(s, names[i])
		if !ok {
			if i == 1 {
				return Location{}, false, nil // another service with Hive prefixes
			}
			return Location{}, true, r.fail("segment %q is not %s<value>", s, names[i])
		}
		part[i] = v
	}
	if part[1] != "vpcflowlogs" {
		return Location{}, false, nil
	}
	loc := Location{Key: key, Source: SourceAWS, LogType: TypeVPCFlow, Account: part[0], Region: part[2]}
	if !ValidAccountID(part[0]) {
		return Location{}, true, r.fail("account %q is not a 12-digit account id", part[0])
	}
	if !ValidRegion(part[2]) {
		return Location{}, true, r.fail("region %q is not an AWS Region code", part[2])
	}
	var ok bool
	if loc.Time, ok = clock(part[3], part[4], part[5], "", "", ""); !ok {
		return Location{}, true, r.fail("date year=%s/month=%s/day=%s is not a valid YYYY/MM/DD", part[3], part[4], part[5])
	}
	if n == 7 {
		h, ok := atoi(part[6], 2)
		if !ok || h > 23 {
			return Location{}, true, r.fail("hour %q is not two digits in 00-23", part[6])
		}
		loc.Time = loc.Time.Add(time.Duration(h) * time.Hour)
	}
	if err := r.refine(&loc); err != nil {
		return Location{}, true, err
	}
	return loc, true, nil
}

// parseByName recognizes keys whose file name identifies the log type,
// after any prefix.
func parseByName(key string) (Location, bool) {
	dir, name := splitLast(key)
	loc := Location{Key: key, Source: SourceAWS}
	if t, ok := s3AccessName(name, true); ok {
		loc.LogType, loc.Time = TypeS3Access, t
		s3AccessPartition(dir, &loc)
		return loc, true
	}
	if dist, t, ok := cloudFrontName(name); ok {
		loc.LogType, loc.Resource, loc.Time = TypeCloudFront, dist, t
		return loc, true
	}
	if strings.HasPrefix(name, "aws-waf-logs-") {
		// AWS WAF logs through Amazon Data Firehose: the delivery stream name
		// must begin with aws-waf-logs-, and Firehose names objects
		// <stream>-<version>-YYYY-MM-DD-HH-MM-SS-<uuid> under YYYY/MM/DD/HH/.
		// https://docs.aws.amazon.com/waf/latest/developerguide/logging-kinesis.html
		// https://docs.aws.amazon.com/firehose/latest/dev/s3-object-name.html
		// Example: waf/2025/01/02/03/aws-waf-logs-prod-1-2025-01-02-03-04-05-a188030a-62d2-49e6-b7c2-b11f1a7ba250
		loc.LogType = TypeWAF
		loc.Time, _ = firehoseTime(name)
		return loc, true
	}
	if ni := parseServiceName(name); ni.complete {
		ni.apply(&loc)
		return loc, true
	}
	return Location{}, false
}

// splitLast splits key at its last '/' into the directory part (without the
// slash) and the file name.
func splitLast(key string) (dir, name string) {
	i := strings.LastIndexByte(key, '/')
	if i < 0 {
		return "", key
	}
	return key[:i], key[i+1:]
}

// s3AccessName reads the name Amazon S3 gives server access log objects:
// TargetPrefix + YYYY-MM-DD-HH-MM-SS-<UniqueString>; the prefix need not
// end in '/'. strict requires the 16-character upper-case unique string
// seen in real deliveries (the anchor's pattern); otherwise any non-empty
// alphanumeric string is accepted.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html
// Real: AWSLogs/627286350134/s3/2026-01-28-09-26-59-AB82D7306CDE5EF8 (corpus,
// a CloudTrail data event writing it); documented: 2013-11-01-21-32-16-E568B2907131C0C0.
func s3AccessName(name string, strict bool) (time.Time, bool) {
	j := strings.LastIndexByte(name, '-')
	if j < 19 {
		return time.Time{}, false
	}
	unique := name[j+1:]
	if unique == "" || (strict && len(unique) != 16) {
		return time.Time{}, false
	}
	for i := 0; i < len(unique); i++ {
		c := unique[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || !strict && c >= 'a' && c <= 'z') {
			return time.Time{}, false
		}
	}
	return dashTime(name[j-19 : j])
}

// dashTime reads YYYY-MM-DD-HH-MM-SS.
func dashTime(s string) (time.Time, bool) {
	if len(s) != 19 || s[4] != '-' || s[7] != '-' || s[10] != '-' || s[13] != '-' || s[16] != '-' {
		return time.Time{}, false
	}
	return clock(s[0:4], s[5:7], s[8:10], s[11:13], s[14:16], s[17:19])
}

// s3AccessPartition fills account, region, source bucket and the day from
// the partitioned form of S3 server access log keys (date-based
// partitioning, by event time or delivery time):
// [prefix/]<account>/<region>/<bucket>/YYYY/MM/DD/YYYY-MM-DD-HH-MM-SS-<UniqueString>
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html
// Example (from the pattern): logs/123456789012/us-east-1/my-bucket/2025/01/02/2025-01-02-03-04-05-0123456789ABCDEF
// A directory part that does not have that shape is a prefix of the simple
// form and is ignored.
func s3AccessPartition(dir string, loc *Location) {
	var seg [6]string
	for i := len(seg) - 1; i >= 0; i-- {
		d, s := splitLast(dir)
		if s == "" {
			return
		}
		seg[i], dir = s, d
		if i > 0 && d == "" {
			return
		}
	}
	if !ValidAccountID(seg[0]) || !ValidRegion(seg[1]) || seg[2] == "" {
		return
	}
	if _, ok := clock(seg[3], seg[4], seg[5], "", "", ""); !ok {
		return
	}
	loc.Account, loc.Region, loc.Resource = seg[0], seg[1], seg[2]
}

// cloudFrontName reads the name CloudFront gives standard log files:
// [prefix]<distribution-id>.YYYY-MM-DD-HH.<unique-id>.gz
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/AccessLogs.html#AccessLogsFileNaming
// Documented: example-prefix/EMLARXS9EXAMPLE.2019-11-14-20.RT4KCN4SGK9.gz;
// corpus: E3HXCM7PFRG6HT.2023-04-24-21.d740d76bCloudFront.gz.
func cloudFrontName(name string) (dist string, t time.Time, ok bool) {
	base, found := strings.CutSuffix(name, ".gz")
	if !found {
		return "", time.Time{}, false
	}
	j := strings.LastIndexByte(base, '.')
	if j < 0 || j == len(base)-1 || !alnum(base[j+1:]) {
		return "", time.Time{}, false
	}
	head := base[:j]
	if len(head) < 15 || head[len(head)-14] != '.' {
		return "", time.Time{}, false
	}
	s := head[len(head)-13:]
	if s[4] != '-' || s[7] != '-' || s[10] != '-' {
		return "", time.Time{}, false
	}
	if t, ok = clock(s[0:4], s[5:7], s[8:10], s[11:13], "", ""); !ok {
		return "", time.Time{}, false
	}
	id := head[:len(head)-14]
	k := len(id)
	for k > 0 && (id[k-1] >= 'A' && id[k-1] <= 'Z' || id[k-1] >= '0' && id[k-1] <= '9') {
		k--
	}
	if k == len(id) {
		return "", time.Time{}, false
	}
	return id[k:], t, true
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return s != ""
}

// firehoseTime reads the time Amazon Data Firehose puts in object names,
// <stream>-<version>-YYYY-MM-DD-HH-MM-SS-<random>, taking the last match.
// https://docs.aws.amazon.com/firehose/latest/dev/s3-object-name.html
func firehoseTime(name string) (time.Time, bool) {
	for i := len(name) - 21; i >= 0; i-- {
		if name[i] != '-' || name[i+20] != '-' {
			continue
		}
		if t, ok := dashTime(name[i+1 : i+20]); ok {
			return t, true
		}
	}
	return time.Time{}, false
}

// nameInfo is what an <account>_<service>_... file name says.
type nameInfo struct {
	logType, skip, account, region, resource string
	t                                        time.Time
	// complete is set when the name has a valid account, a valid Region
	// where the service puts one, and a time.
	complete bool
}

func (ni *nameInfo) apply(loc *Location) {
	loc.LogType, loc.Skip = ni.logType, ni.skip
	loc.Account, loc.Region, loc.Resource, loc.Time = ni.account, ni.region, ni.resource, ni.t
}

// parseServiceName reads the file names AWS services give objects they
// deliver under AWSLogs/ (formats in the layout comments of parseAWSLogs):
//
//	<account>_CloudTrail[-Insight]_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz
//	<account>_CloudTrail-Digest_<region>_<trail>_<home region>_<YYYYMMDDTHHmmssZ>.json.gz
//	<account>_vpcflowlogs_<region>_<flow-log-id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz
//	<account>_elasticloadbalancing_<region>_<lb-id>_<YYYYMMDDTHHmmZ>[_<ip>]_<random>.log[.gz]
//	<account>_waflogs_<region|cloudfront>_<web-acl>_<YYYYMMDDTHHmmZ>_<hash>.log.gz
//	<account>_vpcdnsquerylogs_<vpc-id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz
//	<account>_network-firewall_<type>_<region>_<firewall>_<YYYYMMDDHHmm>_<hash>.log.gz
//
// Fields that do not validate are left empty; the time is the last token
// with a time's shape, so resource names containing '_' are kept whole.
func parseServiceName(name string) (ni nameInfo) {
	account, rest, ok := strings.Cut(name, "_")
	if !ok {
		return ni
	}
	svc, rest, ok := strings.Cut(rest, "_")
	if !ok {
		return ni
	}
	// Token positions after the service token; -1 when absent.
	regionIdx, resIdx, nfw := 0, -1, false
	switch svc {
	case "CloudTrail", "CloudTrail-Insight":
		ni.logType = TypeCloudTrail
	case "CloudTrail-Digest":
		ni.logType, ni.skip = TypeCloudTrail, SkipCloudTrailDigest
	case "vpcflowlogs":
		ni.logType, resIdx = TypeVPCFlow, 1
	case "elasticloadbalancing":
		ni.logType, resIdx = TypeELB, 1
	case "waflogs":
		ni.logType, resIdx = TypeWAF, 1
	case "vpcdnsquerylogs":
		ni.logType, regionIdx, resIdx = TypeRoute53Resolver, -1, 0
	case "network-firewall":
		ni.logType, regionIdx, resIdx, nfw = TypeNetworkFirewall, 1, 2, true
	default:
		return ni
	}
	regionOK := regionIdx < 0
	first := max(regionIdx, resIdx) + 1 // first token that may be the time
	resStart, timeStart := -1, -1
	for i, start := 0, 0; ; i++ {
		tok := rest[start:]
		end := strings.IndexByte(tok, '_')
		if end >= 0 {
			tok = tok[:end]
		}
		switch {
		case i == regionIdx:
			if ValidRegion(tok) {
				ni.region, regionOK = tok, true
			} else if tok == "cloudfront" && ni.logType == TypeWAF {
				regionOK = true
			}
		case i == resIdx:
			resStart = start
		}
		if i >= first {
			if t, ok := tokenTime(tok, nfw); ok {
				ni.t, timeStart = t, start
			}
		}
		if end < 0 {
			break
		}
		start += end + 1
	}
	if resStart >= 0 && timeStart > resStart {
		ni.resource = rest[resStart : timeStart-1]
	}
	if ValidAccountID(account) {
		ni.account = account
	}
	ni.complete = ni.account != "" && regionOK && timeStart >= 0
	return ni
}

// tokenTime reads YYYYMMDDTHHmmZ or YYYYMMDDTHHmmssZ (and, for Network
// Firewall, YYYYMMDDHHmm), ignoring an extension after the time.
func tokenTime(tok string, allow12 bool) (time.Time, bool) {
	if i := strings.IndexByte(tok, '.'); i >= 0 {
		tok = tok[:i]
	}
	var hh, mm, ss string
	switch {
	case len(tok) == 14 && tok[8] == 'T' && tok[13] == 'Z':
		hh, mm = tok[9:11], tok[11:13]
	case len(tok) == 16 && tok[8] == 'T' && tok[15] == 'Z':
		hh, mm, ss = tok[9:11], tok[11:13], tok[13:15]
	case allow12 && len(tok) == 12:
		hh, mm = tok[8:10], tok[10:12]
	default:
		return time.Time{}, false
	}
	return clock(tok[0:4], tok[4:6], tok[6:8], hh, mm, ss)
}
