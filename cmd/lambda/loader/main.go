// Command loader is the loader Lambda (see functions/loader).
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/orgsiem/orgsiem/functions/loader"
)

func main() {
	cfg, err := loader.ConfigFromEnv(os.Getenv)
	if err != nil {
		log.Fatal(err)
	}
	// The bulk indexer retries OpenSearch within the deadline; SQS redelivers the rest.
	aws, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(cfg.Region), config.WithRetryMaxAttempts(1))
	if err != nil {
		log.Fatal(err)
	}
	h, err := loader.NewFromAWS(context.Background(), cfg, aws)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(h.Handle)
}
