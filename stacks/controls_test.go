package stacks

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/orgsiem/orgsiem/member"
	"github.com/orgsiem/orgsiem/policies"
)

// TestSecurityHubControls checks, on the recorded resources of the sample
// organization, every AWS Security Hub Foundational Security Best Practices
// (FSBP) and CIS control that applies to the resource types orgsiem creates.
// Subtests are named with the control id; README.md (Deploying) lists them.
func TestSecurityHubControls(t *testing.T) {
	dev := mustDeploy(t, sampleConfig(t))
	prodCfg := sampleConfig(t)
	prodCfg["opensearchProfile"] = "prod"
	prod := mustDeploy(t, prodCfg)
	o := Config{OrganizationID: sampleOrg, ManagementAccountID: sampleManagement, LogArchiveAccountID: sampleLogArchive,
		SecurityAccountID: sampleSecurity, HomeRegion: sampleHome}.Org()
	template := baselineTemplate(t, dev)

	bucketPolicies := func(t *testing.T) map[string]policies.Document {
		out := map[string]policies.Document{}
		for _, r := range ofType(dev, "aws:s3/bucketPolicy:BucketPolicy") {
			d, err := policies.Parse([]byte(asString(r.Inputs["policy"])))
			if err != nil {
				t.Fatal(err)
			}
			out[r.Name] = d
		}
		if len(out) != 4 {
			t.Fatalf("%d bucket policies, want 4 (archive, snapshots, two artifact buckets)", len(out))
		}
		return out
	}
	// configOf returns, per bucket resource id, the configuration resources
	// of a type (they reference the bucket by id).
	configOf := func(t *testing.T, token string, check func(r recorded) error) {
		t.Helper()
		byBucket := map[string]recorded{}
		for _, r := range ofType(dev, token) {
			byBucket[asString(r.Inputs["bucket"])] = r
		}
		for _, b := range ofType(dev, "aws:s3/bucketV2:BucketV2") {
			c, ok := byBucket[b.Name+"_id"]
			if !ok {
				t.Errorf("bucket %s has no %s", asString(b.Inputs["bucket"]), token)
				continue
			}
			if err := check(c); err != nil {
				t.Errorf("bucket %s: %v", asString(b.Inputs["bucket"]), err)
			}
		}
	}
	domain := func(t *testing.T, rs []recorded) map[string]any {
		d := ofType(rs, "aws:opensearch/domain:Domain")
		if len(d) != 1 {
			t.Fatalf("%d domains", len(d))
		}
		return d[0].Inputs
	}
	want := func(t *testing.T, what string, got, w any) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("%s = %v, want %v", what, got, w)
		}
	}

	controls := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"S3.2 and S3.3 no bucket allows public read or write", func(t *testing.T) {
			for name, d := range bucketPolicies(t) {
				for _, action := range []string{"s3:GetObject", "s3:PutObject", "s3:ListBucket"} {
					r := policies.Request{Action: action, Resource: "arn:aws:s3:::any/lambda/x.zip",
						Context: map[string][]string{"aws:SecureTransport": {"true"}}}
					for _, res := range d.Statement {
						if len(res.Resource) > 0 {
							r.Resource = strings.TrimSuffix(res.Resource[0], "*") + "x"
						}
						if dec := d.Evaluate(r); dec == policies.Allowed || dec == policies.AllowViaAccount {
							t.Errorf("%s allows anonymous %s on %s", name, action, r.Resource)
						}
					}
				}
			}
		}},
		{"S3.5 buckets refuse requests without TLS", func(t *testing.T) {
			for name, d := range bucketPolicies(t) {
				r := policies.RoleRequest("arn:aws:iam::"+sampleSecurity+":role/orgsiem-loader", sampleOrg, "s3:GetObject", "")
				for _, st := range d.Statement {
					if st.Sid == "DenyInsecureTransport" {
						r.Resource = strings.TrimSuffix(st.Resource[len(st.Resource)-1], "*") + "key"
					}
				}
				if got := d.Evaluate(r.With("aws:SecureTransport", "false")); got != policies.Denied {
					t.Errorf("%s: a plain HTTP request is %v, want denied", name, got)
				}
			}
		}},
		{"S3.6 bucket policies grant other accounts no bucket administration", func(t *testing.T) {
			admin := []string{"s3:DeleteBucketPolicy", "s3:PutBucketAcl", "s3:PutBucketPolicy", "s3:PutEncryptionConfiguration", "s3:PutObjectAcl"}
			for name, d := range bucketPolicies(t) {
				for _, st := range d.Statement {
					for _, res := range st.Resource {
						for _, a := range admin {
							r := policies.RoleRequest("arn:aws:iam::444444444444:role/anything", sampleOrg, a, strings.ReplaceAll(res, "*", "x"))
							r = r.With("aws:PrincipalAccount", "444444444444")
							if dec := d.Evaluate(r); dec == policies.Allowed || dec == policies.AllowViaAccount {
								t.Errorf("%s lets another account %s", name, a)
							}
						}
					}
				}
			}
		}},
		{"S3.8 buckets block public access", func(t *testing.T) {
			configOf(t, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", func(r recorded) error {
				for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
					if r.Inputs[k] != true {
						return fmt.Errorf("%s is not true", k)
					}
				}
				return nil
			})
		}},
		{"S3.11 the archive bucket sends event notifications to the ingest queue", func(t *testing.T) {
			n := ofType(dev, "aws:s3/bucketNotification:BucketNotification")
			if len(n) != 1 {
				t.Fatalf("%d bucket notifications", len(n))
			}
			qs, _ := n[0].Inputs["queues"].([]any)
			if len(qs) == 0 || get(qs[0], "queueArn") != o.IngestQueueARN() {
				t.Errorf("notifications %v do not target %s", qs, o.IngestQueueARN())
			}
		}},
		{"S3.12 buckets do not use ACLs (bucket owner enforced)", func(t *testing.T) {
			configOf(t, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", func(r recorded) error {
				if v := get(r.Inputs, "rule.objectOwnership"); v != "BucketOwnerEnforced" {
					return fmt.Errorf("ownership %v", v)
				}
				return nil
			})
		}},
		{"S3.13 buckets have lifecycle configurations", func(t *testing.T) {
			configOf(t, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", func(r recorded) error {
				if rules, _ := r.Inputs["rules"].([]any); len(rules) == 0 {
					return fmt.Errorf("no lifecycle rule")
				}
				return nil
			})
			for _, r := range ofType(dev, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2") {
				if r.Inputs["bucket"] != "archive-bucket_id" {
					continue
				}
				rule := r.Inputs["rules"].([]any)[0]
				want(t, "archive transition", get(rule, "transitions"), "[map[days:90 storageClass:GLACIER]]")
				// Expiration adds a delete marker; the version is deleted
				// NoncurrentDays later: the two add up to expireAfterDays.
				want(t, "archive retention", fmt.Sprint(get(rule, "expiration.days"), "+", get(rule, "noncurrentVersionExpiration.noncurrentDays")), "2556+1")
			}
		}},
		{"S3.14 buckets have versioning enabled", func(t *testing.T) {
			configOf(t, "aws:s3/bucketVersioningV2:BucketVersioningV2", func(r recorded) error {
				if v := get(r.Inputs, "versioningConfiguration.status"); v != "Enabled" {
					return fmt.Errorf("versioning %v", v)
				}
				return nil
			})
		}},
		{"S3.15 the archive bucket has Object Lock enabled", func(t *testing.T) {
			for _, b := range ofType(dev, "aws:s3/bucketV2:BucketV2") {
				if asString(b.Inputs["bucket"]) == o.ArchiveBucket() && b.Inputs["objectLockEnabled"] != true {
					t.Errorf("archive bucket without Object Lock")
				}
			}
			l := ofType(dev, "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2")
			if len(l) != 1 {
				t.Fatalf("%d object lock configurations, want 1", len(l))
			}
			want(t, "retention", get(l[0].Inputs, "rule.defaultRetention"), "map[days:365 mode:GOVERNANCE]")
		}},
		{"S3.17 the archive and snapshot buckets are encrypted with KMS keys", func(t *testing.T) {
			configOf(t, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", func(r recorded) error {
				rule := r.Inputs["rules"].([]any)[0]
				algo := get(rule, "applyServerSideEncryptionByDefault.sseAlgorithm")
				artifact := strings.HasPrefix(asString(r.Inputs["bucket"]), "artifacts-")
				switch {
				case artifact && algo == "AES256":
					return nil // documented exception: code read by every account
				case algo != "aws:kms" || get(rule, "applyServerSideEncryptionByDefault.kmsMasterKeyId") == nil:
					return fmt.Errorf("encryption %v", rule)
				case get(rule, "bucketKeyEnabled") != true:
					return fmt.Errorf("no bucket key")
				}
				return nil
			})
		}},
		{"CloudTrail.1 the organization trail is multi-region with management events", func(t *testing.T) {
			tr := ofType(dev, "aws:cloudtrail/trail:Trail")
			if len(tr) != 1 {
				t.Fatalf("%d trails", len(tr))
			}
			in := tr[0].Inputs
			for _, k := range []string{"isMultiRegionTrail", "isOrganizationTrail", "includeGlobalServiceEvents", "enableLogging"} {
				want(t, k, in[k], true)
			}
			sel := in["advancedEventSelectors"].([]any)
			want(t, "management selector", get(sel[0], "fieldSelectors"), "[map[equals:[Management] field:eventCategory]]")
		}},
		{"CloudTrail.2 the trail encrypts log files with a KMS key", func(t *testing.T) {
			if k := asString(ofType(dev, "aws:cloudtrail/trail:Trail")[0].Inputs["kmsKeyId"]); !strings.HasPrefix(k, "arn:aws:kms:") {
				t.Errorf("kmsKeyId %q", k)
			}
		}},
		{"CloudTrail.4 the trail validates log files", func(t *testing.T) {
			want(t, "enableLogFileValidation", ofType(dev, "aws:cloudtrail/trail:Trail")[0].Inputs["enableLogFileValidation"], true)
		}},
		{"CloudTrail.7 every access to the trail bucket is recorded except the loader's own reads", func(t *testing.T) {
			sel := ofType(dev, "aws:cloudtrail/trail:Trail")[0].Inputs["advancedEventSelectors"].([]any)
			got, _ := json.Marshal(get(sel[1], "fieldSelectors"))
			for _, s := range []string{`"AWS::S3::Object"`, `"startsWiths":["` + o.ArchiveBucketARN() + `/"]`,
				`"notStartsWiths":["arn:aws:sts::` + sampleSecurity + `:assumed-role/orgsiem-loader/"]`} {
				if !strings.Contains(string(got), s) {
					t.Errorf("data event selector %s lacks %s", got, s)
				}
			}
		}},
		{"Opensearch.1 the domain encrypts at rest with a KMS key", func(t *testing.T) {
			d := domain(t, dev)
			want(t, "encryptAtRest.enabled", get(d, "encryptAtRest.enabled"), true)
			if !strings.HasPrefix(asString(get(d, "encryptAtRest.kmsKeyId")), "arn:aws:kms:") {
				t.Errorf("no customer key: %v", get(d, "encryptAtRest"))
			}
		}},
		{"Opensearch.2 the domain is in a VPC, without a public endpoint", func(t *testing.T) {
			d := domain(t, dev)
			if s, _ := get(d, "vpcOptions.subnetIds").([]any); len(s) != 1 {
				t.Errorf("dev subnets %v, want 1", s)
			}
			if s, _ := get(domain(t, prod), "vpcOptions.subnetIds").([]any); len(s) != 3 {
				t.Errorf("prod subnets %v, want 3", s)
			}
			if len(ofType(dev, "aws:ec2/internetGateway:InternetGateway")) > 0 {
				t.Error("an internet gateway exists")
			}
		}},
		{"Opensearch.3 node-to-node encryption is on", func(t *testing.T) {
			want(t, "nodeToNodeEncryption.enabled", get(domain(t, dev), "nodeToNodeEncryption.enabled"), true)
		}},
		{"Opensearch.4 error logs go to CloudWatch Logs", func(t *testing.T) { logPublishing(t, domain(t, dev), "ES_APPLICATION_LOGS") }},
		{"Opensearch.5 audit logging is on", func(t *testing.T) { logPublishing(t, domain(t, dev), "AUDIT_LOGS") }},
		{"Opensearch.6 prod has at least three data nodes across three zones", func(t *testing.T) {
			d := domain(t, prod)
			want(t, "instanceCount", get(d, "clusterConfig.instanceCount"), 3)
			want(t, "zoneAwarenessEnabled", get(d, "clusterConfig.zoneAwarenessEnabled"), true)
			want(t, "availabilityZoneCount", get(d, "clusterConfig.zoneAwarenessConfig.availabilityZoneCount"), 3)
		}},
		{"Opensearch.7 fine-grained access control with an IAM master role", func(t *testing.T) {
			d := domain(t, dev)
			want(t, "advancedSecurityOptions.enabled", get(d, "advancedSecurityOptions.enabled"), true)
			want(t, "internal user database", get(d, "advancedSecurityOptions.internalUserDatabaseEnabled"), false)
			want(t, "anonymous auth", get(d, "advancedSecurityOptions.anonymousAuthEnabled"), false)
			if !strings.HasSuffix(asString(get(d, "advancedSecurityOptions.masterUserOptions.masterUserArn")), ":role/orgsiem-maintain") {
				t.Errorf("master user %v", get(d, "advancedSecurityOptions.masterUserOptions"))
			}
		}},
		{"Opensearch.8 HTTPS only with the current TLS 1.2 policy", func(t *testing.T) {
			d := domain(t, dev)
			want(t, "enforceHttps", get(d, "domainEndpointOptions.enforceHttps"), true)
			want(t, "tlsSecurityPolicy", get(d, "domainEndpointOptions.tlsSecurityPolicy"), "Policy-Min-TLS-1-2-PFS-2023-10")
		}},
		{"Opensearch.10 software updates install automatically", func(t *testing.T) {
			want(t, "autoSoftwareUpdateEnabled", get(domain(t, dev), "softwareUpdateOptions.autoSoftwareUpdateEnabled"), true)
		}},
		{"Opensearch.11 prod has three dedicated primary nodes", func(t *testing.T) {
			d := domain(t, prod)
			want(t, "dedicatedMasterEnabled", get(d, "clusterConfig.dedicatedMasterEnabled"), true)
			want(t, "dedicatedMasterCount", get(d, "clusterConfig.dedicatedMasterCount"), 3)
		}},
		{"Lambda.1 no function policy allows public invocation", func(t *testing.T) {
			perms := ofType(dev, "aws:lambda/permission:Permission")
			if len(perms) == 0 {
				t.Fatal("no Lambda permissions recorded")
			}
			for _, p := range perms {
				if !strings.HasSuffix(asString(p.Inputs["principal"]), ".amazonaws.com") || asString(p.Inputs["sourceArn"]) == "" {
					t.Errorf("permission %s: principal %v source %v", p.Name, p.Inputs["principal"], p.Inputs["sourceArn"])
				}
			}
			for id, r := range template.Resources {
				if r.Type != "AWS::Lambda::Permission" {
					continue
				}
				if !strings.HasSuffix(fmt.Sprint(r.Properties["Principal"]), ".amazonaws.com") || r.Properties["SourceArn"] == nil {
					t.Errorf("template permission %s is not pinned: %v", id, r.Properties)
				}
			}
		}},
		{"Lambda.2 functions use a supported runtime", func(t *testing.T) {
			fns := ofType(dev, "aws:lambda/function:Function")
			if len(fns) != 4 {
				t.Fatalf("%d central functions, want 4 (loader, report, maintain, directory)", len(fns))
			}
			for _, f := range fns {
				want(t, f.Name+" runtime", f.Inputs["runtime"], "provided.al2023")
			}
			n := 0
			for id, r := range template.Resources {
				if r.Type == "AWS::Lambda::Function" {
					n++
					want(t, id+" runtime", r.Properties["Runtime"], "provided.al2023")
				}
			}
			if n != 2 {
				t.Errorf("%d baseline functions, want 2", n)
			}
		}},
		{"Lambda.3 functions that talk to OpenSearch run in the VPC", func(t *testing.T) {
			for _, f := range ofType(dev, "aws:lambda/function:Function") {
				if f.Inputs["name"] == policies.DirectoryFunction {
					// Calls Organizations (no VPC endpoint), never OpenSearch.
					if get(f.Inputs, "vpcConfig") != nil {
						t.Errorf("%s is in a VPC: Organizations has no VPC endpoint", f.Name)
					}
					continue
				}
				if s, _ := get(f.Inputs, "vpcConfig.subnetIds").([]any); len(s) == 0 {
					t.Errorf("%s is not in the VPC", f.Name)
				}
				if g, _ := get(f.Inputs, "vpcConfig.securityGroupIds").([]any); len(g) != 1 {
					t.Errorf("%s security groups %v", f.Name, g)
				}
			}
		}},
		{"Lambda.5 VPC functions span several availability zones", func(t *testing.T) {
			for _, f := range ofType(dev, "aws:lambda/function:Function") {
				if f.Inputs["name"] == policies.DirectoryFunction {
					continue
				}
				if s, _ := get(f.Inputs, "vpcConfig.subnetIds").([]any); len(s) < 2 {
					t.Errorf("%s runs in %d subnets", f.Name, len(s))
				}
			}
		}},
		{"SQS.1 queues are encrypted at rest", func(t *testing.T) {
			qs := ofType(dev, "aws:sqs/queue:Queue")
			if len(qs) != 2 {
				t.Fatalf("%d queues, want 2", len(qs))
			}
			for _, q := range qs {
				if q.Inputs["sqsManagedSseEnabled"] != true && q.Inputs["kmsMasterKeyId"] == nil {
					t.Errorf("queue %s is not encrypted", q.Name)
				}
			}
		}},
		{"SNS.1 topics are encrypted with KMS", func(t *testing.T) {
			for _, tp := range ofType(dev, "aws:sns/topic:Topic") {
				if !strings.HasPrefix(asString(tp.Inputs["kmsMasterKeyId"]), "arn:aws:kms:") {
					t.Errorf("topic %s kms %v", tp.Name, tp.Inputs["kmsMasterKeyId"])
				}
			}
		}},
		{"KMS.4 customer managed keys rotate", func(t *testing.T) {
			keys := ofType(dev, "aws:kms/key:Key")
			if len(keys) != 2 {
				t.Fatalf("%d keys, want 2", len(keys))
			}
			for _, k := range keys {
				want(t, k.Name+" rotation", k.Inputs["enableKeyRotation"], true)
			}
		}},
		{"IAM.1 and IAM.21 no policy grants wildcard actions, and * resources only where the API requires", func(t *testing.T) {
			docs := renderedPolicies(t, dev)
			for id, r := range template.Resources {
				if r.Type == "AWS::IAM::Role" {
					b, _ := json.Marshal(r.Properties["Policies"])
					var ps []struct{ PolicyDocument policies.Document }
					if err := json.Unmarshal(b, &ps); err != nil {
						t.Fatal(err)
					}
					for _, p := range ps {
						docs["template "+id] = p.PolicyDocument
					}
				}
			}
			// Statements where "*" is required: key policies ("this key")
			// and EC2 network interfaces of VPC Lambdas.
			// organizations:ListAccounts has no resource type (Service
			// Authorization Reference, AWS Organizations).
			starOK := map[string]bool{"VPCNetworkInterfaces": true, "EnableIAMPolicies": true, "ListAccounts": true}
			for name, d := range docs {
				for _, st := range d.Statement {
					if st.Effect != policies.Allow {
						continue
					}
					for _, a := range st.Action {
						if a == "*" || (strings.HasSuffix(a, ":*") && st.Sid != "EnableIAMPolicies") {
							t.Errorf("%s %s allows %s", name, st.Sid, a)
						}
					}
					for _, r := range st.Resource {
						keyPolicy := strings.HasPrefix(name, "aws:kms/key:Key")
						if r == "*" && !starOK[st.Sid] && !keyPolicy {
							t.Errorf("%s %s allows resource *", name, st.Sid)
						}
					}
				}
			}
		}},
		{"EC2.SG OpenSearch accepts HTTPS only from the Lambda and access-host security groups", func(t *testing.T) {
			n := 0
			for _, r := range ofType(dev, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
				from := r.Inputs["referencedSecurityGroupId"]
				if r.Inputs["cidrIpv4"] != nil || from != "siem-lambdas_id" && from != "siem-access-host_id" || r.Inputs["fromPort"] != 443.0 && r.Inputs["fromPort"] != 443 {
					t.Errorf("ingress %s: %v", r.Name, r.Inputs)
				}
				if r.Inputs["securityGroupId"] == "siem-opensearch_id" {
					n++
				}
			}
			if n != 2 {
				t.Errorf("%d ingress rules on the OpenSearch group, want 2 (Lambdas, access host)", n)
			}
		}},
	}
	for _, c := range controls {
		t.Run(c.name, c.check)
	}
}

func logPublishing(t *testing.T, d map[string]any, typ string) {
	t.Helper()
	opts, _ := d["logPublishingOptions"].([]any)
	for _, o := range opts {
		if get(o, "logType") == typ && get(o, "enabled") == true && asString(get(o, "cloudwatchLogGroupArn")) != "" {
			return
		}
	}
	t.Errorf("no enabled %s publishing in %v", typ, opts)
}

// baselineTemplate decodes the StackSet's template.
func baselineTemplate(t *testing.T, rs []recorded) member.Template {
	t.Helper()
	var tmpl member.Template
	if err := json.Unmarshal([]byte(asString(ofType(rs, "aws:cloudformation/stackSet:StackSet")[0].Inputs["templateBody"])), &tmpl); err != nil {
		t.Fatal(err)
	}
	return tmpl
}
