package simulate

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// CloudTrail record, field names and shapes as CloudTrail writes them
// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html;
// compare the real records in ../shared/corpus/cloudtrail).
type ctRecord struct {
	EventVersion        string         `json:"eventVersion"`
	UserIdentity        identity       `json:"userIdentity"`
	EventTime           string         `json:"eventTime"`
	EventSource         string         `json:"eventSource"`
	EventName           string         `json:"eventName"`
	AWSRegion           string         `json:"awsRegion"`
	SourceIPAddress     string         `json:"sourceIPAddress"`
	UserAgent           string         `json:"userAgent"`
	ErrorCode           string         `json:"errorCode,omitempty"`
	ErrorMessage        string         `json:"errorMessage,omitempty"`
	RequestParameters   map[string]any `json:"requestParameters"`
	ResponseElements    map[string]any `json:"responseElements"`
	AdditionalEventData map[string]any `json:"additionalEventData,omitempty"`
	RequestID           string         `json:"requestID,omitempty"`
	EventID             string         `json:"eventID"`
	ReadOnly            bool           `json:"readOnly"`
	Resources           []ctResource   `json:"resources,omitempty"`
	EventType           string         `json:"eventType"`
	ManagementEvent     bool           `json:"managementEvent"`
	RecipientAccountID  string         `json:"recipientAccountId"`
	SharedEventID       string         `json:"sharedEventID,omitempty"`
	EventCategory       string         `json:"eventCategory"`
	TLSDetails          *tlsDetails    `json:"tlsDetails,omitempty"`
	ConsoleSession      string         `json:"sessionCredentialFromConsole,omitempty"`
}

type identity struct {
	Type           string          `json:"type"`
	PrincipalID    string          `json:"principalId,omitempty"`
	ARN            string          `json:"arn,omitempty"`
	AccountID      string          `json:"accountId,omitempty"`
	AccessKeyID    string          `json:"accessKeyId,omitempty"`
	UserName       string          `json:"userName,omitempty"`
	SessionContext *sessionContext `json:"sessionContext,omitempty"`
	InvokedBy      string          `json:"invokedBy,omitempty"`
}

type sessionContext struct {
	SessionIssuer sessionIssuer     `json:"sessionIssuer"`
	Attributes    sessionAttributes `json:"attributes"`
}

type sessionIssuer struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId"`
	ARN         string `json:"arn"`
	AccountID   string `json:"accountId"`
	UserName    string `json:"userName"`
}

type sessionAttributes struct {
	CreationDate     string `json:"creationDate,omitempty"`
	MFAAuthenticated string `json:"mfaAuthenticated"`
}

type ctResource struct {
	AccountID string `json:"accountId,omitempty"`
	Type      string `json:"type"`
	ARN       string `json:"ARN"`
}

type tlsDetails struct {
	TLSVersion  string `json:"tlsVersion"`
	CipherSuite string `json:"cipherSuite"`
	Host        string `json:"clientProvidedHostHeader"`
}

// call describes one API call to turn into a record.
type call struct {
	who       principal
	service   string // ec2, iam ... (eventSource is <service>.amazonaws.com)
	name      string
	readOnly  bool
	params    map[string]any
	response  map[string]any
	errorCode string
	errorMsg  string
	resources []ctResource
	data      bool   // a data event (S3 object, Lambda invoke ...)
	eventType string // default AwsApiCall
	extra     map[string]any
}

// record builds the CloudTrail record of c in account a, region, at t.
func (s *state) record(c call, a *account, region string, t time.Time) *ctRecord {
	g := s.g
	id := c.who.identity
	if id.SessionContext != nil {
		sc := *id.SessionContext
		sc.Attributes.CreationDate = t.Add(-time.Duration(g.between(60, 3000)) * time.Second).UTC().Format(time.RFC3339)
		id.SessionContext = &sc
	}
	src := c.who.sourceIP
	if src == "" {
		src = pick(g, s.org.officeIPs)
	}
	host := c.service + "." + region + ".amazonaws.com"
	if c.service == "iam" || c.service == "signin" {
		host = c.service + ".amazonaws.com"
	}
	r := &ctRecord{
		EventVersion: "1.09", UserIdentity: id, EventTime: t.UTC().Format(time.RFC3339),
		EventSource: c.service + ".amazonaws.com", EventName: c.name, AWSRegion: region,
		SourceIPAddress: src, UserAgent: c.who.userAgent, ErrorCode: c.errorCode, ErrorMessage: c.errorMsg,
		RequestParameters: c.params, ResponseElements: c.response, AdditionalEventData: c.extra,
		RequestID: g.uuid(), EventID: g.uuid(), ReadOnly: c.readOnly, Resources: c.resources,
		EventType: "AwsApiCall", ManagementEvent: !c.data, RecipientAccountID: a.ID, EventCategory: "Management",
		TLSDetails: &tlsDetails{TLSVersion: "TLSv1.3", CipherSuite: "TLS_AES_128_GCM_SHA256", Host: host},
	}
	if c.data {
		r.EventCategory = "Data"
	}
	if c.eventType != "" {
		r.EventType = c.eventType
	}
	if c.service == "signin" {
		r.RequestID, r.TLSDetails = "", nil
	}
	if id.Type == "AWSService" {
		r.TLSDetails, r.UserAgent, r.SourceIPAddress = nil, id.InvokedBy, id.InvokedBy
		r.SharedEventID = g.uuid()
	}
	if c.who.userAgent == consoleUA && id.Type != "Root" && c.service != "signin" {
		r.ConsoleSession = "true"
	}
	return r
}

// serviceCaller is an AWS service assuming a role on an account's behalf.
func serviceCaller(svc string) principal {
	return principal{identity: identity{Type: "AWSService", InvokedBy: svc}, name: svc}
}

// template is one kind of background activity: weight is its share of the
// events of an account and region; global ones (IAM, sign-in) happen in the
// home region only.
type template struct {
	weight float64
	global bool
	make   func(s *state, a *account, region string) call
}

// background is the benign activity of every account. It is chosen so that
// no rule at level high or critical fires on it (a test checks): reads by
// workload roles and people, console sign-ins with MFA, S3 object traffic,
// role assumption by services, plus rare, low-level changes that feed the
// report (IAM tags, private security group rules, subnets, routes, RDS tags)
// and the odd mistyped console password.
var background = []template{
	{30, false, func(s *state, a *account, region string) call {
		ops := []string{"DescribeInstances", "DescribeTags", "DescribeVolumes", "DescribeNetworkInterfaces"}
		return call{who: a.instanceRole, service: "ec2", name: pick(s.g, ops), readOnly: true,
			params: map[string]any{"filterSet": map[string]any{}, "instancesSet": map[string]any{}}}
	}},
	{10, false, func(s *state, a *account, region string) call {
		return call{who: a.instanceRole, service: "kms", name: "Decrypt", readOnly: true,
			params:    map[string]any{"encryptionAlgorithm": "SYMMETRIC_DEFAULT", "encryptionContext": map[string]any{"aws:ssm:parameterName": "/app/config"}},
			resources: []ctResource{{AccountID: a.ID, Type: "AWS::KMS::Key", ARN: "arn:aws:kms:" + region + ":" + a.ID + ":key/" + s.g.uuid()}}}
	}},
	{15, false, func(s *state, a *account, region string) call {
		name, ro := "GetObject", true
		if s.g.chance(0.3) {
			name, ro = "PutObject", false
		}
		key := fmt.Sprintf("orders/%s/%s.json", s.g.hex(2), s.g.uuid())
		return call{who: a.lambdaRole, service: "s3", name: name, readOnly: ro, data: true,
			params: map[string]any{"bucketName": a.appBucket, "Host": a.appBucket + ".s3." + region + ".amazonaws.com", "key": key},
			resources: []ctResource{{Type: "AWS::S3::Object", ARN: "arn:aws:s3:::" + a.appBucket + "/" + key},
				{AccountID: a.ID, Type: "AWS::S3::Bucket", ARN: "arn:aws:s3:::" + a.appBucket}}}
	}},
	{8, false, func(s *state, a *account, region string) call {
		ops := [][2]string{{"ec2", "DescribeSecurityGroups"}, {"rds", "DescribeDBInstances"}, {"monitoring", "DescribeAlarms"},
			{"logs", "DescribeLogGroups"}, {"cloudtrail", "DescribeTrails"}, {"s3", "ListBuckets"}, {"lambda", "ListFunctions20150331"}}
		op := pick(s.g, ops)
		return call{who: a.ssoReadOnly, service: op[0], name: op[1], readOnly: true, params: map[string]any{}}
	}},
	{6, false, func(s *state, a *account, region string) call {
		svc := pick(s.g, []string{"lambda.amazonaws.com", "ec2.amazonaws.com", "ecs-tasks.amazonaws.com"})
		role := "orders-processor-role"
		if svc != "lambda.amazonaws.com" {
			role = "app-server"
		}
		arn := "arn:aws:iam::" + a.ID + ":role/" + role
		return call{who: serviceCaller(svc), service: "sts", name: "AssumeRole", readOnly: true,
			params:    map[string]any{"roleArn": arn, "roleSessionName": s.g.hex(12)},
			response:  map[string]any{"credentials": map[string]any{"accessKeyId": "ASIA" + s.g.str(upperAlnum, 16), "expiration": "Nov 1, 2026, 12:00:00 PM"}},
			resources: []ctResource{{AccountID: a.ID, Type: "AWS::IAM::Role", ARN: arn}}}
	}},
	{3, false, func(s *state, a *account, region string) call {
		return call{who: a.ciDeploy, service: "cloudformation", name: pick(s.g, []string{"DescribeStacks", "DescribeStackEvents", "GetTemplate"}), readOnly: true,
			params: map[string]any{"stackName": a.Name + "-app"}}
	}},
	{1, false, func(s *state, a *account, region string) call {
		return call{who: a.instanceRole, service: "secretsmanager", name: "GetSecretValue", readOnly: true,
			params: map[string]any{"secretId": "arn:aws:secretsmanager:" + region + ":" + a.ID + ":secret:prod/app/db-" + s.g.str(mixedAlnum, 6)}}
	}},
	{0.5, false, func(s *state, a *account, region string) call {
		return call{who: a.instanceRole, service: "ec2", name: "DescribeSecurityGroups", readOnly: true, params: map[string]any{},
			errorCode: "Client.UnauthorizedOperation", errorMsg: "You are not authorized to perform this operation. User: " + a.instanceRole.identity.ARN + " is not authorized to perform: ec2:DescribeSecurityGroups because no identity-based policy allows the ec2:DescribeSecurityGroups action"}
	}},
	{3, true, func(s *state, a *account, region string) call {
		u := pick(s.g, a.users[:6])
		return consoleLogin(s, u, true, true)
	}},
	{4, true, func(s *state, a *account, region string) call {
		ops := []string{"ListRoles", "GetRole", "ListAttachedRolePolicies", "ListUsers", "GetAccountSummary"}
		return call{who: a.ssoReadOnly, service: "iam", name: pick(s.g, ops), readOnly: true, params: map[string]any{}}
	}},
	// Rare changes that feed the report at level low.
	{0.1, true, func(s *state, a *account, region string) call {
		return call{who: a.ciDeploy, service: "iam", name: "TagRole", params: map[string]any{"roleName": "app-server",
			"tags": []any{map[string]any{"key": "cost-center", "value": fmt.Sprint(s.g.between(100, 999))}}}}
	}},
	{0.1, true, func(s *state, a *account, region string) call {
		u := pick(s.g, a.users[:6])
		return consoleLogin(s, u, false, true)
	}},
	{0.1, false, func(s *state, a *account, region string) call {
		return call{who: a.ciDeploy, service: "ec2", name: "AuthorizeSecurityGroupIngress", params: map[string]any{
			"groupId": a.sgIDs[region],
			"ipPermissions": map[string]any{"items": []any{map[string]any{"ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432,
				"ipRanges": map[string]any{"items": []any{map[string]any{"cidrIp": a.vpcCIDR[region].String(), "description": "app to db"}}}}}}},
			response: map[string]any{"_return": true, "securityGroupRuleSet": map[string]any{"items": []any{map[string]any{
				"groupId": a.sgIDs[region], "isEgress": false, "ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432,
				"cidrIpv4": a.vpcCIDR[region].String(), "securityGroupRuleId": "sgr-0" + s.g.hex(16)}}}}}
	}},
	{0.1, false, func(s *state, a *account, region string) call {
		return call{who: a.ciDeploy, service: "ec2", name: "CreateSubnet", params: map[string]any{
			"vpcId": a.vpcIDs[region], "cidrBlock": a.vpcCIDR[region].String(), "availabilityZone": region + "a"},
			response: map[string]any{"subnet": map[string]any{"subnetId": "subnet-0" + s.g.hex(16), "vpcId": a.vpcIDs[region], "state": "available"}}}
	}},
	{0.1, false, func(s *state, a *account, region string) call {
		return call{who: a.ciDeploy, service: "ec2", name: "CreateRoute", params: map[string]any{
			"routeTableId": "rtb-0" + s.g.hex(16), "destinationCidrBlock": "10.200.0.0/16", "transitGatewayId": "tgw-0" + s.g.hex(16)},
			response: map[string]any{"_return": true}}
	}},
	{0.1, false, func(s *state, a *account, region string) call {
		return call{who: a.ciDeploy, service: "rds", name: "AddTagsToResource", params: map[string]any{
			"resourceName": "arn:aws:rds:" + region + ":" + a.ID + ":db:" + a.Name + "-db",
			"tags":         []any{map[string]any{"key": "backup", "value": "daily"}}}}
	}},
	{0.1, false, func(s *state, a *account, region string) call {
		it := pick(s.g, []string{"t3.micro", "t3.small", "m5.large"})
		return call{who: a.ciDeploy, service: "ec2", name: "RunInstances", params: map[string]any{
			"instanceType": it, "instancesSet": map[string]any{"items": []any{map[string]any{"imageId": "ami-0" + s.g.hex(16), "minCount": 1, "maxCount": 1}}}},
			response: map[string]any{"instancesSet": map[string]any{"items": []any{map[string]any{"instanceId": "i-0" + s.g.hex(16), "instanceType": it}}}}}
	}},
}

// consoleLogin is a console password sign-in of IAM user u.
func consoleLogin(s *state, u principal, success, mfa bool) call {
	id := u.identity
	id.AccessKeyID = ""
	u.identity = id
	u.userAgent = consoleUA
	c := call{who: u, service: "signin", name: "ConsoleLogin", eventType: "AwsConsoleSignIn",
		response: map[string]any{"ConsoleLogin": "Success"},
		extra: map[string]any{"LoginTo": "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true",
			"MobileVersion": "No", "MFAUsed": "No"}}
	if mfa {
		c.extra["MFAUsed"] = "Yes"
		c.extra["MFAIdentifier"] = "arn:aws:iam::" + id.AccountID + ":mfa/" + u.name
	}
	if !success {
		c.response["ConsoleLogin"] = "Failure"
		c.errorMsg = "Failed authentication"
	}
	return c
}

// pickTemplate picks a background template by weight among those allowed
// in the region (global ones only in the home region).
func (s *state) pickTemplate(home bool) *template {
	total := s.weights[0]
	if home {
		total = s.weights[1]
	}
	x := s.g.r.Float64() * total
	for i := range background {
		t := &background[i]
		if t.global && !home {
			continue
		}
		if x < t.weight {
			return t
		}
		x -= t.weight
	}
	return &background[0]
}

// GenerateCloudTrail writes one CloudTrail log file ({"Records":[...]},
// not compressed) of n background records spread over the accounts of an
// organization of five, one every second from the default start time, for
// benchmarks of any size. It holds at most one record in memory.
func GenerateCloudTrail(w io.Writer, n int, seed uint64) error {
	opts := Options{Seed: seed}
	if err := opts.defaults(); err != nil {
		return err
	}
	s := newState(opts)
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(`{"Records":[`)
	for i := range n {
		a := s.org.accounts[i%len(s.org.accounts)]
		region := s.org.regions[(i/len(s.org.accounts))%len(s.org.regions)]
		t := opts.Start.Add(time.Duration(i) * time.Second)
		tmpl := s.pickTemplate(region == s.org.regions[0])
		b, err := json.Marshal(s.record(tmpl.make(s, a, region), a, region, t))
		if err != nil {
			return fmt.Errorf("simulate: encode CloudTrail record: %w", err)
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.Write(b)
	}
	bw.WriteString("]}\n")
	return bw.Flush()
}
