package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/orgsiem/orgsiem/internal/search"
)

// remoteFlags are the flags of the commands that talk to the deployed
// SIEM (load, report, restore, snapshot): where the domain or the function
// is, and which AWS region. Credentials come from the usual AWS sources
// (environment, shared config and SSO profiles, instance roles); nothing is
// read from flags.
type remoteFlags struct {
	endpoint string
	function string
	region   string
	timeout  time.Duration
}

func (rf *remoteFlags) register(fs *flag.FlagSet, defaultFunction string) {
	fs.StringVar(&rf.endpoint, "endpoint", "", "talk to the OpenSearch domain at `URL` directly (https://vpc-...es.amazonaws.com, signed with your AWS credentials; "+
		"http://localhost:9200 for a local OpenSearch, unsigned). A VPC domain is only reachable from inside the VPC (a bastion, VPN or SSM port forward)")
	if defaultFunction != "" {
		fs.StringVar(&rf.function, "function", defaultFunction, "invoke the Lambda function `NAME` (which runs in the VPC) instead of reaching the domain; ignored with --endpoint")
	}
	fs.StringVar(&rf.region, "region", "", "AWS `REGION` (default: from AWS_REGION or your AWS profile)")
	fs.DurationVar(&rf.timeout, "timeout", 0, "give up on one request to the domain after `DURATION` without a complete answer (e.g. 30s, 5m; with --endpoint; default "+search.DefaultRequestTimeout.String()+" for an https domain)")
}

// awsConfig loads the AWS configuration the way the AWS CLI does.
func (rf *remoteFlags) awsConfig(ctx context.Context) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if rf.region != "" {
		opts = append(opts, config.WithRegion(rf.region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return cfg, fmt.Errorf("AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return cfg, errors.New("no AWS region: pass --region or set AWS_REGION")
	}
	return cfg, nil
}

// searchClient returns a client for --endpoint: SigV4-signed for https,
// unsigned for a plain-http loopback address (a local OpenSearch).
func (rf *remoteFlags) searchClient(ctx context.Context) (*search.Client, error) {
	u, err := url.Parse(rf.endpoint)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("--endpoint %q is not a URL such as https://vpc-orgsiem-xyz.eu-west-1.es.amazonaws.com", rf.endpoint)
	}
	if rf.timeout < 0 {
		return nil, fmt.Errorf("--timeout %s: want a positive duration such as 60s", rf.timeout)
	}
	cfg := search.Config{URL: rf.endpoint, RequestTimeout: rf.timeout}
	if u.Scheme == "https" {
		awsCfg, err := rf.awsConfig(ctx)
		if err != nil {
			return nil, err
		}
		cfg.AWS = &awsCfg
	}
	return search.New(cfg)
}

// s3Client returns an S3 client; with a custom endpoint (AWS_ENDPOINT_URL
// or AWS_ENDPOINT_URL_S3, e.g. MinIO or LocalStack) it addresses buckets
// by path, as those servers expect. Objects stored without a checksum
// (most AWS deliveries) are read without a log line each.
func s3Client(cfg aws.Config) *s3.Client {
	custom := os.Getenv("AWS_ENDPOINT_URL_S3") != "" || os.Getenv("AWS_ENDPOINT_URL") != ""
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = custom
		o.DisableLogOutputChecksumValidationSkipped = true
	})
}

// invokeAPI is the part of the Lambda client the CLI uses.
type invokeAPI interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// invoke calls a function synchronously with payload and decodes its
// answer into out. A function error (the handler returned an error) is
// returned with the function's error message.
func invoke(ctx context.Context, api invokeAPI, function string, payload, out any) error {
	in, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	res, err := api.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(function), Payload: in})
	if err != nil {
		return fmt.Errorf("invoking %s: %w", function, err)
	}
	if res.FunctionError != nil {
		var fe struct {
			ErrorMessage string `json:"errorMessage"`
			ErrorType    string `json:"errorType"`
		}
		_ = json.Unmarshal(res.Payload, &fe)
		if fe.ErrorMessage == "" {
			fe.ErrorMessage = strings.TrimSpace(string(res.Payload))
		}
		return fmt.Errorf("%s failed (%s): %s", function, aws.ToString(res.FunctionError), fe.ErrorMessage)
	}
	if err := json.Unmarshal(res.Payload, out); err != nil {
		return fmt.Errorf("%s answered something else than expected: %w", function, err)
	}
	return nil
}

// lambdaClient builds the Lambda client of --function.
func (rf *remoteFlags) lambdaClient(ctx context.Context) (invokeAPI, error) {
	cfg, err := rf.awsConfig(ctx)
	if err != nil {
		return nil, err
	}
	return lambda.NewFromConfig(cfg), nil
}
