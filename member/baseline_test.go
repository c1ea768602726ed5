package member

import (
	"encoding/json"
	"github.com/orgsiem/orgsiem/internal/sharedtest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dlclark/regexp2"
	"github.com/orgsiem/orgsiem/policies"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

var sampleOrg = policies.Org{ID: "o-abcdef1234", Management: "111111111111", LogArchive: "222222222222", Security: "333333333333", HomeRegion: "eu-west-1"}

func sampleConfig(mode string) Config {
	return Config{
		Org: sampleOrg, ArchiveKeyARN: "arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		Mode: mode, Include: []string{"/aws/lambda/*"}, Exclude: []string{"/aws/lambda/noisy"},
		OwnLogGroups:     []string{"/aws/lambda/orgsiem-transfer", "/aws/lambda/orgsiem-subscribe"},
		LogRetentionDays: 365, SweepSchedule: "rate(1 day)",
		TransferCodeKey: "lambda/transfer-0123456789abcdef.zip", SubscribeCodeKey: "lambda/subscribe-0123456789abcdef.zip",
	}
}

func render(t *testing.T, c Config) (string, Template) {
	t.Helper()
	tmpl, err := Baseline(c)
	if err != nil {
		t.Fatal(err)
	}
	s, err := tmpl.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return s, tmpl
}

func TestManagementAndMembersGetTheSameTemplate(t *testing.T) {
	// The StackSet and the management stacks are both rendered from one
	// Config; two instantiations must give byte-identical templates.
	a, _ := render(t, sampleConfig(ModeLogGroup))
	b, _ := render(t, sampleConfig(ModeLogGroup))
	if a != b {
		t.Fatal("two instantiations of the baseline differ")
	}
	c := sampleConfig(ModeLogGroup)
	c.ArchiveKeyARN = "arn:aws:kms:eu-west-1:222222222222:key/other"
	if d, _ := render(t, c); d == a {
		t.Error("the template does not depend on its configuration")
	}
}

func TestBaselineContentsPerMode(t *testing.T) {
	for _, mode := range []string{ModeLogGroup, ModeAccount} {
		t.Run(mode+" mode deploys the subscribe Lambda, which knows the mode", func(t *testing.T) {
			c := sampleConfig(mode)
			if mode == ModeAccount {
				c.Include = nil
			}
			_, tmpl := render(t, c)
			for _, id := range []string{SubscribeFunctionID, CreateLogGroupRuleID, SweepRuleID, InitialSweepID, TransferLogsInvokeID, AlarmForwardRuleID, SubscribeErrorsAlarmID, TransferErrorsAlarmID} {
				if _, ok := tmpl.Resources[id]; !ok {
					t.Errorf("%s missing", id)
				}
			}
			// The account policy is the subscribe Lambda's to put: as a
			// template resource it would fail the stack instance of an
			// account that already has one (one per account and Region).
			for id, r := range tmpl.Resources {
				if r.Type == "AWS::Logs::AccountPolicy" {
					t.Errorf("%s is an account policy resource", id)
				}
			}
			fn := tmpl.Resources[SubscribeFunctionID].Properties
			vars := fn["Environment"].(Props)["Variables"].(Props)
			if vars[EnvSubscriptionMode] != mode || fn["RecursiveLoop"] != "Allow" {
				t.Errorf("mode %v, RecursiveLoop %v", vars[EnvSubscriptionMode], fn["RecursiveLoop"])
			}
			doc, _ := json.Marshal(tmpl.Resources[SubscribeRoleID].Properties["Policies"])
			if got := strings.Contains(string(doc), "logs:PutAccountPolicy"); got != (mode == ModeAccount) {
				t.Errorf("role may put account policies: %v", got)
			}
			if !strings.Contains(string(doc), `"lambda:InvokeFunction"`) {
				t.Error("the subscribe role cannot invoke itself to continue a sweep")
			}
		})
	}
}

func TestBaselineRefusesBadInput(t *testing.T) {
	c := sampleConfig("stream")
	if _, err := Baseline(c); err == nil || !strings.Contains(err.Error(), "stream") {
		t.Errorf("unknown mode: %v", err)
	}
	c = sampleConfig(ModeAccount)
	c.Exclude = []string{"/aws/lambda/noisy-*"}
	if _, err := Baseline(c); err == nil || !strings.Contains(err.Error(), "noisy-*") {
		t.Errorf("pattern in account mode: %v", err)
	}
}

// TestTemplateValidatesAgainstCloudFormationSchemas validates each
// resource's Properties against the resource provider schema, after
// resolving intrinsic functions to plausible values (the schemas describe
// resolved values), and checks every reference names a resource.
func TestTemplateValidatesAgainstCloudFormationSchemas(t *testing.T) {
	dir := sharedtest.Require(t, "specs", "cloudformation")
	compiled := map[string]*jsonschema.Schema{}
	schemaFor := func(typ string) *jsonschema.Schema {
		if s, ok := compiled[typ]; ok {
			return s
		}
		file := filepath.Join(dir, strings.ToLower(strings.ReplaceAll(typ, "::", "-"))+".json")
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("resource type %s has no schema: %v", typ, err)
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		delete(doc, "$schema")
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft7)
		c.UseRegexpEngine(ecmaRegexp)
		if err := c.AddResource(file, doc); err != nil {
			t.Fatal(err)
		}
		s, err := c.Compile(file)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		compiled[typ] = s
		return s
	}
	for _, mode := range []string{ModeLogGroup, ModeAccount} {
		t.Run(mode+" mode", func(t *testing.T) {
			c := sampleConfig(mode)
			if mode == ModeAccount {
				c.Include = nil
			}
			body, _ := render(t, c)
			var tmpl struct {
				Resources map[string]struct {
					Type       string
					DependsOn  []string
					Properties map[string]any
				}
			}
			if err := json.Unmarshal([]byte(body), &tmpl); err != nil {
				t.Fatalf("template is not valid JSON: %v", err)
			}
			types := map[string]string{}
			for id, r := range tmpl.Resources {
				types[id] = r.Type
			}
			res := resolver{t: t, types: types}
			for id, r := range tmpl.Resources {
				for _, d := range r.DependsOn {
					if _, ok := types[d]; !ok {
						t.Errorf("%s depends on unknown %s", id, d)
					}
				}
				props := res.resolve(r.Properties)
				if err := schemaFor(r.Type).Validate(props); err != nil {
					t.Errorf("%s (%s): %v", id, r.Type, err)
				}
				// The schemas are closed (custom resources take any
				// property): a misspelt property must fail.
				if r.Type == "AWS::CloudFormation::CustomResource" {
					continue
				}
				bad := res.resolve(r.Properties).(map[string]any)
				bad["Misspelt"] = "x"
				if schemaFor(r.Type).Validate(bad) == nil {
					t.Errorf("%s (%s): the schema accepts an unknown property", id, r.Type)
				}
			}
		})
	}
}

type ecma struct{ re *regexp2.Regexp }

func (e ecma) MatchString(s string) bool { ok, err := e.re.MatchString(s); return err == nil && ok }
func (e ecma) String() string            { return e.re.String() }

func ecmaRegexp(s string) (jsonschema.Regexp, error) {
	re, err := regexp2.Compile(s, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	return ecma{re}, nil
}

// resolver replaces intrinsic functions with values of the shape
// CloudFormation would substitute.
type resolver struct {
	t     *testing.T
	types map[string]string
}

var subVar = regexp.MustCompile(`\$\{([^}!]+)\}`)

func (r resolver) arn(id string) string {
	typ, ok := r.types[id]
	if !ok {
		r.t.Errorf("reference to unknown resource %s", id)
		return "arn:aws:unknown"
	}
	switch typ {
	case "AWS::Lambda::Function":
		return "arn:aws:lambda:eu-west-1:444444444444:function:" + id
	case "AWS::IAM::Role":
		return "arn:aws:iam::444444444444:role/" + id
	case "AWS::Events::Rule":
		return "arn:aws:events:eu-west-1:444444444444:rule/" + id
	}
	return "arn:aws:" + strings.ToLower(strings.Split(typ, "::")[1]) + ":eu-west-1:444444444444:" + id
}

func (r resolver) ref(name string) string {
	switch name {
	case "AWS::AccountId":
		return "444444444444"
	case "AWS::Region":
		return "eu-west-1"
	case "AWS::Partition":
		return "aws"
	}
	if _, ok := r.types[name]; !ok {
		r.t.Errorf("Ref to unknown %s", name)
	}
	return "physical-" + name
}

func (r resolver) resolve(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			if ref, ok := x["Ref"].(string); ok {
				return r.ref(ref)
			}
			if ga, ok := x["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
				return r.arn(ga[0].(string))
			}
			if s, ok := x["Fn::Sub"].(string); ok {
				return subVar.ReplaceAllStringFunc(s, func(m string) string {
					name := m[2 : len(m)-1]
					if res, attr, ok := strings.Cut(name, "."); ok && attr == "Arn" {
						return r.arn(res)
					}
					if strings.HasPrefix(name, "aws:") {
						return m // an IAM policy variable, left for IAM
					}
					return r.ref(name)
				})
			}
		}
		out := map[string]any{}
		for k, e := range x {
			out[k] = r.resolve(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.resolve(e)
		}
		return out
	}
	return v
}
