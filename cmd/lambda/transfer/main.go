// Command transfer is the log-transferring Lambda (see functions/transfer).
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/orgsiem/orgsiem/functions/transfer"
)

func main() {
	cfg, err := transfer.ConfigFromEnv(os.Getenv)
	if err != nil {
		log.Fatal(err)
	}
	// The handler retries within the invocation's deadline; the SDK does not.
	aws, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(cfg.BucketRegion), config.WithRetryMaxAttempts(1))
	if err != nil {
		log.Fatal(err)
	}
	h, err := transfer.New(cfg, s3.NewFromConfig(aws))
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(h.Handle)
}
