package loader

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/orgsiem/orgsiem/internal/logs"
	"github.com/orgsiem/orgsiem/internal/search"
)

// maxGeoIPBytes bounds a GeoIP database read into memory (GeoLite2-City is
// about 60 MB).
const maxGeoIPBytes = 256 << 20

// LoadGeoIP reads the MaxMind databases at locs from S3 and opens them; no
// locations is no GeoIP (nil, nil).
func LoadGeoIP(ctx context.Context, client GetObjectAPI, locs []S3Location) (*GeoIP, error) {
	if len(locs) == 0 {
		return nil, nil
	}
	dbs := map[string][]byte{}
	for _, loc := range locs {
		out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(loc.Bucket), Key: aws.String(loc.Key)})
		if err != nil {
			return nil, fmt.Errorf("geoip database s3://%s/%s: %w", loc.Bucket, loc.Key, err)
		}
		b, err := io.ReadAll(io.LimitReader(out.Body, maxGeoIPBytes+1))
		out.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("geoip database s3://%s/%s: %w", loc.Bucket, loc.Key, err)
		}
		if len(b) > maxGeoIPBytes {
			return nil, fmt.Errorf("geoip database s3://%s/%s is over %d bytes", loc.Bucket, loc.Key, maxGeoIPBytes)
		}
		dbs["s3://"+loc.Bucket+"/"+loc.Key] = b
	}
	return OpenGeoIP(dbs)
}

// NewFromAWS builds the Lambda handler from its configuration and the
// execution role's AWS configuration: SigV4-signed OpenSearch client, bulk
// indexer dead-lettering to the archive bucket, S3 and SQS clients, the
// account directory reader when account enrichment is on, and the GeoIP
// databases when configured. The SDK clients should
// not retry (RetryMaxAttempts 1): the bulk indexer retries OpenSearch and
// SQS redelivers what failed.
func NewFromAWS(ctx context.Context, cfg Config, awsCfg aws.Config) (*Handler, error) {
	sc, err := search.New(search.Config{URL: cfg.Endpoint, AWS: &awsCfg})
	if err != nil {
		return nil, err
	}
	// Archive objects are delivered without checksums: no log line for each.
	s3c := s3.NewFromConfig(awsCfg, func(o *s3.Options) { o.DisableLogOutputChecksumValidationSkipped = true })
	geo, err := LoadGeoIP(ctx, s3c, cfg.GeoIP)
	if err != nil {
		return nil, err
	}
	var accounts *Accounts
	if cfg.AccountEnrichment {
		accounts = NewAccounts(s3c, cfg.ArchiveBucket, 0, nil)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	rules, err := LoadRules(ctx, s3c, cfg.CustomRules, cfg.RuleParameters, log, os.Stdout, time.Now())
	if err != nil {
		return nil, err
	}
	sink := &search.S3DeadLetter{Bucket: cfg.ArchiveBucket, Client: s3c}
	l, err := NewLoader(s3c, func(on func(search.Result)) (Indexer, error) {
		return sc.NewIndexer(search.IndexerConfig{OnResult: on, DeadLetter: sink})
	}, Options{
		Accounts:  accounts,
		GeoIP:     geo,
		Log:       log,
		Rules:     rules,
		Sources:   cfg.sources(accounts),
		Retention: search.Retention{Days: cfg.HotIndexDays},
	})
	if err != nil {
		return nil, err
	}
	return NewHandler(l, sqs.NewFromConfig(awsCfg), cfg.QueueURL, HandlerOptions{})
}

// sources is the trust configuration of the archive's sources: the
// organization trail's prefix and the management account's Control Tower
// trail log group may carry other accounts' records, which are believed
// only for accounts of the account directory (when enrichment reads it).
func (c Config) sources(accounts *Accounts) logs.Sources {
	src := logs.Sources{OrgID: c.OrgID}
	if c.ManagementAccount != "" {
		src.MultiAccountGroups = []logs.LogGroupRef{logs.ControlTowerSources(c.ManagementAccount)}
	}
	if accounts != nil {
		src.Member = accounts.Member
	}
	return src
}
