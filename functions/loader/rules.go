package loader

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"sort"
	"strings"
	"testing/fstest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/logs"
)

// Rules is the catalog the loader detects with: the built-in rules plus
// the valid custom rules, with the configured parameters, built by
// detect.Assembly exactly as orgsiem scan builds its own.
type Rules struct {
	Catalog *detect.Catalog
	// Custom holds the ids of the custom rules loaded (rule.ruleset
	// "custom" on their alerts).
	Custom map[string]bool
	// Skipped lists the custom rules (and parameters) left out, each with
	// its reason: a broken custom rule never stops ingest.
	Skipped []error
	// Params are the parameters the catalog was built with (hunt rules get
	// the same).
	Params []detect.Param
}

// RuleFile is one rule file: its name (or S3 key) and YAML text.
type RuleFile struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

// maxRuleBytes bounds one custom rule file read from S3.
const maxRuleBytes = 1 << 20

// ListGetAPI is the part of the S3 client custom rules are read with.
type ListGetAPI interface {
	GetObjectAPI
	s3.ListObjectsV2APIClient
}

// ReadRuleFiles reads every *.yml object under loc (a prefix).
func ReadRuleFiles(ctx context.Context, client ListGetAPI, loc S3Location) ([]RuleFile, error) {
	var files []RuleFile
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(loc.Bucket), Prefix: aws.String(loc.Key)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("custom rules: listing s3://%s/%s: %w", loc.Bucket, loc.Key, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if !strings.HasSuffix(key, ".yml") {
				continue
			}
			out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(loc.Bucket), Key: aws.String(key)})
			if err != nil {
				return nil, fmt.Errorf("custom rules: get s3://%s/%s: %w", loc.Bucket, key, err)
			}
			b, err := io.ReadAll(io.LimitReader(out.Body, maxRuleBytes+1))
			out.Body.Close()
			if err != nil {
				return nil, fmt.Errorf("custom rules: read s3://%s/%s: %w", loc.Bucket, key, err)
			}
			if len(b) > maxRuleBytes {
				// Kept as a file that fails to parse: skipped and counted.
				b = []byte("# over the size limit\n")
			}
			files = append(files, RuleFile{Name: "s3://" + loc.Bucket + "/" + key, Text: string(b)})
		}
	}
	return files, nil
}

// parseRuleFiles parses and validates each file on its own (a rule set of
// one), as orgsiem scan reads its --rules (Sigma rules, parameters for
// undeclared placeholders), and runs its inline tests; broken files are
// returned in skipped.
func parseRuleFiles(files []RuleFile, params []detect.Param) (sets []*detect.Catalog, skipped []error) {
	pm := map[string][]string{}
	for _, p := range params {
		pm[p.Name] = p.Values
	}
	for _, f := range files {
		name := strings.TrimPrefix(f.Name, "s3://")
		cat, refused, err := detect.LoadSigma(fstest.MapFS{name: {Data: []byte(f.Text)}}, path.Dir(name), pm)
		if err == nil && len(refused) > 0 {
			errs := make([]error, len(refused))
			for i, r := range refused {
				errs[i] = r
			}
			err = errors.Join(errs...)
		}
		if err != nil {
			skipped = append(skipped, fmt.Errorf("custom rule %s: %w", f.Name, err))
			continue
		}
		if cat.Len() != 1 {
			skipped = append(skipped, fmt.Errorf("custom rule %s: holds no rule", f.Name))
			continue
		}
		var failed []string
		for _, res := range cat.RunTests(detect.TestOptions{Normalize: logs.NormalizeRecord}) {
			if !res.Passed() && res.Skipped == "" {
				failed = append(failed, res.String())
			}
		}
		if len(failed) > 0 {
			skipped = append(skipped, fmt.Errorf("custom rule %s: inline tests fail: %s", f.Name, strings.Join(failed, "; ")))
			continue
		}
		sets = append(sets, cat)
	}
	return sets, skipped
}

// BuildRules builds the loader's catalog from the custom rule files (none:
// the built-in catalog) and the parameters. Only a broken built-in catalog
// is an error.
func BuildRules(files []RuleFile, params []detect.Param) (*Rules, error) {
	sets, skipped := parseRuleFiles(files, params)
	cat, more, err := detect.Assembly{Extra: sets, Params: params, Lenient: true}.Build()
	if err != nil {
		return nil, fmt.Errorf("loader rules: %w", err)
	}
	r := &Rules{Catalog: cat, Custom: map[string]bool{}, Skipped: append(skipped, more...), Params: params}
	for _, s := range sets {
		for _, rule := range s.Rules() {
			if cat.Rule(rule.ID) == rule {
				r.Custom[rule.ID] = true
			}
		}
	}
	return r, nil
}

// huntKey identifies the rules of a hunt message: its rule files and the
// rule ids it is restricted to.
func huntKey(ref ObjectRef) string {
	h := sha256.New()
	for _, f := range ref.RuleFiles {
		fmt.Fprintf(h, "%d:%s%d:%s", len(f.Name), f.Name, len(f.Text), f.Text)
	}
	ids := append([]string(nil), ref.Rules...)
	sort.Strings(ids)
	fmt.Fprintf(h, "|%s", strings.Join(ids, ","))
	return hex.EncodeToString(h.Sum(nil))
}

// errHuntRules reports hunt rules that cannot run: the message is a poison
// message (redelivery cannot fix its rules).
var errHuntRules = errors.New("hunt rules")

// LoadRules builds the loader's catalog at cold start: the custom rules
// under loc (nil: none) and the parameters. Nothing here stops ingest but
// a broken built-in catalog: an unreadable prefix or a broken custom rule
// is logged (file, line, rule id) and counted in the CustomRulesSkipped
// metric written to metrics, and the rest runs.
func LoadRules(ctx context.Context, client ListGetAPI, loc *S3Location, params []detect.Param, log *slog.Logger, metrics io.Writer, now time.Time) (*Rules, error) {
	var files []RuleFile
	var readErr error
	if loc != nil {
		files, readErr = ReadRuleFiles(ctx, client, *loc)
	}
	r, err := BuildRules(files, params)
	if err != nil {
		return nil, err
	}
	if readErr != nil {
		r.Skipped = append(r.Skipped, readErr)
	}
	for _, e := range r.Skipped {
		log.ErrorContext(ctx, "custom rule skipped", "error", e.Error())
	}
	if loc != nil {
		log.InfoContext(ctx, "custom rules loaded", "prefix", "s3://"+loc.Bucket+"/"+loc.Key, "loaded", len(r.Custom), "skipped", len(r.Skipped))
	}
	if err := writeRulesEMF(metrics, now, len(r.Custom), len(r.Skipped)); err != nil {
		log.ErrorContext(ctx, "metrics not written", "error", err.Error())
	}
	return r, nil
}
