// Command directory is the account directory Lambda (management account,
// outside any VPC): see functions/directory.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/orgsiem/orgsiem/functions/directory"
)

func main() {
	cfg, err := directory.ConfigFromEnv(os.Getenv)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	// Organizations is a global service served from us-east-1 (aws
	// partition); the archive is in its own region.
	orgCfg := awsCfg.Copy()
	orgCfg.Region = "us-east-1"
	s3Cfg := awsCfg.Copy()
	s3Cfg.Region = cfg.BucketRegion
	h := directory.New(cfg, organizations.NewFromConfig(orgCfg), s3.NewFromConfig(s3Cfg), nil)
	lambda.Start(h.Handle)
}
